#include <gtest/gtest.h>

#include "conv_support.hpp"
#include "dagrad/dagrad.hpp"
#include "dagrad/testing.hpp"
#include "support/error_message.hpp"

namespace dagrad {
namespace {
using testing_support::error_message;
using testing_support::reference_input;

TEST(AvgPool2d, HandCheckedValuesAndGradient) {
  Graph g;
  Expr x = g.input("x", Tensor(Shape{1, 1, 2, 4}, {1, 2, 3, 4, 5, 6, 7, 8}), true);
  Expr y = avg_pool2d(x, {2, 2});
  EXPECT_EQ(g.forward(y), Tensor(Shape{1, 1, 1, 2}, {3.5, 5.5}));
  g.backward(y, Tensor(Shape{1, 1, 1, 2}, {4, 8}));
  EXPECT_EQ(x.grad(), Tensor(Shape{1, 1, 2, 4}, {1, 1, 2, 2, 1, 1, 2, 2}));
}

TEST(AvgPool2d, PaddingCountsInTheMeanAsPyTorchsDefault) {
  Graph g;
  Expr x = g.input("x", Tensor(Shape{1, 1, 2, 2}, {4, 8, 12, 16}), true);
  Expr y = avg_pool2d(x, {2, 2}, {2, 2}, {1, 1});
  EXPECT_EQ(g.forward(y), Tensor(Shape{1, 1, 2, 2}, {1, 2, 3, 4}));  // each window holds one pixel and 3 zeros
  g.backward(y, Tensor(Shape{1, 1, 2, 2}, 1.0));
  EXPECT_EQ(x.grad(), Tensor(Shape{1, 1, 2, 2}, 0.25));
}

// Values from tests/ops/reference/conv_reference.py.
TEST(AvgPool2d, MatchesTheReference) {
  Graph g;
  Expr x = g.input("x", reference_input(Shape{1, 1, 4, 5}, 7, 11));
  Tensor y = Tensor::from(g.forward(avg_pool2d(x, {3, 3}, {2, 2}, {1, 1})));
  const double expected[] = {-0.05555555555555555, 0.1388888888888889, 0.1388888888888889,
                             -0.19444444444444445, -0.1111111111111111, -0.05555555555555555};
  ASSERT_EQ(y.shape(), (Shape{1, 1, 2, 3}));
  for (int i = 0; i < 6; ++i) EXPECT_DOUBLE_EQ(y[i], expected[i]) << i;
}

TEST(AvgPool2d, ShapeErrorsNameTheNodeAndShapes) {
  Graph g;
  Expr x = g.input("x", Tensor(Shape{2, 3, 4, 4}));
  EXPECT_EQ(error_message<ShapeError>([&] { avg_pool2d(g.input("v", Tensor(Shape{3, 4, 4})), {2, 2}, {}, {}, "p"); }),
            "avg_pool2d \"p\": needs x (N, C, H, W), got shape (3, 4, 4)");
  EXPECT_EQ(error_message<ShapeError>([&] { avg_pool2d(x, {3, 3}, {1, 1}, {2, 1}, "p"); }),
            "avg_pool2d \"p\": padding [2, 1] is more than half the kernel [3, 3]");
}

TEST(AvgPool2d, GradientMatchesFiniteDifferences) { EXPECT_OP_GRADIENTS_OK("avg_pool2d"); }

}  // namespace
}  // namespace dagrad
