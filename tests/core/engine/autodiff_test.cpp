// Gradients as graph nodes (core/engine/autodiff.cpp): grad, hvp, jvp and
// hessian against closed forms.
#include "dagrad/autodiff.hpp"

#include <cmath>

#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "support/error_message.hpp"

namespace dagrad {
namespace {

TEST(Autodiff, GradOfACubeIsThreeSquaresAndDifferentiatesAgainToSixX) {
  Graph graph;
  Expr x = graph.input("x", Tensor{{1.0, -2.0, 0.5}}, true);
  Expr y = sum(x * x * x);
  std::vector<Expr> first = grad(y, {x});
  std::vector<Expr> second = grad(sum(first[0]), {x});
  graph.forward(first[0]);
  graph.forward(second[0]);
  EXPECT_EQ(first[0].shape(), x.shape());
  const double xs[] = {1.0, -2.0, 0.5};
  for (int k = 0; k < 3; ++k) {
    EXPECT_NEAR(first[0].value().get(k), 3 * xs[k] * xs[k], 1e-12);
    EXPECT_NEAR(second[0].value().get(k), 6 * xs[k], 1e-12);
  }
}

TEST(Autodiff, SymbolicGradientMatchesTheKernelBackwardThroughAModel) {
  Graph graph;
  Rng rng(3);
  Expr x = graph.input("x", random_normal(Shape{4, 3}, rng));
  Expr w = graph.parameter("w", random_normal(Shape{3, 2}, rng));
  Expr b = graph.parameter("b", random_normal(Shape{2}, rng));
  Expr labels = graph.constant(Tensor{1.0, 0.0, 1.0, 1.0}, "labels");
  Expr loss = softmax_cross_entropy(tanh(matmul(x, w) + b), labels) + 0.1 * l2(w, graph.constant(Tensor(Shape{3, 2})));
  std::vector<Expr> symbolic = grad(loss, {w, b});
  graph.forward(std::span<const Expr>(symbolic));
  graph.forward(loss);
  graph.backward(loss);
  for (int k = 0; k < 6; ++k) EXPECT_NEAR(symbolic[0].value().get(k), w.grad().get(k), 1e-12);
  for (int k = 0; k < 2; ++k) EXPECT_NEAR(symbolic[1].value().get(k), b.grad().get(k), 1e-12);
}

TEST(Autodiff, HessianOfAQuadraticFormIsTheSymmetrizedMatrix) {
  // loss = x^T A x has Hessian A + A^T.
  Graph graph;
  Tensor a_values{{1.0, 2.0}, {-3.0, 4.0}};
  Expr x = graph.input("x", Tensor(Shape{2, 1}, {0.3, -0.7}), true);
  Expr a = graph.constant(a_values, "A");
  Expr loss = sum(matmul(transpose(x), matmul(a, x)));
  Tensor h = hessian(loss, x);
  ASSERT_EQ(h.shape(), (Shape{2, 1, 2, 1}));
  EXPECT_DOUBLE_EQ(h.get(0), 2.0);
  EXPECT_DOUBLE_EQ(h.get(1), -1.0);
  EXPECT_DOUBLE_EQ(h.get(2), -1.0);
  EXPECT_DOUBLE_EQ(h.get(3), 8.0);
}

TEST(Autodiff, HessianBlocksOfTwoLeavesHoldTheMixedDerivatives) {
  // loss = sum(u^2 v): d2/du2 = 2v (diagonal), d2/dudv = 2u (diagonal), d2/dv2 = 0.
  Graph graph;
  Expr u = graph.parameter("u", Tensor{1.5, -1.0});
  Expr v = graph.parameter("v", Tensor{2.0, 3.0});
  Expr loss = sum(square(u) * v);
  std::vector<Expr> leaves{u, v};
  auto blocks = hessian(loss, leaves);
  EXPECT_EQ(blocks[0][0], (Tensor{{4.0, 0.0}, {0.0, 6.0}}));
  EXPECT_EQ(blocks[0][1], (Tensor{{3.0, 0.0}, {0.0, -2.0}}));
  EXPECT_EQ(blocks[1][0], (Tensor{{3.0, 0.0}, {0.0, -2.0}}));
  EXPECT_EQ(blocks[1][1], (Tensor{{0.0, 0.0}, {0.0, 0.0}}));
}

TEST(Autodiff, HessianVectorProductOfLogisticLossMatchesTheClosedForm) {
  // loss = sum(log(1 + e^(-y z))) with z = X w: H = X^T diag(s (1 - s)) X.
  Graph graph;
  Tensor xs{{1.0, 0.5}, {-0.3, 2.0}, {0.8, -1.2}};
  Expr x = graph.constant(xs, "X");
  Expr w = graph.parameter("w", Tensor(Shape{2, 1}, {0.2, -0.4}));
  Expr targets = graph.constant(Tensor(Shape{3, 1}, {1.0, 0.0, 1.0}), "t");
  Expr loss = bce_with_logits(matmul(x, w), targets);
  Expr v = graph.input("v", Tensor(Shape{2, 1}, {1.0, 2.0}));
  std::vector<Expr> leaves{w}, vectors{v};
  Expr product = hvp(loss, leaves, vectors)[0];
  graph.forward(product);
  double h[2][2] = {};
  for (int r = 0; r < 3; ++r) {
    const double z = xs.get(2 * r) * 0.2 - xs.get(2 * r + 1) * 0.4;
    const double s = 1 / (1 + std::exp(-z));
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 2; ++j) h[i][j] += xs.get(2 * r + i) * xs.get(2 * r + j) * s * (1 - s) / 3;
  }
  EXPECT_NEAR(product.value().get(0), h[0][0] + 2 * h[0][1], 1e-14);
  EXPECT_NEAR(product.value().get(1), h[1][0] + 2 * h[1][1], 1e-14);
}

TEST(Autodiff, JvpOfTanhIsTheSlopeTimesTheTangent) {
  Graph graph;
  Expr x = graph.input("x", Tensor{{0.3, -1.2, 2.0}});
  Expr t = graph.input("t", Tensor{{1.0, 2.0, -1.0}});
  std::vector<Expr> leaves{x}, tangents{t};
  Expr forward_mode = jvp(tanh(x), leaves, tangents);
  graph.forward(forward_mode);
  const double xs[] = {0.3, -1.2, 2.0}, ts[] = {1.0, 2.0, -1.0};
  for (int k = 0; k < 3; ++k) {
    const double slope = 1 - std::tanh(xs[k]) * std::tanh(xs[k]);
    EXPECT_NEAR(forward_mode.value().get(k), slope * ts[k], 1e-14);
  }
}

TEST(Autodiff, BroadcastGradientsAreSummedBackToEachShape) {
  Graph graph;
  Expr a = graph.input("a", Tensor{{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}});
  Expr b = graph.input("b", Tensor{10.0, 20.0, 30.0});
  Expr c = graph.input("c", Tensor(Shape{2, 1}, {2.0, 3.0}));
  std::vector<Expr> gradients = grad(sum(a * b * c), {b, c});
  graph.forward(std::span<const Expr>(gradients));
  EXPECT_EQ(gradients[0].shape(), (Shape{3}));
  EXPECT_EQ(gradients[1].shape(), (Shape{2, 1}));
  EXPECT_EQ(Tensor::from(gradients[0].value()), (Tensor{2.0 + 12.0, 4.0 + 15.0, 6.0 + 18.0}));
  EXPECT_EQ(Tensor::from(gradients[1].value()), Tensor(Shape{2, 1}, {140.0, 320.0}));
}

TEST(Autodiff, WithoutCreateGraphTheGradientsAreConstantsOfTheirValues) {
  Graph graph;
  Expr x = graph.input("x", Tensor{1.0, 2.0}, true);
  Expr g = grad(sum(square(x)), {x}, {.create_graph = false})[0];
  EXPECT_EQ(graph.node(g).kind(), NodeKind::constant);
  EXPECT_EQ(Tensor::from(g.value()), (Tensor{2.0, 4.0}));
}

TEST(Autodiff, ALeafTheOutputDoesNotDependOnGetsZeros) {
  Graph graph;
  Expr x = graph.input("x", Tensor{1.0, 2.0});
  Expr unused = graph.input("unused", Tensor{{1.0, 2.0, 3.0}});
  Expr g = grad(sum(x), {unused})[0];
  graph.forward(g);
  EXPECT_EQ(Tensor::from(g.value()), (Tensor{{0.0, 0.0, 0.0}}));
}

TEST(Autodiff, ANonScalarOutputNeedsAnOutputGradient) {
  Graph graph;
  Expr x = graph.input("x", Tensor{1.0, 2.0});
  EXPECT_NE(testing_support::error_message([&] { grad(exp(x, "e"), {x}); }).find("output \"e\" of shape (2,) is not a scalar"),
            std::string::npos);
}

// An op of a user (or a newer op) without a symbolic backward: grad names it.
class Twice final : public Op {
 public:
  std::string_view name() const override { return "twice"; }
  int arity() const override { return 1; }
  Shape infer_shape(std::span<const Shape> inputs) const override { return inputs[0]; }
  void forward(std::span<const TensorView> inputs, TensorView output) override {
    for (std::int64_t k = 0; k < output.size(); ++k) output[k] = 2 * inputs[0][k];
  }
  void backward(std::span<const TensorView>, const TensorView&, const TensorView& dy,
                std::span<GradientSlot> grads) override {
    for (std::int64_t k = 0; k < dy.size(); ++k) grads[0].grad[k] = (grads[0].accumulate ? grads[0].grad[k] : 0) + 2 * dy[k];
  }
};

TEST(Autodiff, AnOpWithoutSymbolicBackwardIsNamedWhileKernelsStillTrain) {
  Graph graph;
  Expr x = graph.input("x", Tensor{1.0, 2.0}, true);
  Expr loss = sum(graph.add_op(std::make_unique<Twice>(), {x}, "doubled"));
  const std::string message = testing_support::error_message([&] { grad(loss, {x}); });
  EXPECT_NE(message.find("twice \"doubled\": op \"twice\" has no symbolic backward"), std::string::npos) << message;
  graph.forward(loss);
  graph.backward(loss);
  EXPECT_EQ(Tensor::from(x.grad()), (Tensor{2.0, 2.0}));
}

}  // namespace
}  // namespace dagrad
