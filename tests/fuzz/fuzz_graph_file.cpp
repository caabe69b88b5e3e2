// libFuzzer target: a graph file, loaded, run forward and backward, saved
// and drawn. Any input may be rejected with a dagrad::Error; nothing may
// crash, leak or trip a sanitizer, and whatever is saved must load again and
// save to the same bytes (README: files round-trip exactly).
#include <cstddef>
#include <cstdint>
#include <string>

#include <dagrad/dagrad.hpp>
#include <dagrad/dot.hpp>
#include <dagrad/graph_file.hpp>

namespace {
// The harness's own budget, so that the fuzzer spends its time on parsing
// and ops rather than on large (valid) tensors: graphs holding more
// elements than this are loaded and saved but not run or drawn.
constexpr std::int64_t max_elements = std::int64_t(1) << 18;
constexpr int max_drawn_nodes = 200;
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace dagrad;
  const std::string text(reinterpret_cast<const char*>(data), size);
  LoadedGraph loaded;
  try {
    loaded = parse_graph(text, "fuzz.json");
  } catch (const Error&) {
    return 0;  // rejected with a message: fine
  }
  Graph& graph = *loaded.graph;
  std::int64_t elements = 0;
  for (int id = 0; id < graph.size(); ++id) elements += graph.node(id).shape().elements();
  const bool small = elements <= max_elements;

  if (small && !loaded.outputs.empty()) {
    try {
      graph.forward(loaded.outputs);
      Expr first = loaded.outputs.front();
      if (first.shape().elements() == 1) {
        for (Expr input : graph.inputs()) graph.set_requires_grad(input, true);
        graph.backward(first, BackwardOptions{.retain_grads = true});
      }
    } catch (const Error&) {
      // An op rejected a value at run time (a label that is no class index).
    }
  }

  std::string saved;
  try {
    saved = graph_to_json(graph, loaded.outputs);
  } catch (const Error&) {
    return 0;  // a graph the format cannot hold (a non-finite attribute)
  }
  LoadedGraph again = parse_graph(saved, "saved.json");
  if (graph_to_json(*again.graph, again.outputs) != saved) __builtin_trap();

  if (small && graph.size() <= max_drawn_nodes) {
    DotOptions options;
    options.outputs = loaded.outputs;
    options.values = options.grads = options.backward = true;
    options.max_nodes = 12;
    (void)to_dot(graph, options);
  }
  return 0;
}
