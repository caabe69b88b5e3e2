#include <cmath>

#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "support/error_message.hpp"
#include "support/op_gradients.hpp"

namespace dagrad {
namespace {
using testing_support::error_message;

TEST(Div, RowDivisorOnABatch) {
  Graph g;
  Expr x = g.input("x", Tensor{{1, 2}, {3, 4}}, true);
  Expr d = g.input("d", Tensor{2, -4}, true);
  Expr y = div(x, d);
  EXPECT_EQ(g.forward(y), (Tensor{{0.5, -0.5}, {1.5, -1}}));
  g.backward(y, Tensor{{1, 1}, {2, 1}});
  EXPECT_EQ(x.grad(), (Tensor{{0.5, -0.25}, {1, -0.25}}));  // dy / d
  // -sum(dy * x) / d^2 per column: -(1 + 6) / 4 and -(2 + 4) / 16
  EXPECT_EQ(d.grad(), (Tensor{-1.75, -0.375}));
}

TEST(Div, ScalarDividedByMatrix) {
  Graph g;
  Expr k = g.input("k", Tensor::scalar(6), true);
  Expr x = g.input("x", Tensor{{1, 2}, {3, 6}}, true);
  Expr y = div(k, x);
  EXPECT_EQ(g.forward(y), (Tensor{{6, 3}, {2, 1}}));
  g.backward(y, Tensor(Shape{2, 2}, 1.0));
  EXPECT_DOUBLE_EQ(k.grad()[0], 1 + 0.5 + 1.0 / 3 + 1.0 / 6);
  EXPECT_EQ(x.grad(), (Tensor{{-6, -1.5}, {-6.0 / 9, -6.0 / 36}}));
}

TEST(Div, SameInputTwiceHasZeroGradient) {
  Graph g;
  Expr x = g.input("x", Tensor{3, -2}, true);
  Expr y = div(x, x);
  EXPECT_EQ(g.forward(y), (Tensor{1, 1}));
  g.backward(y, Tensor{1, 1});
  EXPECT_NEAR(x.grad()[0], 0.0, 1e-16);
  EXPECT_NEAR(x.grad()[1], 0.0, 1e-16);
}

TEST(Div, ByZeroFollowsIeeeAsNumPy) {
  Graph g;
  Expr x = g.input("x", Tensor{1, -1, 0});
  Expr y = div(x, g.constant(Tensor::scalar(0)));
  const TensorView& v = g.forward(y);
  EXPECT_EQ(v[0], INFINITY);
  EXPECT_EQ(v[1], -INFINITY);
  EXPECT_TRUE(std::isnan(v[2]));
}

TEST(Div, ShapesThatCannotBroadcastAreNamed) {
  Graph g;
  Expr a = g.input("a", Tensor(Shape{2, 3}));
  Expr b = g.input("b", Tensor(Shape{2}));
  EXPECT_EQ(error_message<ShapeError>([&] { div(a, b, "q"); }), "div \"q\": shapes (2, 3) and (2,) cannot broadcast");
  EXPECT_EQ(error_message<ShapeError>([&] { g.apply("div", {a}, {}, "one"); }), "div \"one\": takes 2 inputs, got 1");
}

TEST(Div, OperatorsBuildTheSameNodes) {
  Graph g;
  Expr a = g.input("a", Tensor{1, 2});
  Expr b = g.input("b", Tensor{4, 8});
  Expr q = a / b;
  EXPECT_EQ(g.node(q).op_name(), "div");
  EXPECT_EQ(g.node(q).inputs()[0], a.id());
  EXPECT_EQ(g.node(q).inputs()[1], b.id());
  EXPECT_EQ(g.forward(q), (Tensor{0.25, 0.25}));
  Expr right = a / 2.0;
  EXPECT_EQ(g.node(right).op_name(), "div");
  EXPECT_EQ(g.node(g.node(right).inputs()[1]).kind(), NodeKind::constant);
  EXPECT_EQ(g.node(g.node(right).inputs()[1]).shape(), Shape{});
  EXPECT_EQ(g.forward(right), (Tensor{0.5, 1}));
  Expr left = 2.0 / a;
  EXPECT_EQ(g.node(g.node(left).inputs()[0]).kind(), NodeKind::constant);
  EXPECT_EQ(g.node(left).inputs()[1], a.id());
  EXPECT_EQ(g.forward(left), (Tensor{2, 1}));
}

TEST(Div, GradientMatchesFiniteDifferences) { testing_support::expect_op_gradients("div"); }

}  // namespace
}  // namespace dagrad
