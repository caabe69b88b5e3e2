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

}  // namespace
}  // namespace dagrad
