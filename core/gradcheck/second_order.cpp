// Second-order checks of symbolic backwards (dagrad/gradcheck.hpp,
// "second order"): each op's gradient graph against its kernel backward
// (first order), and the gradient of that gradient graph against central
// differences of the kernel gradient (second order).
#include <cmath>

#include "dagrad/autodiff.hpp"
#include "dagrad/error.hpp"
#include "dagrad/gradcheck.hpp"
#include "dagrad/ops.hpp"
#include "numerics.hpp"

namespace dagrad {
namespace {

// An op object lent to a check graph (check_symbolic_nodes): everything is
// the graph's own op's. set_training is not passed on: the op keeps its own
// graph's mode, and the check graph must not change it.
class BorrowedOp final : public Op {
 public:
  explicit BorrowedOp(Op& inner) : inner_(inner) {}
  std::string_view name() const override { return inner_.name(); }
  int arity() const override { return inner_.arity(); }
  Shape infer_shape(std::span<const Shape> inputs) const override { return inner_.infer_shape(inputs); }
  DType infer_dtype(std::span<const DType> inputs) const override { return inner_.infer_dtype(inputs); }
  void forward(std::span<const TensorView> inputs, TensorView output) override { inner_.forward(inputs, output); }
  void backward(std::span<const TensorView> inputs, const TensorView& output, const TensorView& output_grad,
                std::span<GradientSlot> slots) override {
    inner_.backward(inputs, output, output_grad, slots);
  }
  std::vector<Expr> symbolic_backward(Graph& graph, std::span<const Expr> inputs, const Expr& output,
                                      const Expr& output_grad, std::span<const bool> needed) const override {
    return inner_.symbolic_backward(graph, inputs, output, output_grad, needed);
  }
  Attrs attrs() const override { return inner_.attrs(); }
  bool differentiable(int input_index) const override { return inner_.differentiable(input_index); }
  bool has_kinks() const override { return inner_.has_kinks(); }
  double kink_offset(std::span<const TensorView> inputs, std::int64_t element) const override {
    return inner_.kink_offset(inputs, element);
  }

 private:
  Op& inner_;
};

// Central differences at steps h and h/2, Richardson extrapolated.
double second_order_numeric(const std::function<double(double)>& phi_at, double x, double h) {
  auto central = [&](double step) { return (phi_at(x + step) - phi_at(x - step)) / (2 * step); };
  return (4 * central(h / 2) - central(h)) / 3;
}

SymbolicCheck check_symbolic(std::unique_ptr<Op> op, const OpExample& example, const GradcheckOptions& options,
                             std::string node_name) {
  SymbolicCheck check;
  check.op = std::string(op->name());
  check.node = std::move(node_name);
  check.description = describe(example);
  const std::string who = check.node.empty() ? fmt::format("op \"{}\" at {}", check.op, check.description)
                                             : fmt::format("node \"{}\" ({})", check.node, check.op);
  Op& op_ref = *op;
  Rng rng(options.seed);

  Graph graph;
  std::vector<Expr> inputs, leaves;
  std::vector<int> leaf_inputs;  // input index of each leaf
  for (std::size_t i = 0; i < example.inputs.size(); ++i) {
    const bool differentiable = op_ref.differentiable(int(i));
    const std::string name = fmt::format("x{}", i);
    inputs.push_back(differentiable ? graph.input(name, example.inputs[i], true)
                                    : graph.constant(example.inputs[i], name));
    if (differentiable) leaves.push_back(inputs.back()), leaf_inputs.push_back(int(i));
  }
  if (leaves.empty()) {
    // A forward-only op (greater, less, equal): grad() never asks it for a
    // symbolic backward, so there is none to compare (its first-order check
    // covers that it is locally constant).
    check.note = fmt::format("{}: no input takes a gradient (a forward-only op), so grad() needs no symbolic backward",
                             who);
    return check;
  }
  Expr output = graph.add_op(std::move(op), inputs, check.op);
  graph.forward(output);
  Tensor seed = output.shape().elements() == 1 ? Tensor(output.shape(), 1.0, output.dtype())
                                                : random_normal(output.shape(), rng).to(output.dtype());
  Expr seed_expr = graph.constant(seed, "seed");

  std::vector<Expr> symbolic, weights, second;
  Expr phi;
  try {
    symbolic = grad(output, leaves, seed_expr);
    for (std::size_t k = 0; k < leaves.size(); ++k) {
      weights.push_back(graph.constant(random_normal(leaves[k].shape(), rng).to(leaves[k].dtype()),
                                       fmt::format("w{}", k)));
      Expr term = sum(mul(symbolic[k], weights[k]));
      phi = k == 0 ? term : add(phi, term);
    }
    if (!leaves.empty()) second = grad(phi, leaves);
    std::vector<Expr> wanted = symbolic;
    wanted.insert(wanted.end(), second.begin(), second.end());
    graph.forward(std::span<const Expr>(wanted));
  } catch (const Error& error) {
    check.passed = false;
    check.note = fmt::format("{}: {}", who, error.what());
    return check;
  }

  // First order: the gradient graph's values against the kernel's.
  graph.backward(output, seed);
  for (std::size_t k = 0; k < leaves.size(); ++k) {
    const TensorView& kernel = leaves[k].grad();
    const TensorView& mine = symbolic[k].value();
    for (std::int64_t e = 0; e < kernel.size(); ++e) {
      const double error = std::abs(mine.get(e) - kernel.get(e)) / (1 + std::abs(kernel.get(e)));
      if (!(error <= check.first_order_error)) {
        check.first_order_error = std::isnan(error) ? INFINITY : error;
      }
      if (!(error <= 1e-9) && check.passed) {
        check.passed = false;
        check.note = fmt::format("{}: the symbolic backward of input {} disagrees with the kernel backward at "
                                 "element {}: {} against {}",
                                 who, leaf_inputs[k], e, mine.get(e), kernel.get(e));
      }
    }
  }
  if (!check.passed) return check;

  // Second order: d phi / d x from the gradient graph differentiated again,
  // against differences of phi computed with the kernel backward.
  std::vector<Tensor> analytic;
  for (const Expr& s : second) analytic.push_back(Tensor::from(s.value()));
  std::vector<Tensor> base;
  for (const Expr& leaf : leaves) base.push_back(Tensor::from(leaf.value()));
  std::vector<Tensor> weight_values;
  for (const Expr& w : weights) weight_values.push_back(Tensor::from(w.value()));
  for (std::size_t k = 0; k < leaves.size(); ++k) {
    for (std::int64_t e = 0; e < base[k].size(); ++e) {
      const double x = base[k].get(e);
      const double h = gradcheck_internal::step_for(x, options.eps);
      if (op_ref.has_kinks() && e < example.inputs[0].size()) {
        std::vector<TensorView> views;
        for (const Expr& input : inputs) views.push_back(input.value());
        if (std::abs(op_ref.kink_offset(views, e)) <= 1.01 * h) {
          ++check.skipped;
          continue;
        }
      }
      Tensor moved = Tensor::from(base[k]);
      auto phi_at = [&](double value) {
        moved.set(e, value);
        graph.set_value(leaves[k], moved);
        graph.forward(output);
        graph.backward(output, seed);
        double total = 0;
        for (std::size_t j = 0; j < leaves.size(); ++j) {
          const TensorView& g = leaves[j].grad();
          for (std::int64_t m = 0; m < g.size(); ++m) total += g.get(m) * weight_values[j].get(m);
        }
        return total;
      };
      const double numeric = second_order_numeric(phi_at, x, h);
      graph.set_value(leaves[k], base[k]);
      const double mine = analytic[k].get(e);
      const double ratio = std::abs(mine - numeric) / (options.atol + options.rtol * std::abs(numeric));
      ++check.checked;
      if (!(ratio <= check.second_order_error)) check.second_order_error = std::isnan(ratio) ? INFINITY : ratio;
      if (!(ratio <= 1) && check.passed) {
        check.passed = false;
        check.note = fmt::format("{}: the second derivative through input {} disagrees with finite differences "
                                 "of the kernel gradient at element {}: {} against {}",
                                 who, leaf_inputs[k], e, mine, numeric);
      }
    }
  }
  return check;
}

}  // namespace

SymbolicCheck check_symbolic_op_example(std::unique_ptr<Op> op, const OpExample& example,
                                        const GradcheckOptions& options) {
  validate(options);
  return check_symbolic(std::move(op), example, options, {});
}

std::vector<SymbolicCheck> check_symbolic_op(std::string_view op_name, const GradcheckOptions& options) {
  const OpInfo& info = OpRegistry::global().find(op_name);
  Rng rng(options.seed);
  std::vector<OpExample> examples = info.examples ? info.examples(rng) : same_shape_examples(rng, 1);
  std::vector<SymbolicCheck> checks;
  for (const OpExample& example : examples) {
    checks.push_back(check_symbolic_op_example(info.make(example.attrs), example, options));
  }
  return checks;
}

std::vector<SymbolicCheck> check_symbolic_nodes(Graph& graph, Expr output, const GradcheckOptions& options) {
  validate(options);
  graph.check_expr(output, "check_symbolic_nodes");
  graph.forward(output);
  const int output_id = output.id();
  std::vector<SymbolicCheck> checks;
  for (int id : graph.topological_order(std::span<const int>(&output_id, 1))) {
    Node& node = graph.node(id);
    if (node.is_leaf()) continue;
    OpExample example;
    for (int input : node.inputs()) example.inputs.push_back(Tensor::from(graph.node(input).value()).to(DType::float64));
    example.attrs = node.op()->attrs();
    checks.push_back(check_symbolic(std::make_unique<BorrowedOp>(*node.op()), example, options, node.name()));
  }
  // The borrowed ops ran on other values: a leaf written with its own value
  // makes the next forward run recompute (and refill any state they keep).
  for (Expr leaf : graph.inputs()) {
    graph.set_value(leaf, Tensor::from(leaf.value()));
    break;
  }
  for (Expr leaf : graph.parameters()) {
    graph.set_value(leaf, Tensor::from(leaf.value()));
    break;
  }
  graph.forward(output);
  return checks;
}

}  // namespace dagrad
