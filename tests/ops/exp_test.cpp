#include <cmath>

#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "support/error_message.hpp"
#include "support/op_gradients.hpp"

namespace dagrad {
namespace {

TEST(Exp, ValuesAndGradient) {
  Graph g;
  Expr x = g.input("x", Tensor{0, 1, -2}, true);
  Expr y = exp(x);
  const TensorView& v = g.forward(y);
  EXPECT_EQ(v[0], 1.0);
  EXPECT_NEAR(v[1], 2.718281828459045, 1e-15);
  EXPECT_NEAR(v[2], 0.1353352832366127, 1e-16);
  g.backward(y, Tensor{1, 2, 3});
  EXPECT_EQ(x.grad()[0], 1.0);
  EXPECT_NEAR(x.grad()[1], 2 * 2.718281828459045, 1e-14);
  EXPECT_NEAR(x.grad()[2], 3 * 0.1353352832366127, 1e-15);
}

TEST(Exp, OverflowIsInfinityAsNumPy) {
  Graph g;
  const TensorView& v = g.forward(exp(g.input("x", Tensor{800, -800})));
  EXPECT_EQ(v[0], INFINITY);
  // e^-800 underflows: Eigen's vectorized exp clamps its argument and returns
  // a denormal near 5.6e-309 rather than 0, harmless for every use here.
  EXPECT_GE(v[1], 0.0);
  EXPECT_LT(v[1], 1e-307);
}

TEST(Exp, TakesOneInput) {
  Graph g;
  Expr a = g.input("a", Tensor{1});
  EXPECT_EQ(testing_support::error_message<ShapeError>([&] { g.apply("exp", {a, a}, {}, "e"); }),
            "exp \"e\": takes 1 input, got 2");
}

TEST(Exp, GradientMatchesFiniteDifferences) { testing_support::expect_op_gradients("exp"); }

}  // namespace
}  // namespace dagrad
