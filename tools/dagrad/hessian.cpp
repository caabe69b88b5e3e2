// `dagrad hessian FILE [--json] [--wrt NAME]...`: the Hessian of a graph
// file's first output (a scalar) with respect to every input and parameter
// (as `dagrad grad`: a file's inputs are what a user differentiates), from
// the symbolic gradient differentiated again (dagrad/autodiff.hpp). For
// small graphs: one Hessian-vector product per leaf element.
#include <fmt/format.h>

#include "command.hpp"
#include "dagrad/dagrad.hpp"
#include "graph_commands.hpp"
#include "json_output.hpp"

namespace dagrad::cli {
namespace {

int run_hessian(const std::string& path, bool json, const std::vector<std::string>& wrt) {
  LoadedGraph loaded = load_graph(path);
  require_outputs(loaded, path, "hessian");
  Graph& graph = *loaded.graph;
  check_graph_fits(graph, path, /*with_gradients=*/true);
  Expr first = loaded.outputs.front();
  if (first.shape().elements() != 1) {
    throw Error(fmt::format("{}: the first output \"{}\" has shape {}, not a scalar: a Hessian is taken of a "
                            "scalar",
                            path, first.name(), first.shape()));
  }
  std::vector<Expr> leaves;
  if (wrt.empty()) {
    for (int id = 0; id < graph.size(); ++id) {
      const Node& node = graph.node(id);
      if (node.kind() == NodeKind::input || node.kind() == NodeKind::parameter) leaves.push_back(graph.expr(id));
    }
  } else {
    for (const std::string& name : wrt) leaves.push_back(graph.find(name));
  }
  std::int64_t elements = 0;
  for (const Expr& leaf : leaves) elements += leaf.shape().elements();
  // Each element costs a Hessian-vector product; each block is stored whole.
  constexpr std::int64_t max_elements = 4096;
  if (elements > max_elements) {
    throw Error(fmt::format("{}: the leaves have {} elements in all; dagrad hessian is for small graphs (at most {})",
                            path, elements, max_elements));
  }
  graph.forward(first);
  const std::vector<std::vector<Tensor>> blocks = hessian(first, leaves);
  if (json) {
    std::vector<std::string> rows;
    for (std::size_t i = 0; i < leaves.size(); ++i) {
      std::vector<std::string> row;
      for (std::size_t j = 0; j < leaves.size(); ++j) {
        row.push_back(json_string(leaves[j].name()) + ": " + json_tensor(blocks[i][j]));
      }
      rows.push_back(fmt::format("{}: {{{}}}", json_string(leaves[i].name()), fmt::join(row, ", ")));
    }
    fmt::print("{{\"hessian\": {{{}}}}}\n", fmt::join(rows, ", "));
    return exit_ok;
  }
  fmt::print("{} = {}\n", first.name(), first.value());
  for (std::size_t i = 0; i < leaves.size(); ++i) {
    for (std::size_t j = 0; j < leaves.size(); ++j) {
      fmt::print("d2{}/d{} d{}: shape {}\n{}\n", first.name(), leaves[i].name(), leaves[j].name(),
                 blocks[i][j].shape(), blocks[i][j]);
    }
  }
  return exit_ok;
}

const CommandRegistration registration{
    "hessian",
    "The Hessian of a graph file's first output (a scalar) w.r.t. every input and parameter (small graphs)",
    [](CLI::App& app) {
      auto path = std::make_shared<std::string>();
      auto json = std::make_shared<bool>(false);
      auto wrt = std::make_shared<std::vector<std::string>>();
      app.add_option("FILE", *path, "Graph file (JSON)")->required();
      app.add_flag("--json", *json,
                   "Print {\"hessian\": {LEAF: {LEAF: {\"shape\", \"value\"}}}}: block [a][b] has shape a + b, "
                   "values flat, row-major, at 17 significant digits");
      app.add_option("--wrt", *wrt, "Only these leaves (repeatable), in this order")->type_name("NAME");
      return [path, json, wrt] { return run_hessian(*path, *json, *wrt); };
    }};

}  // namespace
}  // namespace dagrad::cli
