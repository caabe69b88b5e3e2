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

TEST(Minimum, ValuesAndTiesSplitTheGradientAsPyTorch) {
  Graph g;
  Expr a = g.input("a", Tensor{1, 5, -2, 3, -1e300}, true);
  Expr b = g.input("b", Tensor{2, 4, -2, 3, 1e300}, true);
  Expr y = minimum(a, b);
  EXPECT_EQ(g.forward(y), (Tensor{1, 4, -2, 3, -1e300}));
  g.backward(y, Tensor{10, 20, 30, 40, 50});
  EXPECT_EQ(a.grad(), (Tensor{10, 0, 15, 20, 50}));  // half of dy at a tie, to each input
  EXPECT_EQ(b.grad(), (Tensor{0, 20, 15, 20, 0}));
}

TEST(Minimum, ColumnBroadcastGradientsAreSummedBack) {
  Graph g;
  Expr a = g.input("a", Tensor{{1, 2, 3}, {4, 5, 6}}, true);
  Expr column = g.input("c", Tensor(Shape{2, 1}, {2.0, 7.0}), true);
  Expr y = minimum(a, column);
  EXPECT_EQ(g.forward(y), (Tensor{{1, 2, 2}, {4, 5, 6}}));
  g.backward(y, Tensor{{1, 2, 3}, {4, 5, 6}});
  EXPECT_EQ(a.grad(), (Tensor{{1, 1, 0}, {4, 5, 6}}));
  EXPECT_EQ(column.grad(), Tensor(Shape{2, 1}, {4.0, 0.0}));  // 2/2 at the tie + 3
}

TEST(Minimum, NaNPropagatesAndBothInputsGetTheGradient) {
  Graph g;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Expr a = g.input("a", Tensor{nan, 1}, true);
  Expr b = g.input("b", Tensor{1, nan}, true);
  Expr y = minimum(a, b);
  g.forward(y);
  EXPECT_TRUE(std::isnan(y.value()[0]));
  EXPECT_TRUE(std::isnan(y.value()[1]));
  g.backward(y, Tensor{1, 1});
  EXPECT_EQ(a.grad(), (Tensor{1, 1}));
  EXPECT_EQ(b.grad(), (Tensor{1, 1}));
}

TEST(Minimum, Float32) {
  Graph g;
  Expr a = g.input("a", Tensor(Shape{3}, std::vector<float>{1, 2, 3}), true);
  Expr b = g.input("b", Tensor(Shape{3}, std::vector<float>{3, 2, 1}), true);
  Expr y = minimum(a, b);
  EXPECT_EQ(g.forward(y), Tensor(Shape{3}, std::vector<float>{1, 2, 1}));
  g.backward(y, Tensor(Shape{3}, std::vector<float>{1, 1, 1}));
  EXPECT_EQ(b.grad(), Tensor(Shape{3}, std::vector<float>{0, 0.5f, 1}));
}

TEST(Minimum, DeclaresItsKinkAtTies) {
  auto op = OpRegistry::global().make("minimum");
  EXPECT_TRUE(op->has_kinks());
  Tensor a{2, -1}, b{2.5, -1};
  TensorView views[] = {a, b};
  EXPECT_EQ(op->kink_offset(views, 0), -0.5);
  EXPECT_EQ(op->kink_offset(views, 1), 0.0);
}

TEST(Minimum, ShapesAndArityAreChecked) {
  Graph g;
  Expr a = g.input("a", Tensor(Shape{2, 3}));
  Expr b = g.input("b", Tensor(Shape{4}));
  EXPECT_EQ(error_message<ShapeError>([&] { minimum(a, b, "m"); }),
            "minimum \"m\": shapes (2, 3) and (4,) cannot broadcast");
  EXPECT_EQ(error_message<ShapeError>([&] { g.apply("minimum", {a, a, a}, {}, "m"); }),
            "minimum \"m\": takes 2 inputs, got 3");
}

TEST(Minimum, GradientMatchesFiniteDifferences) { testing_support::expect_op_gradients("minimum"); }

// Ties (broadcast too) split the gradient in halves in both backwards.
TEST(Minimum, SymbolicBackwardAtTiesIsTheKernels) {
  testing_support::expect_symbolic_backward_equals_kernel(
      "minimum", {{Tensor{{1.0, -2.0, 3.0}, {0.5, 0.5, 4.0}}, Tensor{0.5, -2.0, 3.0}}, {}, {}});
}

}  // namespace
}  // namespace dagrad
