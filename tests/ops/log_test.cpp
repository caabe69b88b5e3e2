#include <cmath>

#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "support/error_message.hpp"
#include "support/op_gradients.hpp"

namespace dagrad {
namespace {

TEST(Log, ValuesAndGradient) {
  Graph g;
  Expr x = g.input("x", Tensor{1, 2.718281828459045, 0.25}, true);
  Expr y = log(x);
  const TensorView& v = g.forward(y);
  EXPECT_EQ(v[0], 0.0);
  EXPECT_NEAR(v[1], 1.0, 1e-15);
  EXPECT_NEAR(v[2], -1.3862943611198906, 1e-15);
  g.backward(y, Tensor{1, 1, 2});
  EXPECT_EQ(x.grad()[0], 1.0);
  EXPECT_NEAR(x.grad()[1], 0.36787944117144233, 1e-15);
  EXPECT_EQ(x.grad()[2], 8.0);
}

TEST(Log, ZeroAndNegativeFollowIeeeAsNumPy) {
  Graph g;
  const TensorView& v = g.forward(log(g.input("x", Tensor{0, -1})));
  EXPECT_EQ(v[0], -INFINITY);
  EXPECT_TRUE(std::isnan(v[1]));
}

TEST(Log, TakesOneInput) {
  Graph g;
  Expr a = g.input("a", Tensor{1});
  EXPECT_EQ(testing_support::error_message<ShapeError>([&] { g.apply("log", {a, a}, {}, "l"); }),
            "log \"l\": takes 1 input, got 2");
}

TEST(Log, GradientMatchesFiniteDifferences) { testing_support::expect_op_gradients("log"); }

}  // namespace
}  // namespace dagrad
