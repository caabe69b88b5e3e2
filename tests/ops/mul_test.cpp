#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "support/error_message.hpp"
#include "support/op_gradients.hpp"

namespace dagrad {
namespace {
using testing_support::error_message;

TEST(Mul, RowScaleOnABatch) {
  Graph g;
  Expr x = g.input("x", Tensor{{1, 2}, {3, 4}, {5, 6}}, true);
  Expr s = g.input("s", Tensor{{10, -1}}, true);
  Expr y = mul(x, s);
  EXPECT_EQ(g.forward(y), (Tensor{{10, -2}, {30, -4}, {50, -6}}));
  g.backward(y, Tensor{{1, 1}, {1, 2}, {1, 3}});
  EXPECT_EQ(x.grad(), (Tensor{{10, -1}, {10, -2}, {10, -3}}));  // dy * s
  EXPECT_EQ(s.grad(), (Tensor{{9, 2 + 8 + 18}}));                // column sums of dy * x
}

TEST(Mul, ScalarTimesMatrix) {
  Graph g;
  Expr k = g.input("k", Tensor::scalar(3), true);
  Expr x = g.input("x", Tensor{{1, 2}, {3, 4}}, true);
  Expr y = mul(k, x);
  EXPECT_EQ(g.forward(y), (Tensor{{3, 6}, {9, 12}}));
  g.backward(y, Tensor(Shape{2, 2}, 1.0));
  EXPECT_EQ(k.grad()[0], 10.0);
  EXPECT_EQ(x.grad(), (Tensor{{3, 3}, {3, 3}}));
}

TEST(Mul, SquareBySameInputTwice) {
  Graph g;
  Expr x = g.input("x", Tensor{3, -2}, true);
  Expr y = mul(x, x);
  EXPECT_EQ(g.forward(y), (Tensor{9, 4}));
  g.backward(y, Tensor{1, 1});
  EXPECT_EQ(x.grad(), (Tensor{6, -4}));
}

TEST(Mul, ShapesThatCannotBroadcastAreNamed) {
  Graph g;
  Expr a = g.input("a", Tensor(Shape{2, 3}));
  Expr b = g.input("b", Tensor(Shape{3, 2}));
  EXPECT_EQ(error_message<ShapeError>([&] { mul(a, b, "p"); }), "mul \"p\": shapes (2, 3) and (3, 2) cannot broadcast");
  EXPECT_EQ(error_message<ShapeError>([&] { g.apply("mul", {a}, {}, "one"); }), "mul \"one\": takes 2 inputs, got 1");
}

TEST(Mul, OperatorsBuildTheSameNodes) {
  Graph g;
  Expr a = g.input("a", Tensor{1, 2});
  Expr b = g.input("b", Tensor{5, 7});
  Expr p = a * b;
  EXPECT_EQ(g.node(p).op_name(), "mul");
  EXPECT_EQ(g.node(p).inputs()[1], b.id());
  EXPECT_EQ(g.forward(p), (Tensor{5, 14}));
  Expr right = a * 0.5;
  EXPECT_EQ(g.node(right).op_name(), "mul");
  EXPECT_EQ(g.node(right).inputs()[0], a.id());
  EXPECT_EQ(g.node(g.node(right).inputs()[1]).kind(), NodeKind::constant);
  EXPECT_EQ(g.node(g.node(right).inputs()[1]).shape(), Shape{});
  EXPECT_EQ(g.forward(right), (Tensor{0.5, 1}));
  Expr left = 3.0 * a;
  EXPECT_EQ(g.node(g.node(left).inputs()[0]).kind(), NodeKind::constant);
  EXPECT_EQ(g.node(left).inputs()[1], a.id());
  EXPECT_EQ(g.forward(left), (Tensor{3, 6}));
}

TEST(Mul, GradientMatchesFiniteDifferences) { testing_support::expect_op_gradients("mul"); }

}  // namespace
}  // namespace dagrad
