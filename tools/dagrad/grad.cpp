// `dagrad grad FILE [--json]`: the first output (a scalar) of a graph file
// and its gradient with respect to every input and parameter.
#include <cmath>

#include <fmt/format.h>

#include "command.hpp"
#include "dagrad/dagrad.hpp"
#include "graph_commands.hpp"
#include "json_output.hpp"

namespace dagrad::cli {
namespace {

// The leaves the gradient is taken with respect to, in graph order; a leaf
// the output does not depend on gets zeros.
std::vector<std::pair<std::string, Tensor>> gradients(Graph& graph) {
  std::vector<std::pair<std::string, Tensor>> result;
  for (int id = 0; id < graph.size(); ++id) {
    const Node& node = graph.node(id);
    if (node.kind() != NodeKind::input && node.kind() != NodeKind::parameter) continue;
    result.emplace_back(node.name(), node.has_grad() ? Tensor::from(node.grad()) : Tensor(node.shape()));
  }
  return result;
}

int run_grad(const std::string& path, bool json, bool check_finite) {
  LoadedGraph loaded = load_graph(path);
  require_outputs(loaded, path, "grad");
  run_forward_and_backward(loaded, path, /*retain_grads=*/false, check_finite);
  auto grads = gradients(*loaded.graph);
  if (json) {
    std::vector<std::string> outputs, gradient_items;
    for (Expr output : loaded.outputs) outputs.push_back(json_string(output.name()) + ": " + json_tensor(output.value()));
    for (const auto& [name, grad] : grads) gradient_items.push_back(json_string(name) + ": " + json_tensor(grad));
    fmt::print("{{\"outputs\": {{{}}}, \"gradients\": {{{}}}}}\n", fmt::join(outputs, ", "),
               fmt::join(gradient_items, ", "));
    return exit_ok;
  }
  Expr first = loaded.outputs.front();
  fmt::print("{} = {}\n", first.name(), first.value());
  for (const auto& [name, grad] : grads) {
    fmt::print("d{}/d{}: shape {}\n{}\n", first.name(), name, grad.shape(), grad);
  }
  return exit_ok;
}

const CommandRegistration registration{
    "grad", "Evaluate a graph file's first output (a scalar) and its gradient w.r.t. every input and parameter",
    [](CLI::App& app) {
      auto path = std::make_shared<std::string>();
      auto json = std::make_shared<bool>(false);
      app.add_option("FILE", *path, "Graph file (JSON)")->required();
      app.add_flag("--json", *json,
                   "Print {\"outputs\": {NAME: {\"shape\", \"value\"}}, \"gradients\": {...}} with values flat, "
                   "row-major, at 17 significant digits");
      auto check_finite = std::make_shared<bool>(false);
      app.add_flag("--check-finite", *check_finite, check_finite_help);
      return [path, json, check_finite] { return run_grad(*path, *json, *check_finite); };
    }};

}  // namespace
}  // namespace dagrad::cli
