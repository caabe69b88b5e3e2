#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "dagrad/testing.hpp"

namespace dagrad {
namespace {

TEST(L1, CourseExample) {
  Graph g;
  Expr loss = l1(g.input("yhat", Tensor{.9, 0.2, 0.1, .4, .9}), g.constant(Tensor{1, 0, 0, 1, 1}));
  const TensorView& value = g.forward(loss);
  EXPECT_EQ(value.rank(), 0);
  EXPECT_NEAR(value.item(), 1.1, 1e-8);
}

TEST(L1, GradientIsZeroWherePredictionIsExact) {
  Graph g;
  Expr yhat = g.input("yhat", Tensor{1, 2, 3}, true);
  Expr loss = l1(yhat, g.constant(Tensor{1, 0, 5}));
  g.forward(loss);
  g.backward(loss);
  EXPECT_EQ(yhat.grad()[0], 0.0);
  EXPECT_EQ(yhat.grad()[1], 1.0);
  EXPECT_EQ(yhat.grad()[2], -1.0);
}

TEST(L1, ShapeMismatchNamesOpNodeAndShapes) {
  Graph g;
  Expr a = g.input("a", Tensor(Shape{1, 5}));
  Expr b = g.input("b", Tensor(Shape{5, 1}));
  try {
    l1(a, b, "loss");
    FAIL() << "expected ShapeError";
  } catch (const ShapeError& e) {
    EXPECT_STREQ(e.what(), "l1 \"loss\": input shapes (1, 5) and (5, 1) differ");
  }
}

TEST(L1, DeclaresItsKink) {
  Graph g;
  Expr loss = l1(g.input("a", Tensor{1, 2}), g.input("b", Tensor{1, 3}));
  const Op& op = *g.node(loss).op();
  EXPECT_TRUE(op.has_kinks());
  Tensor a{1, 2}, b{1, 3};
  TensorView views[] = {a, b};
  EXPECT_EQ(op.kink_offset(views, 0), 0.0);
  EXPECT_EQ(op.kink_offset(views, 1), -1.0);
}

TEST(L1, GradientMatchesFiniteDifferences) { EXPECT_OP_GRADIENTS_OK("l1"); }

}  // namespace
}  // namespace dagrad
