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

TEST(Maximum, ValuesAndTiesSplitTheGradientAsPyTorch) {
  Graph g;
  Expr a = g.input("a", Tensor{1, 5, -2, 3, -1e300}, true);
  Expr b = g.input("b", Tensor{2, 4, -2, 3, 1e300}, true);
  Expr y = maximum(a, b);
  EXPECT_EQ(g.forward(y), (Tensor{2, 5, -2, 3, 1e300}));
  g.backward(y, Tensor{10, 20, 30, 40, 50});
  EXPECT_EQ(a.grad(), (Tensor{0, 20, 15, 20, 0}));  // half of dy at a tie, to each input
  EXPECT_EQ(b.grad(), (Tensor{10, 0, 15, 20, 50}));
}

TEST(Maximum, BroadcastGradientsAreSummedBack) {
  Graph g;
  Expr a = g.input("a", Tensor{{1, 2, 3}, {4, 5, 6}}, true);
  Expr threshold = g.input("t", Tensor::scalar(3), true);
  Expr y = maximum(a, threshold);
  EXPECT_EQ(g.forward(y), (Tensor{{3, 3, 3}, {4, 5, 6}}));
  g.backward(y, Tensor(Shape{2, 3}, 1.0));
  EXPECT_EQ(a.grad(), (Tensor{{0, 0, 0.5}, {1, 1, 1}}));
  EXPECT_EQ(threshold.grad()[0], 2.5);  // 1 + 1 + 1/2 at the tie
}

TEST(Maximum, NaNPropagatesAndBothInputsGetTheGradient) {
  Graph g;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Expr a = g.input("a", Tensor{nan, 1}, true);
  Expr b = g.input("b", Tensor{1, nan}, true);
  Expr y = maximum(a, b);
  g.forward(y);
  EXPECT_TRUE(std::isnan(y.value()[0]));
  EXPECT_TRUE(std::isnan(y.value()[1]));
  g.backward(y, Tensor{1, 1});
  EXPECT_EQ(a.grad(), (Tensor{1, 1}));  // PyTorch masks only where a < b
  EXPECT_EQ(b.grad(), (Tensor{1, 1}));
}

TEST(Maximum, Float32) {
  Graph g;
  Expr a = g.input("a", Tensor(Shape{3}, std::vector<float>{1, 2, 3}), true);
  Expr b = g.input("b", Tensor(Shape{3}, std::vector<float>{3, 2, 1}), true);
  Expr y = maximum(a, b);
  EXPECT_EQ(g.forward(y), Tensor(Shape{3}, std::vector<float>{3, 2, 3}));
  g.backward(y, Tensor(Shape{3}, std::vector<float>{1, 1, 1}));
  EXPECT_EQ(a.grad(), Tensor(Shape{3}, std::vector<float>{0, 0.5f, 1}));
}

TEST(Maximum, DeclaresItsKinkAtTies) {
  auto op = OpRegistry::global().make("maximum");
  EXPECT_TRUE(op->has_kinks());
  Tensor a{{1, 4}}, b(Shape{2, 1}, {1.5, 3.0});  // a broadcast down, b across
  TensorView views[] = {a, b};
  EXPECT_EQ(op->kink_offset(views, 0), -0.5);  // 1 meets 1.5 and 3: nearer tie at 1.5
  EXPECT_EQ(op->kink_offset(views, 1), 1.0);   // 4 meets 1.5 and 3
}

TEST(Maximum, ShapesAndArityAreChecked) {
  Graph g;
  Expr a = g.input("a", Tensor(Shape{2, 3}));
  Expr b = g.input("b", Tensor(Shape{3, 2}));
  EXPECT_EQ(error_message<ShapeError>([&] { maximum(a, b, "m"); }),
            "maximum \"m\": shapes (2, 3) and (3, 2) cannot broadcast");
  EXPECT_EQ(error_message<ShapeError>([&] { g.apply("maximum", {a}, {}, "m"); }), "maximum \"m\": takes 2 inputs, got 1");
}

TEST(Maximum, GradientMatchesFiniteDifferences) { testing_support::expect_op_gradients("maximum"); }

// Ties (broadcast too) split the gradient in halves in both backwards.
TEST(Maximum, SymbolicBackwardAtTiesIsTheKernels) {
  testing_support::expect_symbolic_backward_equals_kernel(
      "maximum", {{Tensor{{1.0, -2.0, 3.0}, {0.5, 0.5, 4.0}}, Tensor{0.5, -2.0, 3.0}}, {}, {}});
}

}  // namespace
}  // namespace dagrad
