#include <cmath>

#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "support/error_message.hpp"
#include "support/op_gradients.hpp"

namespace dagrad {
namespace {

TEST(Sqrt, ValuesAndGradient) {
  Graph g;
  Expr x = g.input("x", Tensor{4, 0.25, 2}, true);
  Expr y = sqrt(x);
  const TensorView& v = g.forward(y);
  EXPECT_EQ(v[0], 2.0);
  EXPECT_EQ(v[1], 0.5);
  EXPECT_EQ(v[2], 1.4142135623730951);
  g.backward(y, Tensor{1, 1, 2});
  EXPECT_EQ(x.grad()[0], 0.25);  // dy / (2 sqrt x)
  EXPECT_EQ(x.grad()[1], 1.0);
  EXPECT_DOUBLE_EQ(x.grad()[2], 0.7071067811865476);
}

TEST(Sqrt, NegativeIsNanAndZeroHasInfiniteSlopeAsNumPy) {
  Graph g;
  Expr x = g.input("x", Tensor{-1, 0}, true);
  Expr y = sqrt(x);
  const TensorView& v = g.forward(y);
  EXPECT_TRUE(std::isnan(v[0]));
  EXPECT_EQ(v[1], 0.0);
  g.backward(y, Tensor{1, 1});
  EXPECT_EQ(x.grad()[1], INFINITY);
}

TEST(Sqrt, TakesOneInput) {
  Graph g;
  Expr a = g.input("a", Tensor{1});
  EXPECT_EQ(testing_support::error_message<ShapeError>([&] { g.apply("sqrt", {a, a}, {}, "r"); }),
            "sqrt \"r\": takes 1 input, got 2");
}

TEST(Sqrt, GradientMatchesFiniteDifferences) { testing_support::expect_op_gradients("sqrt"); }

}  // namespace
}  // namespace dagrad
