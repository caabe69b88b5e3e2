#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "dagrad/testing.hpp"

namespace dagrad {
namespace {

TEST(Softmax, CourseExample) {
  Graph g;
  Expr p = softmax(g.input("x", Tensor{{9, 2, 5, 0, 0}, {7, 5, 0, 0, 0}}));
  const TensorView& y = g.forward(p);
  const double expected[] = {9.80897665e-01, 8.94462891e-04, 1.79657674e-02, 1.21052389e-04, 1.21052389e-04,
                             8.78679856e-01, 1.18916387e-01, 8.01252314e-04, 8.01252314e-04, 8.01252314e-04};
  for (int i = 0; i < 10; ++i) EXPECT_NEAR(y[i], expected[i], 1e-8) << i;
}

TEST(Softmax, LargeInputIsFiniteAndRight) {
  Graph g;
  Expr p = softmax(g.input("x", Tensor{{1000, 0}}));
  const TensorView& y = g.forward(p);
  EXPECT_EQ(y[0], 1.0);
  EXPECT_NEAR(y[1], 0.0, 1e-300);
  EXPECT_TRUE(std::isfinite(y[1]));
}

TEST(Softmax, RowsSumToOne) {
  Graph g;
  Rng rng(3);
  Expr p = softmax(g.input("x", random_normal(Shape{4, 3, 7}, rng)));
  const TensorView& y = g.forward(p);
  for (int r = 0; r < 12; ++r) {
    double total = 0;
    for (int c = 0; c < 7; ++c) total += y[r * 7 + c];
    EXPECT_NEAR(total, 1.0, 1e-14);
  }
}

TEST(Softmax, GradientMatchesFiniteDifferences) { EXPECT_OP_GRADIENTS_OK("softmax"); }

// Issue 16: an empty last axis dereferenced null. PyTorch gives empty
// results of the same shape (tests/ops/reference/torch_reference.cpp).
TEST(Softmax, AnEmptyLastAxisGivesAnEmptyResult) {
  for (const Shape& shape : {Shape{0}, Shape{3, 0}}) {
    Graph g;
    Expr x = g.input("x", Tensor(shape), true);
    Expr y = softmax(x);
    Expr loss = sum(y);
    EXPECT_EQ(g.forward(loss).item(), 0.0);
    g.backward(loss);
    EXPECT_EQ(y.shape(), shape);
    EXPECT_EQ(x.grad().shape(), shape);
  }
}
}  // namespace
}  // namespace dagrad
