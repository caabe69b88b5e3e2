#include <cmath>

#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "support/error_message.hpp"
#include "support/op_gradients.hpp"

namespace dagrad {
namespace {

TEST(LogSoftmax, ValuesPerRow) {
  Graph g;
  Expr x = g.input("x", Tensor{{1, 2, 3}, {0, 0, 0}});
  const TensorView& y = g.forward(log_softmax(x));
  const double lse = std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0));  // 3.40760596444438
  EXPECT_NEAR(y.at({0, 0}), 1 - lse, 1e-15);
  EXPECT_NEAR(y.at({0, 2}), 3 - lse, 1e-15);
  EXPECT_NEAR(y.at({0, 2}), -0.40760596444437967, 1e-15);
  EXPECT_NEAR(y.at({1, 1}), -std::log(3.0), 1e-15);
}

TEST(LogSoftmax, StableForLargeLogits) {
  Graph g;
  Expr x = g.input("x", Tensor{{1000, 0}, {-1000, -1000}}, true);
  Expr y = log_softmax(x);
  const TensorView& v = g.forward(y);
  EXPECT_EQ(v.at({0, 0}), 0.0);
  EXPECT_EQ(v.at({0, 1}), -1000.0);
  EXPECT_NEAR(v.at({1, 0}), -std::log(2.0), 1e-15);
  EXPECT_NEAR(v.at({1, 1}), -std::log(2.0), 1e-15);
  g.backward(y, Tensor{{1, 0}, {1, 0}});
  EXPECT_EQ(x.grad().at({0, 0}), 0.0);
  EXPECT_NEAR(x.grad().at({0, 1}), 0.0, 1e-300);  // e^-1000, which Eigen's vectorized exp leaves as a denormal
  EXPECT_NEAR(x.grad().at({1, 0}), 0.5, 1e-15);
  EXPECT_NEAR(x.grad().at({1, 1}), -0.5, 1e-15);
}

TEST(LogSoftmax, TakesOneInput) {
  Graph g;
  Expr a = g.input("a", Tensor{1});
  EXPECT_EQ(testing_support::error_message<ShapeError>([&] { g.apply("log_softmax", {a, a}, {}, "l"); }),
            "log_softmax \"l\": takes 1 input, got 2");
}

TEST(LogSoftmax, GradientMatchesFiniteDifferences) { testing_support::expect_op_gradients("log_softmax"); }

// Issue 16: an empty last axis dereferenced null. PyTorch gives empty
// results of the same shape (tests/ops/reference/torch_reference.cpp).
TEST(LogSoftmax, AnEmptyLastAxisGivesAnEmptyResult) {
  for (const Shape& shape : {Shape{0}, Shape{3, 0}}) {
    Graph g;
    Expr x = g.input("x", Tensor(shape), true);
    Expr y = log_softmax(x);
    Expr loss = sum(y);
    EXPECT_EQ(g.forward(loss).item(), 0.0);
    g.backward(loss);
    EXPECT_EQ(y.shape(), shape);
    EXPECT_EQ(x.grad().shape(), shape);
  }
}
}  // namespace
}  // namespace dagrad
