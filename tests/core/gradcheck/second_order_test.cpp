// Second-order checks (core/gradcheck/second_order.cpp): every op with a
// symbolic backward agrees with its kernel backward and passes the
// second-order check at its examples; ops without one fail cleanly, by
// name; and a wrong symbolic backward is caught and named.
#include <algorithm>
#include <cmath>

#include <gtest/gtest.h>

#include "dagrad/autodiff.hpp"
#include "dagrad/dagrad.hpp"
#include "dagrad/gradcheck.hpp"

namespace dagrad {
namespace {

// The ops with a symbolic backward (issue 15): the built-in ops and the
// gradient ops their symbolic backwards use.
const std::vector<std::string> symbolic_ops = {
    "add",      "bce_with_logits", "cast",     "div",   "exp",           "l1",       "l2",
    "log",      "log_softmax",     "matmul",   "mean",  "mul",           "neg",      "normalize_rows",
    "relu",     "reshape",         "sigmoid",  "softmax", "softmax_cross_entropy", "sqrt", "square",
    "sub",      "sum",             "tanh",     "transpose", "mask_positive", "mul_sign", "sub_one_hot",
    // the elementwise, reduction and shape ops of issue 11, and erf (gelu's)
    "abs", "pow", "clip", "maximum", "minimum", "where", "leaky_relu", "elu", "gelu", "softplus",
    "log_sigmoid", "erf", "max", "min", "logsumexp", "var", "std", "dropout", "broadcast_to",
    "expand_dims", "squeeze", "global_avg_pool",
    // structure, normalization, convolution and recurrence, and their helper ops
    "slice", "concat", "stack", "pad", "index_select", "embedding", "index_add", "layer_norm", "batch_norm",
    "conv2d", "avg_pool2d", "max_pool2d", "im2col", "col2im", "lstm", "gru"};

bool has_symbolic_backward(const std::string& op) {
  return std::find(symbolic_ops.begin(), symbolic_ops.end(), op) != symbolic_ops.end();
}

class SecondOrder : public ::testing::TestWithParam<std::string> {};

TEST_P(SecondOrder, SymbolicBackwardAgreesWithTheKernelAndPassesSecondOrderChecks) {
  const std::vector<SymbolicCheck> checks = check_symbolic_op(GetParam());
  ASSERT_FALSE(checks.empty());
  if (checks.front().note.find("no input takes a gradient (a forward-only op)") != std::string::npos) {
    // greater, less, equal: no gradient flows through them, so nothing to compare.
    for (const SymbolicCheck& check : checks) {
      EXPECT_TRUE(check.passed) << check.note;
      EXPECT_EQ(check.checked, 0) << check.description;
    }
    return;
  }
  if (!has_symbolic_backward(GetParam())) {
    // An op added without a symbolic backward: the check fails cleanly, by
    // name (or has nothing to check when no input takes a gradient).
    for (const SymbolicCheck& check : checks) {
      if (check.passed) {
        EXPECT_EQ(check.checked, 0) << check.description;
        continue;
      }
      EXPECT_NE(check.note.find(fmt::format("op \"{}\" has no symbolic backward", GetParam())), std::string::npos)
          << check.note;
    }
    return;
  }
  std::int64_t compared = 0;
  for (const SymbolicCheck& check : checks) {
    EXPECT_TRUE(check.passed) << check.description << ": " << check.note;
    EXPECT_LE(check.first_order_error, 1e-9) << check.description;
    EXPECT_LE(check.second_order_error, 1.0) << check.description;
    compared += check.checked;
  }
  EXPECT_GT(compared, 0);
}

INSTANTIATE_TEST_SUITE_P(EveryRegisteredOp, SecondOrder, ::testing::ValuesIn(OpRegistry::global().names()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

TEST(SecondOrder, EveryListedOpIsRegistered) {
  for (const std::string& op : symbolic_ops) EXPECT_TRUE(OpRegistry::global().contains(op)) << op;
}

// Mutants of sigmoid's symbolic backward. `wrong_value` computes dy y (1 + y)
// (caught at first order); `detached` returns the right numbers as a
// constant, cut off from x: its values agree with the kernel, but its
// derivative is zero, which only the second-order check sees.
enum class SymbolicMutation { wrong_value, detached };

class MutantSigmoid final : public Op {
 public:
  explicit MutantSigmoid(SymbolicMutation mutation)
      : inner_(OpRegistry::global().make("sigmoid")), mutation_(mutation) {}
  std::string_view name() const override { return "sigmoid"; }
  int arity() const override { return 1; }
  Shape infer_shape(std::span<const Shape> inputs) const override { return inputs[0]; }
  void forward(std::span<const TensorView> inputs, TensorView output) override { inner_->forward(inputs, output); }
  void backward(std::span<const TensorView> inputs, const TensorView& output, const TensorView& output_grad,
                std::span<GradientSlot> grads) override {
    inner_->backward(inputs, output, output_grad, grads);
  }
  std::vector<Expr> symbolic_backward(Graph& graph, std::span<const Expr> inputs, const Expr& y, const Expr& dy,
                                      std::span<const bool> needed) const override {
    if (mutation_ == SymbolicMutation::wrong_value) return {dy * y * (1.0 + y)};
    Expr right = inner_->symbolic_backward(graph, inputs, y, dy, needed)[0];
    graph.forward(right);
    return {graph.constant(Tensor::from(right.value()))};
  }

 private:
  std::unique_ptr<Op> inner_;
  SymbolicMutation mutation_;
};

TEST(SecondOrder, AWrongSymbolicBackwardIsCaughtAtFirstOrderAndNamed) {
  Rng rng(1);
  OpExample example{{random_normal(Shape{2, 3}, rng)}, {}, {}};
  EXPECT_TRUE(check_symbolic_op_example(OpRegistry::global().make("sigmoid"), example).passed);
  SymbolicCheck check = check_symbolic_op_example(std::make_unique<MutantSigmoid>(SymbolicMutation::wrong_value), example);
  EXPECT_FALSE(check.passed);
  EXPECT_GT(check.first_order_error, 1e-3);
  EXPECT_NE(check.note.find("op \"sigmoid\" at (2, 3): the symbolic backward of input 0 disagrees with the kernel"),
            std::string::npos)
      << check.note;
}

TEST(SecondOrder, ADetachedSymbolicBackwardIsCaughtOnlyAtSecondOrder) {
  Rng rng(2);
  OpExample example{{random_normal(Shape{3, 2}, rng)}, {}, {}};
  SymbolicCheck check = check_symbolic_op_example(std::make_unique<MutantSigmoid>(SymbolicMutation::detached), example);
  EXPECT_FALSE(check.passed);
  EXPECT_LE(check.first_order_error, 1e-12);
  EXPECT_GT(check.second_order_error, 1.0);
  EXPECT_NE(check.note.find("second derivative through input 0 disagrees with finite differences"), std::string::npos)
      << check.note;
}

TEST(SecondOrder, CheckingAGraphNamesTheNodeWhoseSymbolicBackwardIsWrong) {
  Graph graph;
  Rng rng(4);
  Expr x = graph.input("x", random_normal(Shape{2, 3}, rng), true);
  Expr w = graph.parameter("w", random_normal(Shape{3, 2}, rng));
  Expr hidden = graph.add_op(std::make_unique<MutantSigmoid>(SymbolicMutation::detached), {matmul(x, w, "z")}, "act");
  Expr loss = sum(square(hidden), "loss");
  const std::vector<SymbolicCheck> checks = check_symbolic_nodes(graph, loss);
  ASSERT_EQ(checks.size(), 4u);
  std::vector<std::string> failing;
  for (const SymbolicCheck& check : checks) {
    if (!check.passed) failing.push_back(check.note);
  }
  ASSERT_EQ(failing.size(), 1u);
  EXPECT_EQ(failing[0].rfind("node \"act\" (sigmoid): the second derivative", 0), 0u) << failing[0];
  // The graph runs as before.
  graph.forward(loss);
  graph.backward(loss);
  EXPECT_TRUE(std::isfinite(loss.value().item()));
}

// ---- the second-order checker's self-test: mutants of symbolic backwards ----

// Ways to break a symbolic backward: every gradient scaled by 1.001,
// negated, zeroed, one element off by 1e-4, or detached (the right numbers
// as a constant, cut off from the inputs).
enum class SymbolicMutant { scaled, sign_flipped, zeroed, one_element_off, detached };
constexpr SymbolicMutant all_symbolic_mutants[] = {SymbolicMutant::scaled, SymbolicMutant::sign_flipped,
                                                   SymbolicMutant::zeroed, SymbolicMutant::one_element_off,
                                                   SymbolicMutant::detached};

// The real op with its symbolic backward broken (everything else delegated).
class SymbolicMutantOp final : public Op {
 public:
  SymbolicMutantOp(std::unique_ptr<Op> inner, SymbolicMutant mutation) : inner_(std::move(inner)), mutation_(mutation) {}
  std::string_view name() const override { return inner_->name(); }
  int arity() const override { return inner_->arity(); }
  Shape infer_shape(std::span<const Shape> inputs) const override { return inner_->infer_shape(inputs); }
  DType infer_dtype(std::span<const DType> inputs) const override { return inner_->infer_dtype(inputs); }
  void forward(std::span<const TensorView> inputs, TensorView output) override { inner_->forward(inputs, output); }
  void backward(std::span<const TensorView> inputs, const TensorView& output, const TensorView& output_grad,
                std::span<GradientSlot> grads) override {
    inner_->backward(inputs, output, output_grad, grads);
  }
  Attrs attrs() const override { return inner_->attrs(); }
  bool differentiable(int input_index) const override { return inner_->differentiable(input_index); }
  void set_training(bool training) override { inner_->set_training(training); }
  bool has_kinks() const override { return inner_->has_kinks(); }
  double kink_offset(std::span<const TensorView> inputs, std::int64_t element) const override {
    return inner_->kink_offset(inputs, element);
  }
  std::vector<Expr> symbolic_backward(Graph& graph, std::span<const Expr> inputs, const Expr& output,
                                      const Expr& output_grad, std::span<const bool> needed) const override {
    std::vector<Expr> grads = inner_->symbolic_backward(graph, inputs, output, output_grad, needed);
    for (Expr& g : grads) {
      if (!g.valid()) continue;
      switch (mutation_) {
        case SymbolicMutant::scaled: g = g * 1.001; break;
        case SymbolicMutant::sign_flipped: g = -g; break;
        case SymbolicMutant::zeroed: g = g * 0.0; break;
        case SymbolicMutant::one_element_off: {
          if (g.shape().elements() == 0) break;  // an empty gradient has no element to move
          Tensor off(g.shape(), g.dtype());
          off.set(0, 1e-4);
          g = g + graph.constant(off);
          break;
        }
        case SymbolicMutant::detached:
          graph.forward(g);
          g = graph.constant(Tensor::from(g.value()));
          break;
      }
    }
    return grads;
  }

 private:
  std::unique_ptr<Op> inner_;
  SymbolicMutant mutation_;
};

// Ops whose gradient does not depend on their differentiable inputs (linear
// ops, and piecewise-constant slopes: relu's step, l1's sign): detaching it
// changes nothing, so that mutant is equivalent to the real op there.
bool gradient_is_constant_in_its_inputs(const std::string& op) {
  static const std::vector<std::string> ops = {"add",  "sub",   "neg",  "reshape",       "transpose", "sum",
                                               "mean", "cast",  "l1",   "relu", "mask_positive", "mul_sign",  "sub_one_hot",
                                               // masks, selections, a fixed dropout mask, shape moves
                                               "abs", "clip", "maximum", "minimum", "where",
                                               "leaky_relu", "max", "min", "dropout",
                                               "broadcast_to", "expand_dims", "squeeze",
                                               "global_avg_pool",
                                               // structure ops, their scatter, im2col/col2im, the pools
                                               "slice", "concat", "stack", "pad", "index_select", "embedding",
                                               "index_add", "im2col", "col2im", "avg_pool2d", "max_pool2d"};
  return std::find(ops.begin(), ops.end(), op) != ops.end();
}

class SymbolicMutants : public ::testing::TestWithParam<std::string> {};

TEST_P(SymbolicMutants, EveryMutantOfTheSymbolicBackwardIsCaught) {
  const OpInfo& info = OpRegistry::global().find(GetParam());
  for (SymbolicMutant mutation : all_symbolic_mutants) {
    if (mutation == SymbolicMutant::detached && gradient_is_constant_in_its_inputs(GetParam())) continue;
    Rng rng(0);
    int caught = 0, examples = 0;
    for (const OpExample& example : info.examples(rng)) {
      ++examples;
      auto mutant = std::make_unique<SymbolicMutantOp>(info.make(example.attrs), mutation);
      caught += check_symbolic_op_example(std::move(mutant), example).passed ? 0 : 1;
    }
    constexpr const char* names[] = {"scaled", "sign flipped", "zeroed", "one element off", "detached"};
    EXPECT_GT(caught, 0) << "mutant \"" << names[int(mutation)] << "\" of " << GetParam() << " survived " << examples
                         << " examples";
  }
}

INSTANTIATE_TEST_SUITE_P(EveryOpWithASymbolicBackward, SymbolicMutants, ::testing::ValuesIn(symbolic_ops),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace dagrad
