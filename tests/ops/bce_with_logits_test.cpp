#include <cmath>

#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "support/error_message.hpp"
#include "support/op_gradients.hpp"

namespace dagrad {
namespace {
using testing_support::error_message;

TEST(BceWithLogits, ValueAndGradients) {
  Graph g;
  Expr z = g.input("z", Tensor{0, 2}, true);
  Expr t = g.input("t", Tensor{1, 0.25}, true);
  Expr loss = bce_with_logits(z, t);
  // Element 0: log 2; element 1: 2 - 0.5 + log(1 + e^-2) = 1.5 + 0.12692801104297263.
  EXPECT_NEAR(g.forward(loss)[0], (std::log(2.0) + 1.5 + 0.12692801104297263) / 2, 1e-15);
  g.backward(loss);
  EXPECT_NEAR(z.grad()[0], (0.5 - 1) / 2, 1e-15);
  EXPECT_NEAR(z.grad()[1], (0.8807970779778823 - 0.25) / 2, 1e-15);  // (sigmoid(2) - t) / n
  EXPECT_EQ(t.grad()[0], 0.0);
  EXPECT_EQ(t.grad()[1], -1.0);  // -z / n
}

TEST(BceWithLogits, StableForLargeLogits) {
  Graph g;
  Expr z = g.input("z", Tensor{1000, -1000, 40}, true);
  Expr t = g.input("t", Tensor{1, 0, 1});
  Expr loss = bce_with_logits(z, t);
  // Each element is log(1 + e^-|z|): 0, 0 and e^-40 (kept by log1p).
  EXPECT_NEAR(g.forward(loss)[0], std::exp(-40.0) / 3, 1e-30);
  g.backward(loss);
  EXPECT_EQ(z.grad()[0], 0.0);
  EXPECT_EQ(z.grad()[1], 0.0);
  EXPECT_TRUE(std::isfinite(z.grad()[2]));
  // Confidently wrong: the loss grows like |z|, with no overflow.
  g.set_value(t, Tensor{0, 1, 0});
  EXPECT_NEAR(g.forward(loss)[0], (1000 + 1000 + 40 + std::exp(-40.0)) / 3, 1e-12);
}

TEST(BceWithLogits, ShapeErrors) {
  Graph g;
  Expr z = g.input("z", Tensor(Shape{3, 1}));
  Expr t = g.input("t", Tensor(Shape{3}));
  EXPECT_EQ(error_message<ShapeError>([&] { bce_with_logits(z, t, "loss"); }),
            "bce_with_logits \"loss\": logits of shape (3, 1) and targets of shape (3,) differ");
  EXPECT_EQ(error_message<ShapeError>([&] { g.apply("bce_with_logits", {z}, {}, "one"); }),
            "bce_with_logits \"one\": takes 2 inputs, got 1");
}

TEST(BceWithLogits, GradientMatchesFiniteDifferences) { testing_support::expect_op_gradients("bce_with_logits"); }

}  // namespace
}  // namespace dagrad
