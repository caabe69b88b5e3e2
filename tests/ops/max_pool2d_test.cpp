#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "conv_support.hpp"
#include "dagrad/dagrad.hpp"
#include "dagrad/parallel.hpp"
#include "dagrad/testing.hpp"
#include "support/error_message.hpp"

namespace dagrad {
namespace {
using testing_support::error_message;
using testing_support::reference_input;

TEST(MaxPool2d, HandCheckedValuesAndGradient) {
  Graph g;
  Expr x = g.input("x", Tensor(Shape{1, 1, 3, 3}, {1, 9, 2, 4, 5, 6, 8, 7, 3}), true);
  Expr y = max_pool2d(x, {2, 2}, {1, 1});
  EXPECT_EQ(g.forward(y), Tensor(Shape{1, 1, 2, 2}, {9, 9, 8, 7}));
  g.backward(y, Tensor(Shape{1, 1, 2, 2}, {1, 2, 3, 4}));
  // The 9 is the maximum of both top windows: its gradient sums theirs.
  EXPECT_EQ(x.grad(), Tensor(Shape{1, 1, 3, 3}, {0, 3, 0, 0, 0, 0, 3, 4, 0}));
}

TEST(MaxPool2d, TiesSendTheGradientToTheFirstMaximumAsPyTorch) {
  Graph g;
  Expr x = g.input("x", Tensor(Shape{1, 1, 2, 4}, {2, 2, 1, 5, 2, 0, 5, 5}), true);
  Expr y = max_pool2d(x, {2, 2});
  EXPECT_EQ(g.forward(y), Tensor(Shape{1, 1, 1, 2}, {2, 5}));
  g.backward(y, Tensor(Shape{1, 1, 1, 2}, {1, 1}));
  EXPECT_EQ(x.grad(), Tensor(Shape{1, 1, 2, 4}, {1, 0, 0, 1, 0, 0, 0, 0}));
}

TEST(MaxPool2d, PaddingIsNeverTheMaximumAndNaNWins) {
  Graph g;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Expr x = g.input("x", Tensor(Shape{1, 1, 2, 2}, {-3, -4, nan, -1}));
  Tensor y = Tensor::from(g.forward(max_pool2d(x, {2, 2}, {1, 1}, {1, 1})));
  EXPECT_EQ(y.shape(), (Shape{1, 1, 3, 3}));
  EXPECT_EQ(y[0], -3);  // the window holding only x[0, 0] and padding
  EXPECT_EQ(y[1], -3);
  EXPECT_TRUE(std::isnan(y[3]));
  EXPECT_EQ(y[8], -1);
}

// Values from tests/ops/reference/conv_reference.py.
TEST(MaxPool2d, MatchesTheReference) {
  Graph g;
  Expr x = g.input("x", reference_input(Shape{1, 1, 4, 5}, 7, 11));
  EXPECT_EQ(g.forward(max_pool2d(x, {3, 3}, {2, 2}, {1, 1})), Tensor(Shape{1, 1, 2, 3}, {1.0, 1.25, 1.25, 1.0, 1.0, 1.25}));
}

// Planes (image, channel) are split over threads: outputs and gradients must be the same to the last bit as on one
// thread. 8 x 16 planes of 20 x 20, 3x3 windows with padding 1, stride 2: 12800 outputs x 9 taps, worth two chunks.
// Rounded values make ties, which must still go to each window's first maximum.
TEST(MaxPool2d, TwoThreadsGiveTheOneThreadResultBitForBit) {
  auto run = [](int threads) {
    set_num_threads(threads);
    Graph g;
    Rng rng(3);
    Tensor values = random_normal(Shape{8, 16, 20, 20}, rng);
    for (double& v : values) v = std::round(v * 4);
    Expr x = g.input("x", values, true);
    Expr y = max_pool2d(x, {3, 3}, {2, 2}, {1, 1});
    Tensor output = Tensor::from(g.forward(y));
    g.backward(y, random_normal(y.shape(), rng));
    set_num_threads(1);
    return std::pair{output, Tensor::from(x.grad())};
  };
  const auto [output_one, gradient_one] = run(1);
  const auto [output_two, gradient_two] = run(2);
  EXPECT_EQ(output_one, output_two);
  EXPECT_EQ(gradient_one, gradient_two);
  EXPECT_EQ(output_one.shape(), Shape({8, 16, 10, 10}));
  // Corner check against the definition: output (n 7, c 15, 0, 0) is the maximum of x[7, 15, 0:2, 0:2].
  Rng rng(3);
  Tensor values = random_normal(Shape{8, 16, 20, 20}, rng);
  for (double& v : values) v = std::round(v * 4);
  const std::int64_t plane = (7 * 16 + 15) * 400;
  const double corner = std::max({values[plane], values[plane + 1], values[plane + 20], values[plane + 21]});
  EXPECT_EQ(output_one[(7 * 16 + 15) * 100], corner);
}

TEST(MaxPool2d, DeclaresKinksWhereAWindowTies) {
  auto op = OpRegistry::global().make("max_pool2d", {{"kernel", std::vector<std::int64_t>{2, 2}}});
  ASSERT_TRUE(op->has_kinks());
  Tensor x(Shape{1, 1, 2, 2}, {1, 4, 3.5, 2});
  TensorView views[] = {x};
  EXPECT_EQ(op->kink_offset(views, 1), 0.5);    // the maximum, 0.5 above the runner-up
  EXPECT_EQ(op->kink_offset(views, 2), -0.5);   // the runner-up
  EXPECT_EQ(op->kink_offset(views, 0), -3.0);
}

TEST(MaxPool2d, ShapeErrorsNameTheNodeAndShapes) {
  Graph g;
  Expr x = g.input("x", Tensor(Shape{2, 3, 4, 4}));
  EXPECT_EQ(error_message<ShapeError>([&] { max_pool2d(g.input("m", Tensor(Shape{4, 4})), {2, 2}, {}, {}, "p"); }),
            "max_pool2d \"p\": needs x (N, C, H, W), got shape (4, 4)");
  EXPECT_EQ(error_message<ShapeError>([&] { max_pool2d(x, {2, 2}, {}, {2, 0}, "p"); }),
            "max_pool2d \"p\": padding [2, 0] is more than half the kernel [2, 2]");
  EXPECT_EQ(error_message<ShapeError>([&] { max_pool2d(x, {5, 2}, {}, {}, "p"); }),
            "max_pool2d \"p\": x (2, 3, 4, 4) padded by [0, 0] is smaller than the 5x2 kernel (dilation [1, 1])");
  EXPECT_THROW(g.apply("max_pool2d", {x}, {}, "no_kernel"), Error);
}

TEST(MaxPool2d, StrideDefaultsToTheKernel) {
  auto op = OpRegistry::global().make("max_pool2d", {{"kernel", std::vector<std::int64_t>{3, 2}}});
  EXPECT_EQ(op->attrs().get_ints("max_pool2d", "stride"), (std::vector<std::int64_t>{3, 2}));
  EXPECT_EQ(op->label(), "max_pool2d 3x2 stride 3x2");
}

TEST(MaxPool2d, GradientMatchesFiniteDifferences) { EXPECT_OP_GRADIENTS_OK("max_pool2d"); }

}  // namespace
}  // namespace dagrad
