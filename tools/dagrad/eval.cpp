// `dagrad eval FILE`: loads a graph file and prints the value of every output.
#include <fmt/format.h>

#include "command.hpp"
#include "dagrad/dagrad.hpp"
#include "graph_commands.hpp"

namespace dagrad::cli {
namespace {

int run_eval(const std::string& path, bool check_finite) {
  LoadedGraph loaded = load_graph(path);
  require_outputs(loaded, path, "eval");
  check_graph_fits(*loaded.graph, path, /*with_gradients=*/false);
  loaded.graph->forward(loaded.outputs, ForwardOptions{.check_finite = check_finite});
  for (Expr output : loaded.outputs) {
    fmt::print("{}: shape {}\n{}\n", output.name(), output.shape(), output.value());
  }
  return exit_ok;
}

const CommandRegistration registration{
    "eval", "Evaluate a graph file and print every output", [](CLI::App& app) {
      auto path = std::make_shared<std::string>();
      auto check_finite = std::make_shared<bool>(false);
      app.add_option("FILE", *path, "Graph file (JSON)")->required();
      app.add_flag("--check-finite", *check_finite, check_finite_help);
      return [path, check_finite] { return run_eval(*path, *check_finite); };
    }};

}  // namespace
}  // namespace dagrad::cli
