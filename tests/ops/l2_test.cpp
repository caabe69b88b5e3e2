#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "dagrad/testing.hpp"

namespace dagrad {
namespace {

TEST(L2, CourseExample) {
  Graph g;
  Expr loss = l2(g.input("yhat", Tensor{.9, 0.2, 0.1, .4, .9}), g.constant(Tensor{1, 0, 0, 1, 1}));
  EXPECT_NEAR(g.forward(loss).item(), 0.43, 1e-8);
}

TEST(L2, ShapeMismatchNamesOpNodeAndShapes) {
  Graph g;
  Expr a = g.input("a", Tensor(Shape{1, 5}));
  Expr b = g.input("b", Tensor(Shape{5, 1}));
  try {
    l2(a, b, "loss");
    FAIL() << "expected ShapeError";
  } catch (const ShapeError& e) {
    EXPECT_STREQ(e.what(), "l2 \"loss\": input shapes (1, 5) and (5, 1) differ");
  }
}

TEST(L2, GradientMatchesFiniteDifferences) { EXPECT_OP_GRADIENTS_OK("l2"); }

}  // namespace
}  // namespace dagrad
