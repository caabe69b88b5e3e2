#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "support/error_message.hpp"
#include "support/op_gradients.hpp"

namespace dagrad {
namespace {

TEST(Tanh, ValuesAndDerivative) {
  Graph g;
  Expr x = g.input("x", Tensor{0, 0.5, -1}, true);
  Expr y = tanh(x);
  const TensorView& v = g.forward(y);
  EXPECT_EQ(v[0], 0.0);
  EXPECT_NEAR(v[1], 0.46211715726000974, 1e-15);
  EXPECT_NEAR(v[2], -0.7615941559557649, 1e-15);
  g.backward(y, Tensor{1, 1, 2});
  EXPECT_EQ(x.grad()[0], 1.0);
  EXPECT_NEAR(x.grad()[1], 1 - 0.46211715726000974 * 0.46211715726000974, 1e-15);
  EXPECT_NEAR(x.grad()[2], 2 * 0.41997434161402614, 1e-15);
}

TEST(Tanh, LargeMagnitudesSaturate) {
  Graph g;
  Expr x = g.input("x", Tensor{-800, 800}, true);
  Expr y = tanh(x);
  EXPECT_EQ(g.forward(y), (Tensor{-1, 1}));
  g.backward(y, Tensor{1, 1});
  EXPECT_EQ(x.grad(), (Tensor{0, 0}));
}

TEST(Tanh, TakesOneInput) {
  Graph g;
  Expr a = g.input("a", Tensor{1});
  EXPECT_EQ(testing_support::error_message<ShapeError>([&] { g.apply("tanh", {a, a}, {}, "t"); }),
            "tanh \"t\": takes 1 input, got 2");
}

TEST(Tanh, GradientMatchesFiniteDifferences) { testing_support::expect_op_gradients("tanh"); }

}  // namespace
}  // namespace dagrad
