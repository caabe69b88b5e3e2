#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "support/error_message.hpp"
#include "support/op_gradients.hpp"
#include "support/symbolic_at_kinks.hpp"

namespace dagrad {
namespace {
using testing_support::error_message;

TEST(Clip, ValuesAndGradientPassingAtTheBoundsAsPyTorch) {
  Graph g;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Expr x = g.input("x", Tensor{-1e300, -1, -0.5, 0.25, 2, 3, 1e300, nan}, true);
  Expr y = clip(x, -0.5, 2);
  const TensorView& value = g.forward(y);
  const double expected[] = {-0.5, -0.5, -0.5, 0.25, 2, 2, 2};
  for (int i = 0; i < 7; ++i) EXPECT_EQ(value.get(i), expected[i]) << i;
  EXPECT_TRUE(std::isnan(value.get(7)));  // NaN stays NaN, as clamp
  g.backward(y, Tensor{1, 2, 3, 4, 5, 6, 7, 8});
  // PyTorch's clamp backward masks with x >= min and x <= max: the bounds pass dy.
  const double gradient[] = {0, 0, 3, 4, 5, 0, 0, 0};
  for (int i = 0; i < 8; ++i) EXPECT_EQ(x.grad()[i], gradient[i]) << i;
}

TEST(Clip, EqualBoundsGiveAConstant) {
  Graph g;
  Expr x = g.input("x", Tensor(Shape{3}, std::vector<float>{-1.0f, 1.0f, 4.0f}), true);
  Expr y = clip(x, 1, 1);
  EXPECT_EQ(g.forward(y), Tensor(Shape{3}, std::vector<float>{1, 1, 1}));
  g.backward(y, Tensor(Shape{3}, std::vector<float>{5, 6, 7}));
  EXPECT_EQ(x.grad(), Tensor(Shape{3}, std::vector<float>{0, 6, 0}));
}

TEST(Clip, DeclaresKinksAtBothBounds) {
  auto op = OpRegistry::global().make("clip", {{"min", -1.0}, {"max", 2.0}});
  EXPECT_TRUE(op->has_kinks());
  Tensor x{-3, -1, 0.5, 1.75, 2, 5};
  TensorView views[] = {x};
  const double offsets[] = {-2, 0, 1.5, 0.25, 0, -3};  // distance to the nearer bound, negative outside
  for (int i = 0; i < 6; ++i) EXPECT_EQ(op->kink_offset(views, i), offsets[i]) << i;
}

TEST(Clip, AttributesAreCheckedAndNamed) {
  Graph g;
  Expr x = g.input("x", Tensor{1});
  EXPECT_EQ(g.node(clip(x, -1, 1)).op()->attrs(), (Attrs{{"min", -1.0}, {"max", 1.0}}));
  EXPECT_EQ(error_message([&] { clip(x, 2, 1); }), "clip: needs finite bounds with min <= max, got min 2 and max 1");
  EXPECT_EQ(error_message([&] { clip(x, std::numeric_limits<double>::quiet_NaN(), 1); }),
            "clip: needs finite bounds with min <= max, got min nan and max 1");
  EXPECT_EQ(error_message([&] { g.apply("clip", {x}, {{"min", 0.0}}, "c"); }), "clip: missing attribute \"max\"");
  EXPECT_THROW(g.apply("clip", {x}, {{"min", 0.0}, {"max", 1.0}, {"low", 0.0}}, "c"), Error);
  EXPECT_EQ(error_message<ShapeError>([&] { g.apply("clip", {}, {{"min", 0.0}, {"max", 1.0}}, "c"); }),
            "clip \"c\": takes 1 input, got 0");
}

TEST(Clip, GradientMatchesFiniteDifferences) { testing_support::expect_op_gradients("clip"); }

// At the bounds themselves the gradient passes, in both backwards.
TEST(Clip, SymbolicBackwardAtTheBoundsIsTheKernels) {
  testing_support::expect_symbolic_backward_equals_kernel(
      "clip", {{Tensor{{-0.5, 0.7, -2.0}, {0.0, 3.0, -0.5}}}, {{"min", -0.5}, {"max", 0.7}}, {}});
}

}  // namespace
}  // namespace dagrad
