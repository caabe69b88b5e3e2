#include <gtest/gtest.h>

#include "conv_support.hpp"
#include "dagrad/dagrad.hpp"
#include "dagrad/testing.hpp"
#include "support/error_message.hpp"

namespace dagrad {
namespace {
using testing_support::error_message;
using testing_support::reference_input;

TEST(Conv2d, HandCheckedValuesAndGradients) {
  Graph g;
  Expr x = g.input("x", Tensor(Shape{1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9}), true);
  Expr w = g.parameter("w", Tensor(Shape{1, 1, 2, 2}, {1, 2, 3, 4}));
  Expr b = g.parameter("b", Tensor{0.5});
  Expr y = conv2d(x, w, b);
  // y[i, j] = x[i, j] + 2 x[i, j+1] + 3 x[i+1, j] + 4 x[i+1, j+1] + 0.5
  EXPECT_EQ(g.forward(y), Tensor(Shape{1, 1, 2, 2}, {37.5, 47.5, 67.5, 77.5}));
  g.backward(y, Tensor(Shape{1, 1, 2, 2}, 1.0));
  EXPECT_EQ(w.grad(), Tensor(Shape{1, 1, 2, 2}, {12, 16, 24, 28}));  // sums of x over each tap's positions
  EXPECT_EQ(b.grad(), Tensor{4.0});
  // Each pixel gets the weights of the taps that read it.
  EXPECT_EQ(x.grad(), Tensor(Shape{1, 1, 3, 3}, {1, 3, 2, 4, 10, 6, 3, 7, 4}));
}

// Values from tests/ops/reference/conv_reference.py (plain loops over PyTorch's definition).
TEST(Conv2d, MatchesTheReferenceWithStridePaddingAndDilation) {
  Graph g;
  Expr x = g.input("x", reference_input(Shape{1, 2, 4, 5}, 7, 11));
  Expr w = g.parameter("w", reference_input(Shape{3, 2, 3, 2}, 5, 7));
  Expr b = g.parameter("b", Tensor{0.5, -1, 0.25});
  Expr y = conv2d(x, w, b, {.stride = {2, 1}, .padding = {1, 1}, .dilation = {1, 2}});
  EXPECT_EQ(g.forward(y),
            Tensor(Shape{1, 3, 2, 5}, {0.6875, -0.625, 0.875, 0.3125, -0.5, 2.1875, 1.4375, -2.6875, 1.4375, 0.75,
                                       -1.0625, 1.0625, -0.4375, -0.5625, -1.5625, -2.0, -0.3125, 2.0, -1.1875, -0.1875,
                                       0.375, 1.125, -2.0625, -0.4375, 1.4375, 0.0625, 0.25, -0.625, -1.5, -0.125}));
}

TEST(Conv2d, MatchesTheReferenceWithGroups) {
  Graph g;
  Expr x = g.input("x", reference_input(Shape{1, 4, 3, 3}, 3, 13));
  Expr w = g.parameter("w", reference_input(Shape{2, 2, 2, 2}, 5, 9));
  Expr y = conv2d(x, w, std::nullopt, {.groups = 2});
  EXPECT_EQ(g.forward(y), Tensor(Shape{1, 2, 2, 2}, {0.0, -0.8125, -0.8125, 0.0, 2.5, -1.5, 1.875, 2.75}));
}

TEST(Conv2d, Float32AgreesWithFloat64) {
  Graph g;
  Tensor x = reference_input(Shape{2, 2, 4, 5}, 7, 11), w = reference_input(Shape{3, 2, 3, 2}, 5, 7);
  Expr y64 = conv2d(g.input("x64", x), g.parameter("w64", w), std::nullopt, {.padding = {1, 1}});
  Expr y32 = conv2d(g.input("x32", x.to(DType::float32)), g.parameter("w32", w.to(DType::float32)), std::nullopt,
                    {.padding = {1, 1}});
  EXPECT_EQ(Tensor::from(g.forward(y32)).to(DType::float64), g.forward(y64));  // exact: multiples of 1/16
}

TEST(Conv2d, ShapeErrorsNameTheNodeAndShapes) {
  Graph g;
  Expr x = g.input("x", Tensor(Shape{2, 4, 5, 5}));
  Expr w = g.parameter("w", Tensor(Shape{6, 2, 3, 3}));
  EXPECT_EQ(error_message<ShapeError>([&] { conv2d(x, w, std::nullopt, {}, "c"); }),
            "conv2d \"c\": x (2, 4, 5, 5) and w (6, 2, 3, 3) do not fit 1 group(s): w needs C/groups input channels "
            "and O divisible by groups");
  EXPECT_EQ(error_message<ShapeError>([&] { conv2d(x, w, g.parameter("b", Tensor(Shape{5})), {.groups = 2}, "c"); }),
            "conv2d \"c\": bias of shape (5,) does not fit w (6, 2, 3, 3): expected (6,)");
  EXPECT_EQ(error_message<ShapeError>([&] { conv2d(g.input("v", Tensor(Shape{4, 5, 5})), w, std::nullopt, {}, "c"); }),
            "conv2d \"c\": needs x (N, C, H, W) and w (O, C/groups, kh, kw), got shapes (4, 5, 5) and (6, 2, 3, 3)");
  EXPECT_EQ(error_message<ShapeError>([&] { conv2d(x, g.parameter("big", Tensor(Shape{6, 4, 7, 3})), std::nullopt, {}, "c"); }),
            "conv2d \"c\": x (2, 4, 5, 5) padded by [0, 0] is smaller than the 7x3 kernel (dilation [1, 1])");
  EXPECT_EQ(error_message<ShapeError>([&] { conv2d(x, w, std::nullopt, {.stride = {0, 1}, .groups = 2}, "c"); }),
            "conv2d \"c\": kernel [3, 3], stride [0, 1] and dilation [1, 1] must be positive and padding [0, 0] not "
            "negative");
  EXPECT_EQ(error_message<ShapeError>([&] { g.apply("conv2d", {x}, {}, "one"); }),
            "conv2d \"one\": takes x, w and an optional bias, got 1 inputs");
}

TEST(Conv2d, AttributesRoundTripAndTyposAreCaught) {
  Attrs attrs{{"stride", std::vector<std::int64_t>{2, 1}}, {"padding", std::vector<std::int64_t>{1, 0}},
              {"dilation", std::vector<std::int64_t>{1, 2}}, {"groups", std::int64_t{2}}};
  auto op = OpRegistry::global().make("conv2d", attrs);
  EXPECT_EQ(op->attrs(), attrs);
  EXPECT_EQ(op->label(), "conv2d stride 2x1 pad 1x0 dilation 1x2 groups 2");
  EXPECT_THROW(OpRegistry::global().make("conv2d", {{"strides", std::vector<std::int64_t>{2, 2}}}), Error);
  EXPECT_THROW(OpRegistry::global().make("conv2d", {{"stride", std::vector<std::int64_t>{2}}}), Error);
}

TEST(Conv2d, GradientMatchesFiniteDifferences) { EXPECT_OP_GRADIENTS_OK("conv2d"); }

}  // namespace
}  // namespace dagrad
