#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "support/error_message.hpp"
#include "support/op_gradients.hpp"
#include "support/symbolic_at_kinks.hpp"

namespace dagrad {
namespace {
using testing_support::error_message;

TEST(Where, SelectsByANonZeroCondition) {
  Graph g;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Expr condition = g.input("c", Tensor{1, 0, -0.5, nan, -0.0});
  Expr a = g.input("a", Tensor{1, 2, 3, 4, 5}, true);
  Expr b = g.input("b", Tensor{10, 20, 30, 40, 50}, true);
  Expr y = where(condition, a, b);
  EXPECT_EQ(g.forward(y), (Tensor{1, 20, 3, 4, 50}));  // NaN is non-zero; -0 is zero
  g.backward(y, Tensor{1, 2, 3, 4, 5});
  EXPECT_EQ(a.grad(), (Tensor{1, 0, 3, 4, 0}));
  EXPECT_EQ(b.grad(), (Tensor{0, 2, 0, 0, 5}));
}

TEST(Where, AllThreeBroadcast) {
  Graph g;
  Expr condition = g.input("c", Tensor(Shape{2, 1}, {1.0, 0.0}));  // a column
  Expr a = g.input("a", Tensor{1, 2, 3}, true);                   // a row
  Expr b = g.input("b", Tensor::scalar(-1), true);                // a scalar
  Expr y = where(condition, a, b);
  EXPECT_EQ(g.forward(y), (Tensor{{1, 2, 3}, {-1, -1, -1}}));
  g.backward(y, Tensor{{1, 2, 3}, {4, 5, 6}});
  EXPECT_EQ(a.grad(), (Tensor{1, 2, 3}));
  EXPECT_EQ(b.grad()[0], 15.0);
}

TEST(Where, ConditionFromAComparisonGetsNoGradient) {
  Graph g;
  Expr x = g.input("x", Tensor(Shape{4}, std::vector<float>{-2, -0.5f, 0.5f, 3}), true);
  Expr zero = g.constant(Tensor(Shape{}, std::vector<float>{0}));
  Expr y = where(greater(x, zero), x, mul(x, g.constant(Tensor(Shape{}, std::vector<float>{0.25f}))));
  EXPECT_EQ(g.forward(y), Tensor(Shape{4}, std::vector<float>{-0.5f, -0.125f, 0.5f, 3}));
  Expr loss = sum(y);
  g.forward(loss);
  g.backward(loss);
  EXPECT_EQ(x.grad(), Tensor(Shape{4}, std::vector<float>{0.25f, 0.25f, 1, 1}));
  auto op = OpRegistry::global().make("where");
  EXPECT_FALSE(op->differentiable(0));
  EXPECT_TRUE(op->differentiable(1));
  EXPECT_TRUE(op->differentiable(2));
}

TEST(Where, ShapesAndArityAreChecked) {
  Graph g;
  Expr c = g.input("c", Tensor(Shape{2, 3}));
  Expr a = g.input("a", Tensor(Shape{3}));
  Expr b = g.input("b", Tensor(Shape{4, 1, 1}));
  EXPECT_EQ(g.forward(where(c, a, b)).shape(), (Shape{4, 2, 3}));
  EXPECT_EQ(error_message<ShapeError>([&] { where(c, a, g.input("bad", Tensor(Shape{2})), "w"); }),
            "where \"w\": condition (2, 3), a (3,) and b (2,) cannot broadcast");
  EXPECT_EQ(error_message<ShapeError>([&] { g.apply("where", {c, a}, {}, "w"); }), "where \"w\": takes 3 inputs, got 2");
}

TEST(Where, GradientMatchesFiniteDifferences) { testing_support::expect_op_gradients("where"); }

// Any non-zero condition, NaN and negative ones included, selects a in
// both backwards.
TEST(Where, SymbolicBackwardWithNonBinaryConditionsIsTheKernels) {
  const Tensor condition{{0.0, -0.5, NAN}, {2.0, 0.0, -0.0}};
  testing_support::expect_symbolic_backward_equals_kernel(
      "where", {{condition, Tensor{{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}}, Tensor{-1.0, -2.0, -3.0}}, {}, {}});
}

}  // namespace
}  // namespace dagrad
