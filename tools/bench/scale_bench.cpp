// Scale benchmark (issue 16, item 8): a graph file of a long chain, loaded,
// run forward and backward, and saved, with the time of each phase and the
// process's peak memory after it. A benchmark, not a test: it prints figures.
//
//   dagrad_scale_bench [NODES] [DIRECTORY]     (default 1000000 nodes, /tmp)
//
// The chain is x (1, 4) -> sigmoid -> tanh -> sigmoid -> ... -> sum: every
// node small, so the figures are the per-node costs of the file format, the
// loader and the graph, not of arithmetic.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include <fmt/format.h>

#include <dagrad/dagrad.hpp>
#include <dagrad/graph_file.hpp>

namespace {

double peak_megabytes() {
  struct rusage usage {};
  ::getrusage(RUSAGE_SELF, &usage);
  return double(usage.ru_maxrss) / 1024.0;  // Linux reports KiB
}

class Phase {
 public:
  explicit Phase(const char* name) : name_(name), start_(std::chrono::steady_clock::now()) {}
  ~Phase() {
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    fmt::print("{:<22} {:8.3f} s   peak memory {:8.1f} MiB\n", name_, seconds, peak_megabytes());
    std::fflush(stdout);
  }

 private:
  const char* name_;
  std::chrono::steady_clock::time_point start_;
};

// The graph file's text, written directly (as a tool that emits graph files would).
std::string chain_file(long nodes) {
  std::string text = "{\n  \"dagrad\": 1,\n  \"nodes\": [\n";
  text += "    {\"name\": \"n0\", \"op\": \"input\", \"shape\": [1, 4], \"value\": [0.1, -0.2, 0.3, -0.4]}";
  for (long i = 1; i + 1 < nodes; ++i) {
    text += fmt::format(",\n    {{\"name\": \"n{}\", \"op\": \"{}\", \"inputs\": [\"n{}\"]}}", i,
                        i % 2 == 1 ? "sigmoid" : "tanh", i - 1);
  }
  text += fmt::format(",\n    {{\"name\": \"loss\", \"op\": \"sum\", \"inputs\": [\"n{}\"]}}\n  ],\n", nodes - 2);
  text += "  \"outputs\": [\"loss\"]\n}\n";
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace dagrad;
  const long nodes = argc > 1 ? std::stol(argv[1]) : 1'000'000;
  const std::filesystem::path directory = argc > 2 ? argv[2] : "/tmp";
  const std::string path = (directory / "dagrad_scale_chain.json").string();
  const std::string saved = (directory / "dagrad_scale_chain_saved.json").string();
  fmt::print("chain of {} nodes in {}\n", nodes, path);
  {
    Phase phase("write the file");
    write_file_atomically(path, chain_file(nodes));
  }
  fmt::print("file size              {:8.1f} MiB\n", double(std::filesystem::file_size(path)) / (1 << 20));
  LoadedGraph loaded;
  {
    Phase phase("load_graph");
    loaded = load_graph(path);
  }
  Graph& graph = *loaded.graph;
  graph.set_requires_grad(graph.find("n0"), true);
  double loss = 0;
  {
    Phase phase("forward + backward");
    loss = graph.forward(loaded.outputs[0]).item();
    graph.backward(loaded.outputs[0]);
  }
  {
    Phase phase("save_graph");
    save_graph(graph, loaded.outputs, saved);
  }
  MemoryStats stats = graph.memory_stats();
  fmt::print("loss {:.6f}; graph memory_stats: {} bytes ({:.0f} per node)\n", loss, stats.total(),
             double(stats.total()) / double(nodes));
  std::filesystem::remove(path);
  std::filesystem::remove(saved);
  return 0;
}
