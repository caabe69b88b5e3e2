#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "dagrad/testing.hpp"

namespace dagrad {
namespace {

TEST(Sigmoid, CourseBasicSigmoidOfOne) { EXPECT_EQ(sigmoid(1.0), 0.7310585786300049); }

TEST(Sigmoid, CourseSigmoidOfVector) {
  Graph g;
  Expr s = sigmoid(g.input("x", Tensor{1, 2, 3}));
  const TensorView& y = g.forward(s);
  ASSERT_EQ(y.shape(), (Shape{3}));
  EXPECT_NEAR(y[0], 0.73105858, 1e-8);
  EXPECT_NEAR(y[1], 0.88079708, 1e-8);
  EXPECT_NEAR(y[2], 0.95257413, 1e-8);
}

TEST(Sigmoid, CourseSigmoidDerivativeIsTheBackward) {
  Graph g;
  Expr x = g.input("x", Tensor{1, 2, 3}, true);
  Expr s = sigmoid(x);
  g.forward(s);
  g.backward(s, Tensor(Shape{3}, 1.0));
  EXPECT_NEAR(x.grad()[0], 0.19661193, 1e-8);
  EXPECT_NEAR(x.grad()[1], 0.10499359, 1e-8);
  EXPECT_NEAR(x.grad()[2], 0.04517666, 1e-8);
}

TEST(Sigmoid, LargeMagnitudesAreFiniteAndExact) {
  Graph g;
  Expr x = g.input("x", Tensor{-1000, 1000, -40}, true);
  Expr s = sigmoid(x);
  const TensorView& y = g.forward(s);
  EXPECT_EQ(y[0], 0.0);
  EXPECT_EQ(y[1], 1.0);
  EXPECT_NEAR(y[2], std::exp(-40.0), 1e-30);
  g.backward(s, Tensor(Shape{3}, 1.0));
  for (double d : x.grad()) EXPECT_TRUE(std::isfinite(d));
  EXPECT_EQ(sigmoid(-1000.0), 0.0);
}

TEST(Sigmoid, GradientMatchesFiniteDifferences) { EXPECT_OP_GRADIENTS_OK("sigmoid"); }

}  // namespace
}  // namespace dagrad
