#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "support/error_message.hpp"
#include "support/op_gradients.hpp"

namespace dagrad {
namespace {
using testing_support::error_message;

TEST(SoftmaxCrossEntropy, MeanOverTheBatchAndGradient) {
  Graph g;
  Expr z = g.input("z", Tensor{{1, 2, 3}, {0, 0, 0}}, true);
  Expr labels = g.input("labels", Tensor{2, 0});
  Expr loss = softmax_cross_entropy(z, labels);
  const double lse = std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0));
  // Row 0: lse - 3 = 0.40760596444437967; row 1: log 3.
  EXPECT_NEAR(g.forward(loss)[0], (0.40760596444437967 + std::log(3.0)) / 2, 1e-15);
  g.backward(loss);
  // (softmax - onehot) / batch
  EXPECT_NEAR(z.grad().at({0, 0}), std::exp(1 - lse) / 2, 1e-15);
  EXPECT_NEAR(z.grad().at({0, 2}), (std::exp(3 - lse) - 1) / 2, 1e-15);
  EXPECT_NEAR(z.grad().at({1, 0}), (1.0 / 3 - 1) / 2, 1e-15);
  EXPECT_NEAR(z.grad().at({1, 1}), 1.0 / 6, 1e-15);
  EXPECT_THROW(labels.grad(), Error);  // labels take no gradient
  EXPECT_FALSE(g.node(loss).op()->differentiable(1));
  EXPECT_TRUE(g.node(loss).op()->differentiable(0));
}

TEST(SoftmaxCrossEntropy, ColumnLabelsAndLargeLogits) {
  Graph g;
  Expr z = g.input("z", Tensor{{1000, 0}, {0, -1000}});
  Expr labels = g.input("labels", Tensor(Shape{2, 1}, {1, 0}));
  // Row 0: 1000 - 0; row 1: 0 - 0 (log(1 + e^-1000) is 0).
  EXPECT_EQ(g.forward(softmax_cross_entropy(z, labels))[0], 500.0);
}

TEST(SoftmaxCrossEntropy, ShapeErrors) {
  Graph g;
  Expr z = g.input("z", Tensor(Shape{3, 4}));
  Expr v = g.input("v", Tensor(Shape{4}));
  Expr wrong = g.input("wrong", Tensor(Shape{2}));
  Expr wide = g.input("wide", Tensor(Shape{3, 2}));
  EXPECT_EQ(error_message<ShapeError>([&] { softmax_cross_entropy(v, v, "a"); }),
            "softmax_cross_entropy \"a\": logits must be (batch, classes), got shape (4,)");
  EXPECT_EQ(error_message<ShapeError>([&] { softmax_cross_entropy(z, wrong, "b"); }),
            "softmax_cross_entropy \"b\": labels of shape (2,) do not fit logits of shape (3, 4): expected (3,) or (3, 1)");
  EXPECT_EQ(error_message<ShapeError>([&] { softmax_cross_entropy(z, wide, "c"); }),
            "softmax_cross_entropy \"c\": labels of shape (3, 2) do not fit logits of shape (3, 4): expected (3,) or (3, 1)");
  EXPECT_EQ(error_message<ShapeError>([&] { g.apply("softmax_cross_entropy", {z}, {}, "d"); }),
            "softmax_cross_entropy \"d\": takes 2 inputs, got 1");
}

TEST(SoftmaxCrossEntropy, InvalidLabelsStopForward) {
  Graph g;
  Expr z = g.input("z", Tensor(Shape{3, 4}));
  Expr labels = g.input("labels", Tensor{0, 3, 4});
  Expr loss = softmax_cross_entropy(z, labels, "loss");
  EXPECT_EQ(error_message([&] { g.forward(loss); }),
            "softmax_cross_entropy \"loss\": label 4 in row 2 is not a class index: logits have 4 classes, so labels must be "
            "whole numbers 0 to 3");
  g.set_value(labels, Tensor{0, 1.5, 2});
  EXPECT_EQ(error_message([&] { g.forward(loss); }),
            "softmax_cross_entropy \"loss\": label 1.5 in row 1 is not a class index: logits have 4 classes, so labels must be "
            "whole numbers 0 to 3");
  g.set_value(labels, Tensor{-1, 0, 0});
  EXPECT_NE(error_message([&] { g.forward(loss); }).find("label -1 in row 0"), std::string::npos);
  g.set_value(labels, Tensor{0, 0, std::numeric_limits<double>::quiet_NaN()});
  EXPECT_NE(error_message([&] { g.forward(loss); }).find("label nan in row 2"), std::string::npos);
  g.set_value(labels, Tensor{0, 3, 2});
  EXPECT_NEAR(g.forward(loss)[0], std::log(4.0), 1e-15);  // zero logits: uniform over 4 classes
  // Built by name (as from a graph file), the graph still names the node.
  Expr by_name = g.apply("softmax_cross_entropy", {z, g.input("bad", Tensor{0, 0, 9})}, {}, "other");
  EXPECT_EQ(error_message([&] { g.forward(by_name); }),
            "softmax_cross_entropy \"other\": label 9 in row 2 is not a class index: logits have 4 classes, so labels must be "
            "whole numbers 0 to 3");
}

TEST(SoftmaxCrossEntropy, GradientMatchesFiniteDifferences) {
  testing_support::expect_op_gradients("softmax_cross_entropy");
}

}  // namespace
}  // namespace dagrad
