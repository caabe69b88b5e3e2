#include "float64_copy.hpp"

namespace dagrad::gradcheck_internal {

bool needs_float64_copy(const Graph& graph, Expr output) {
  int ids[] = {output.id()};
  for (int id : graph.topological_order(ids)) {
    if (graph.node(id).dtype() != DType::float64) return true;
  }
  return false;
}

std::unique_ptr<Float64Copy> float64_copy(Graph& graph, Expr output) {
  auto copy = std::make_unique<Float64Copy>();
  copy->id_of.assign(std::size_t(graph.size()), -1);
  copy->graph.set_training(graph.training());  // ops such as dropout compute another function in each mode
  int ids[] = {output.id()};
  for (int id : graph.topological_order(ids)) {
    const Node& node = graph.node(id);
    Expr made;
    switch (node.kind()) {
      case NodeKind::input:
        made = copy->graph.input(node.name(), Tensor::from(node.value()).to(DType::float64), node.requires_grad());
        break;
      case NodeKind::parameter:
        made = copy->graph.parameter(node.name(), Tensor::from(node.value()).to(DType::float64));
        break;
      case NodeKind::constant:
        made = copy->graph.constant(Tensor::from(node.value()).to(DType::float64), node.name());
        break;
      case NodeKind::op: {
        std::vector<Expr> inputs;
        for (int input : node.inputs()) inputs.push_back(copy->graph.expr(copy->id_of[std::size_t(input)]));
        if (node.op_name() == "cast") {
          made = inputs.at(0);
          break;
        }
        if (!OpRegistry::global().contains(node.op_name())) {
          throw Error(fmt::format("gradcheck: node \"{}\" ({}) is float32 and its op is not registered: a float32 "
                                  "graph is checked through a float64 copy rebuilt from the registry, so "
                                  "register the op (OpRegistry::global().add<...>(\"{}\")) or build the graph in "
                                  "float64",
                                  node.name(), node.op_name(), node.op_name()));
        }
        made = copy->graph.apply(node.op_name(), std::move(inputs), node.op()->attrs(), node.name());
        break;
      }
    }
    copy->id_of[std::size_t(id)] = made.id();
  }
  return copy;
}

}  // namespace dagrad::gradcheck_internal
