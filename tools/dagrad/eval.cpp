// `dagrad eval FILE`: loads a graph file and prints the value of every output.
#include <fmt/format.h>

#include "command.hpp"
#include "dagrad/dagrad.hpp"
#include "graph_commands.hpp"

namespace dagrad::cli {
namespace {

int run_eval(const std::string& path) {
  LoadedGraph loaded = load_graph(path);
  require_outputs(loaded, path, "eval");
  check_graph_fits(*loaded.graph, path, /*with_gradients=*/false);
  loaded.graph->forward(loaded.outputs);
  for (Expr output : loaded.outputs) {
    fmt::print("{}: shape {}\n{}\n", output.name(), output.shape(), output.value());
  }
  return exit_ok;
}

const CommandRegistration registration{
    "eval", "Evaluate a graph file and print every output", [](CLI::App& app) {
      auto path = std::make_shared<std::string>();
      app.add_option("FILE", *path, "Graph file (JSON)")->required();
      return [path] { return run_eval(*path); };
    }};

}  // namespace
}  // namespace dagrad::cli
