#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "dagrad/testing.hpp"
#include "support/error_message.hpp"

namespace dagrad {
namespace {

TEST(GlobalAvgPool, MeanOfEachPlaneAndGradient) {
  Graph g;
  Expr x = g.input("x", Tensor(Shape{1, 2, 2, 2}, {1, 2, 3, 6, -1, -1, 5, 1}), true);
  Expr y = global_avg_pool(x);
  EXPECT_EQ(g.forward(y), Tensor(Shape{1, 2, 1, 1}, {3, 1}));
  g.backward(y, Tensor(Shape{1, 2, 1, 1}, {4, -8}));
  EXPECT_EQ(x.grad(), Tensor(Shape{1, 2, 2, 2}, {1, 1, 1, 1, -2, -2, -2, -2}));
}

TEST(GlobalAvgPool, ShapeErrors) {
  Graph g;
  EXPECT_EQ(testing_support::error_message<ShapeError>(
                [&] { global_avg_pool(g.input("x", Tensor(Shape{2, 3})), "gap"); }),
            "global_avg_pool \"gap\": needs x (N, C, H, W), got shape (2, 3)");
  EXPECT_EQ(testing_support::error_message<ShapeError>(
                [&] { global_avg_pool(g.input("e", Tensor(Shape{2, 3, 0, 4})), "gap"); }),
            "global_avg_pool \"gap\": x (2, 3, 0, 4) has no pixels to average");
}

TEST(GlobalAvgPool, GradientMatchesFiniteDifferences) { EXPECT_OP_GRADIENTS_OK("global_avg_pool"); }

}  // namespace
}  // namespace dagrad
