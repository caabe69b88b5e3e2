#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "support/error_message.hpp"
#include "support/op_gradients.hpp"
#include "support/symbolic_at_kinks.hpp"

namespace dagrad {
namespace {
using testing_support::error_message;

TEST(Abs, ValuesAndGradientZeroAtTheKink) {
  Graph g;
  Expr x = g.input("x", Tensor{-2.5, -0.0, 0.0, 1e-300, -1e300, 7}, true);
  Expr y = abs(x);
  EXPECT_EQ(g.forward(y), (Tensor{2.5, 0, 0, 1e-300, 1e300, 7}));
  g.backward(y, Tensor{1, 2, 3, 4, 5, 6});
  EXPECT_EQ(x.grad(), (Tensor{-1, 0, 0, 4, -5, 6}));  // sign(0) = 0, as PyTorch
}

TEST(Abs, Float32) {
  Graph g;
  Expr x = g.input("x", Tensor(Shape{3}, std::vector<float>{-1.5f, 0.0f, 2.0f}), true);
  Expr y = abs(x);
  EXPECT_EQ(g.forward(y), Tensor(Shape{3}, std::vector<float>{1.5f, 0.0f, 2.0f}));
  g.backward(y, Tensor(Shape{3}, std::vector<float>{1, 1, 1}));
  EXPECT_EQ(x.grad(), Tensor(Shape{3}, std::vector<float>{-1, 0, 1}));
}

TEST(Abs, DeclaresItsKinkAtZero) {
  auto op = OpRegistry::global().make("abs");
  EXPECT_TRUE(op->has_kinks());
  Tensor x{-0.25, 0, 2};
  TensorView views[] = {x};
  EXPECT_EQ(op->kink_offset(views, 0), -0.25);
  EXPECT_EQ(op->kink_offset(views, 1), 0.0);
  EXPECT_EQ(op->kink_offset(views, 2), 2.0);
}

TEST(Abs, TakesOneInputAndNoAttributes) {
  Graph g;
  Expr a = g.input("a", Tensor{1});
  EXPECT_EQ(error_message<ShapeError>([&] { g.apply("abs", {a, a}, {}, "r"); }), "abs \"r\": takes 1 input, got 2");
  EXPECT_THROW(g.apply("abs", {a}, {{"alpha", 1.0}}, "r"), Error);
}

TEST(Abs, GradientMatchesFiniteDifferences) { testing_support::expect_op_gradients("abs"); }

// At x = 0 the symbolic backward passes 0, as the kernel (sign(0) = 0).
TEST(Abs, SymbolicBackwardAtTheKinkIsTheKernels) {
  testing_support::expect_symbolic_backward_equals_kernel("abs", {{Tensor{{-1.5, 0.0, 2.0}, {0.0, 0.25, -0.0}}}, {}, {}});
}

}  // namespace
}  // namespace dagrad
