// Gradients as graph nodes (dagrad/autodiff.hpp): reverse-mode over the
// graph with each op's symbolic_backward instead of its kernel. Knows no
// particular op: broadcasting and reductions are undone with the graph's
// registered sum and reshape, by name.
#include "dagrad/autodiff.hpp"

#include <map>

#include "dagrad/error.hpp"
#include "dagrad/ops.hpp"

namespace dagrad {

std::vector<Expr> Op::symbolic_backward(Graph&, std::span<const Expr>, const Expr&, const Expr&,
                                        std::span<const bool>) const {
  throw Error(fmt::format("op \"{}\" has no symbolic backward: gradients through it cannot be differentiated "
                          "again (grad with create_graph, hvp, hessian)",
                          name()));
}

Expr sum_to_shape(Expr gradient, const Shape& shape) {
  const Shape& full = gradient.shape();
  if (full == shape) return gradient;
  // Leading axes the operand lacks are summed away; axes where it has size 1
  // are summed with keepdims. The result has `shape`'s elements in order.
  Expr summed = gradient;
  const int extra = full.rank() - shape.rank();
  if (extra < 0) {
    throw ShapeError(fmt::format("sum_to_shape: a gradient of shape {} cannot come from broadcasting shape {}",
                                 full, shape));
  }
  for (int k = 0; k < extra; ++k) summed = sum(summed, 0, false);
  for (int axis = 0; axis < shape.rank(); ++axis) {
    if (shape[axis] == 1 && full[extra + axis] != 1) summed = sum(summed, axis, true);
  }
  return reshape_to(summed, shape);
}

Expr reshape_to(Expr x, const Shape& shape) {
  if (x.shape() == shape) return x;
  return reshape(x, std::vector<std::int64_t>(shape.dims().begin(), shape.dims().end()));
}

Expr broadcast_to_shape(Expr x, const Shape& shape) {
  if (x.shape() == shape) return x;
  return add(x, x.graph().constant(Tensor(shape, x.dtype())));
}

Expr row_sums(Expr x) { return x.shape().rank() == 0 ? x : sum(x, -1, true); }

Expr where_or_zero(Expr condition, Expr value) {
  return where(condition, value, value.graph().constant(Tensor::scalar(0.0, value.dtype())));
}

namespace {

// Graph ids from which a target can be reached through differentiable
// inputs, among the output's ancestors (ids are a topological order).
std::vector<bool> leads_to_targets(Graph& graph, std::span<const int> order, std::span<const Expr> targets) {
  std::vector<bool> leads(std::size_t(graph.size()), false);
  for (const Expr& target : targets) leads[std::size_t(target.id())] = true;
  for (int id : order) {
    const Node& node = graph.node(id);
    if (node.is_leaf()) continue;
    for (std::size_t i = 0; i < node.inputs().size(); ++i) {
      if (node.op()->differentiable(int(i)) && leads[std::size_t(node.inputs()[i])]) leads[std::size_t(id)] = true;
    }
  }
  return leads;
}

}  // namespace

std::vector<Expr> grad(Expr output, std::span<const Expr> leaves, Expr output_grad, const GradOptions& options) {
  Graph& graph = output.graph();
  graph.check_expr(output, "grad");
  graph.check_expr(output_grad, "grad: output_grad");
  for (const Expr& leaf : leaves) graph.check_expr(leaf, "grad: leaf");
  if (output_grad.shape() != output.shape()) {
    throw ShapeError(fmt::format("grad: output_grad of shape {} does not fit output \"{}\" of shape {}",
                                 output_grad.shape(), output.name(), output.shape()));
  }
  const int output_id = output.id();
  const std::vector<int> order = graph.topological_order(std::span<const int>(&output_id, 1));
  const std::vector<bool> leads = leads_to_targets(graph, order, leaves);

  std::map<int, Expr> gradients{{output_id, output_grad}};
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    const int id = *it;
    const Node& node = graph.node(id);
    auto found = gradients.find(id);
    if (node.is_leaf() || found == gradients.end() || !leads[std::size_t(id)]) continue;
    const Op& op = *node.op();
    const std::size_t arity = node.inputs().size();
    std::vector<Expr> inputs;
    // std::vector<bool> has no span: a plain array of flags.
    std::unique_ptr<bool[]> needed(new bool[arity]);
    for (std::size_t i = 0; i < arity; ++i) {
      inputs.push_back(graph.expr(node.inputs()[i]));
      needed[i] = op.differentiable(int(i)) && leads[std::size_t(node.inputs()[i])];
    }
    std::vector<Expr> input_grads;
    try {
      input_grads = op.symbolic_backward(graph, inputs, graph.expr(id), found->second,
                                         std::span<const bool>(needed.get(), arity));
    } catch (const Error& error) {
      throw Error(fmt::format("grad: {} \"{}\": {}", op.name(), node.name(), error.what()));
    }
    if (input_grads.size() != inputs.size()) {
      throw Error(fmt::format("grad: {} \"{}\": symbolic backward returned {} gradients for {} inputs", op.name(),
                              node.name(), input_grads.size(), inputs.size()));
    }
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      if (!needed[i]) continue;
      const Expr& input_grad = input_grads[i];
      if (!input_grad.valid() || input_grad.shape() != inputs[i].shape() ||
          input_grad.dtype() != inputs[i].dtype()) {
        throw Error(fmt::format(
            "grad: {} \"{}\": symbolic backward gave {} for input {} \"{}\" of shape {} ({})", op.name(), node.name(),
            input_grad.valid() ? fmt::format("shape {} ({})", input_grad.shape(), input_grad.dtype())
                               : std::string("no gradient"),
            i, inputs[i].name(), inputs[i].shape(), inputs[i].dtype()));
      }
      auto [slot, inserted] = gradients.try_emplace(inputs[i].id(), input_grad);
      if (!inserted) slot->second = add(slot->second, input_grad);
    }
  }

  std::vector<Expr> result;
  for (const Expr& leaf : leaves) {
    auto found = gradients.find(leaf.id());
    result.push_back(found != gradients.end() ? found->second : graph.constant(Tensor(leaf.shape(), leaf.dtype())));
  }
  if (!options.create_graph) {
    graph.forward(std::span<const Expr>(result));
    for (Expr& gradient : result) gradient = graph.constant(Tensor::from(gradient.value()));
  }
  return result;
}

std::vector<Expr> grad(Expr output, std::span<const Expr> leaves, const GradOptions& options) {
  Graph& graph = output.graph();
  graph.check_expr(output, "grad");
  if (output.shape().elements() != 1) {
    throw Error(fmt::format("grad: output \"{}\" of shape {} is not a scalar: pass output_grad (dL/doutput)",
                            output.name(), output.shape()));
  }
  return grad(output, leaves, graph.constant(Tensor(output.shape(), 1.0, output.dtype())), options);
}

std::vector<Expr> grad(Expr output, std::initializer_list<Expr> leaves, const GradOptions& options) {
  return grad(output, std::span<const Expr>(leaves.begin(), leaves.size()), options);
}

namespace {
void check_vectors(std::string_view what, std::span<const Expr> leaves, std::span<const Expr> vectors) {
  if (leaves.size() != vectors.size()) {
    throw Error(fmt::format("{}: {} leaves but {} vectors", what, leaves.size(), vectors.size()));
  }
  for (std::size_t i = 0; i < leaves.size(); ++i) {
    if (leaves[i].shape() != vectors[i].shape()) {
      throw ShapeError(fmt::format("{}: vector {} of shape {} does not fit leaf \"{}\" of shape {}", what, i,
                                   vectors[i].shape(), leaves[i].name(), leaves[i].shape()));
    }
  }
}
}  // namespace

std::vector<Expr> hvp(Expr loss, std::span<const Expr> leaves, std::span<const Expr> vectors) {
  check_vectors("hvp", leaves, vectors);
  if (leaves.empty()) return {};
  // H v = d/dleaves (sum over i of <dloss/dleaf_i, v_i>).
  const std::vector<Expr> gradients = grad(loss, leaves);
  Expr inner = sum(mul(gradients[0], vectors[0]));
  for (std::size_t i = 1; i < leaves.size(); ++i) inner = add(inner, sum(mul(gradients[i], vectors[i])));
  return grad(inner, leaves);
}

Expr jvp(Expr output, std::span<const Expr> leaves, std::span<const Expr> tangents) {
  check_vectors("jvp", leaves, tangents);
  Graph& graph = output.graph();
  // J^T u is linear in u, so d/du <J^T u, t> = J t (the double-backward trick).
  Expr u = graph.input(fmt::format("jvp/u_{}", graph.size()), Tensor(output.shape(), output.dtype()));
  const std::vector<Expr> transposed = grad(output, leaves, u);
  if (leaves.empty()) return graph.constant(Tensor(output.shape(), output.dtype()));
  Expr inner = sum(mul(transposed[0], tangents[0]));
  for (std::size_t i = 1; i < leaves.size(); ++i) inner = add(inner, sum(mul(transposed[i], tangents[i])));
  return grad(inner, {u})[0];
}

std::vector<std::vector<Tensor>> hessian(Expr loss, std::span<const Expr> leaves) {
  Graph& graph = loss.graph();
  // One direction input per leaf; row (i, e) of the Hessian is the
  // Hessian-vector product with the unit vector e of leaf i.
  std::vector<Expr> directions;
  for (const Expr& leaf : leaves) {
    directions.push_back(
        graph.input(fmt::format("hessian/direction_{}", graph.size()), Tensor(leaf.shape(), leaf.dtype())));
  }
  const std::vector<Expr> products = hvp(loss, leaves, directions);
  std::vector<std::vector<Tensor>> blocks(leaves.size());
  for (std::size_t i = 0; i < leaves.size(); ++i) {
    for (std::size_t j = 0; j < leaves.size(); ++j) {
      std::vector<std::int64_t> dims(leaves[i].shape().dims().begin(), leaves[i].shape().dims().end());
      dims.insert(dims.end(), leaves[j].shape().dims().begin(), leaves[j].shape().dims().end());
      if (dims.size() > std::size_t(Shape::max_rank)) {
        throw ShapeError(fmt::format("hessian: the block of \"{}\" and \"{}\" would have rank {} (at most {})",
                                     leaves[i].name(), leaves[j].name(), dims.size(), Shape::max_rank));
      }
      blocks[i].emplace_back(Shape(std::span<const std::int64_t>(dims)), leaves[i].dtype());
    }
  }
  for (std::size_t i = 0; i < leaves.size(); ++i) {
    for (std::int64_t e = 0; e < leaves[i].shape().elements(); ++e) {
      Tensor unit(leaves[i].shape(), leaves[i].dtype());
      unit.set(e, 1.0);
      graph.set_value(directions[i], unit);
      graph.forward(std::span<const Expr>(products));
      // H is symmetric: the product with e_i is row e of every block [i][j].
      for (std::size_t j = 0; j < leaves.size(); ++j) {
        const TensorView& row = products[j].value();
        for (std::int64_t k = 0; k < row.size(); ++k) blocks[i][j].set(e * row.size() + k, row.get(k));
      }
    }
    graph.set_value(directions[i], Tensor(leaves[i].shape(), leaves[i].dtype()));
  }
  return blocks;
}

Tensor hessian(Expr loss, Expr leaf) { return hessian(loss, std::span<const Expr>(&leaf, 1))[0][0]; }

}  // namespace dagrad
