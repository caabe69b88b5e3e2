#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "support/error_message.hpp"
#include "support/op_gradients.hpp"

namespace dagrad {
namespace {

TEST(Relu, ValuesAndGradientZeroAtTheKink) {
  Graph g;
  // Nine elements, so the vectorized backward and its scalar tail both run.
  Expr x = g.input("x", Tensor{-2, -0.5, 0, 0.5, 3, -1e-300, 1e-300, 7, -7}, true);
  Expr y = relu(x);
  EXPECT_EQ(g.forward(y), (Tensor{0, 0, 0, 0.5, 3, 0, 1e-300, 7, 0}));
  g.backward(y, Tensor{1, 2, 3, 4, 5, 6, 7, 8, 9});
  EXPECT_EQ(x.grad(), (Tensor{0, 0, 0, 4, 5, 0, 7, 8, 0}));  // 0 at x = 0, as PyTorch
}

TEST(Relu, DeclaresItsKinkAtZero) {
  auto op = OpRegistry::global().make("relu");
  EXPECT_TRUE(op->has_kinks());
  Tensor x{-0.25, 0, 2};
  TensorView views[] = {x};
  EXPECT_EQ(op->kink_offset(views, 0), -0.25);
  EXPECT_EQ(op->kink_offset(views, 1), 0.0);
  EXPECT_EQ(op->kink_offset(views, 2), 2.0);
}

TEST(Relu, TakesOneInput) {
  Graph g;
  Expr a = g.input("a", Tensor{1});
  EXPECT_EQ(testing_support::error_message<ShapeError>([&] { g.apply("relu", {a, a}, {}, "r"); }),
            "relu \"r\": takes 1 input, got 2");
}

TEST(Relu, GradientMatchesFiniteDifferences) { testing_support::expect_op_gradients("relu"); }

}  // namespace
}  // namespace dagrad
