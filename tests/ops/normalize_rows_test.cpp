#include <cmath>

#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "dagrad/testing.hpp"

namespace dagrad {
namespace {

TEST(NormalizeRows, CourseExample) {
  Graph g;
  Expr n = normalize_rows(g.input("x", Tensor{{0, 3, 4}, {1, 6, 4}}));
  const TensorView& y = g.forward(n);
  const double expected[] = {0, 0.6, 0.8, 0.13736056, 0.82416338, 0.54944226};
  for (int i = 0; i < 6; ++i) EXPECT_NEAR(y[i], expected[i], 1e-8) << i;
}

TEST(NormalizeRows, ZeroRowGivesZerosAndFiniteGradient) {
  Graph g;
  Expr x = g.input("x", Tensor{{0, 0, 0}, {3, 4, 0}}, true);
  Expr n = normalize_rows(x);
  g.forward(n);
  g.backward(n, Tensor(Shape{2, 3}, 1.0));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(n.value()[i], 0.0);
  for (double d : x.grad()) EXPECT_TRUE(std::isfinite(d));
}

TEST(NormalizeRows, GradientMatchesFiniteDifferences) { EXPECT_OP_GRADIENTS_OK("normalize_rows"); }

// Issue 16: a NaN row took the clamped branch and got a finite gradient.
// Values as PyTorch gives (F.normalize, eps 1e-12, seed gradient [[1, 2],
// [3, 4], [5, 6]]; tests/ops/reference/torch_reference.cpp).
TEST(NormalizeRows, ANanRowStaysNanInValueAndGradientAsPyTorch) {
  Graph g;
  Expr x = g.input("x", Tensor{{std::nan(""), 1.0}, {3.0, 4.0}, {0.0, 0.0}}, true);
  Expr y = normalize_rows(x);
  Expr loss = sum(y * g.constant(Tensor{{1.0, 2.0}, {3.0, 4.0}, {5.0, 6.0}}));
  g.forward(loss);
  g.backward(loss);
  const Tensor& value = Tensor::from(y.value());
  EXPECT_TRUE(std::isnan(value[0]) && std::isnan(value[1]));
  EXPECT_DOUBLE_EQ(value[2], 0.59999999999999998);  // within 4 ulps: dagrad multiplies by 1 / norm
  EXPECT_DOUBLE_EQ(value[3], 0.80000000000000004);
  EXPECT_TRUE(std::isnan(x.grad()[0]) && std::isnan(x.grad()[1]));
  EXPECT_NEAR(x.grad()[2], 0.0, 1e-16);
  EXPECT_NEAR(x.grad()[3], 0.0, 1e-16);
  EXPECT_EQ(x.grad()[4], 5000000000000.0);
  EXPECT_EQ(x.grad()[5], 6000000000000.0);
}
}  // namespace
}  // namespace dagrad
