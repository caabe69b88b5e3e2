// Optimizers' update math against hand-computed numbers, on
// L = sum(w^2) (an l2 loss against zeros), whose gradient is 2 w.
#include "dagrad/optim.hpp"

#include <gtest/gtest.h>

#include "dagrad/ops.hpp"

namespace dagrad {
namespace {

struct Quadratic {
  Graph g;
  Expr w = g.parameter("w", Tensor{1.0, -2.0});
  Expr loss = l2(w, g.constant(Tensor{0.0, 0.0}), "loss");

  void step(Optimizer& optimizer) {
    g.forward(loss);
    g.backward(loss);
    optimizer.step();
  }
  double at(int i) const { return w.value()[i]; }
};

TEST(Optimizers, SgdOneAndTwoSteps) {
  // w1 = w0 - 0.1 * 2 w0 = 0.8 w0; w2 = 0.64 w0.
  Quadratic q;
  SGD sgd({q.w}, 0.1);
  q.step(sgd);
  EXPECT_DOUBLE_EQ(q.at(0), 0.8);
  EXPECT_DOUBLE_EQ(q.at(1), -1.6);
  q.step(sgd);
  EXPECT_DOUBLE_EQ(q.at(0), 0.64);
  EXPECT_DOUBLE_EQ(q.at(1), -1.28);
}

TEST(Optimizers, MomentumOneAndTwoSteps) {
  // v1 = g0 = (2, -4): w1 = (0.8, -1.6).
  // g1 = (1.6, -3.2); v2 = 0.9 v1 + g1 = (3.4, -6.8): w2 = w1 - 0.1 v2 = (0.46, -0.92).
  Quadratic q;
  SGD momentum({q.w}, 0.1, 0.9);
  q.step(momentum);
  EXPECT_DOUBLE_EQ(q.at(0), 0.8);
  EXPECT_DOUBLE_EQ(q.at(1), -1.6);
  q.step(momentum);
  EXPECT_NEAR(q.at(0), 0.46, 1e-15);
  EXPECT_NEAR(q.at(1), -0.92, 1e-15);
}

TEST(Optimizers, AdamOneAndTwoSteps) {
  // Step 1: m = 0.1 g, v = 0.001 g^2; corrected m/(1-0.9) = g and v/(1-0.999) = g^2,
  // so w moves by lr * g / (|g| + eps): w1 = 1 - 0.1 * 2 / (2 + 1e-8) = 0.9000000005.
  // Step 2 (g1 = 2 w1 = 1.800000001): m = 0.9 * 0.2 + 0.1 * g1 = 0.3600000001,
  // v = 0.999 * 0.004 + 0.001 * g1^2 = 0.0072360000036; corrected by 1 - 0.81 = 0.19 and
  // 1 - 0.998001 = 0.001999: w2 = w1 - 0.1 * (m / 0.19) / (sqrt(v / 0.001999) + 1e-8).
  Quadratic q;
  Adam adam({q.w}, 0.1);
  q.step(adam);
  EXPECT_NEAR(q.at(0), 0.9000000005, 1e-15);
  EXPECT_NEAR(q.at(1), -1.90000000025, 1e-15);
  q.step(adam);
  EXPECT_NEAR(q.at(0), 0.8004122286917928, 1e-14);
  EXPECT_NEAR(q.at(1), -1.8001664861157012, 1e-14);
}

TEST(Optimizers, LearningRateCanChangeBetweenSteps) {
  Quadratic q;
  SGD sgd({q.w}, 0.1);
  sgd.set_learning_rate(0.25);
  EXPECT_EQ(sgd.learning_rate(), 0.25);
  q.step(sgd);  // w1 = w0 - 0.25 * 2 w0 = 0.5 w0
  EXPECT_DOUBLE_EQ(q.at(0), 0.5);
  EXPECT_THROW(sgd.set_learning_rate(-1.0), Error);
}

TEST(Optimizers, ParametersWithoutGradientsAreLeftAlone) {
  Quadratic q;
  Expr unused = q.g.parameter("unused", Tensor{5.0});
  Adam adam({q.w, unused}, 0.1);
  q.step(adam);
  EXPECT_EQ(unused.value()[0], 5.0);
  EXPECT_NEAR(q.at(0), 0.9000000005, 1e-15);
}

TEST(Optimizers, ZeroGradWithAccumulation) {
  // Two accumulated passes double the gradient; zero_grad starts afresh.
  Quadratic q;
  SGD sgd({q.w}, 0.1);
  BackwardOptions accumulate;
  accumulate.accumulate = true;
  sgd.zero_grad();
  q.g.forward(q.loss);
  q.g.backward(q.loss, accumulate);
  q.g.backward(q.loss, accumulate);
  EXPECT_DOUBLE_EQ(q.w.grad()[0], 4.0);
  sgd.zero_grad();
  EXPECT_DOUBLE_EQ(q.w.grad()[0], 0.0);
  q.g.backward(q.loss, accumulate);
  sgd.step();  // w -= 0.1 * 2
  EXPECT_DOUBLE_EQ(q.at(0), 0.8);
}

TEST(Optimizers, RejectNodesThatAreNotParameters) {
  Graph g;
  Expr x = g.input("x", Tensor{1.0}, true);
  EXPECT_THROW(SGD({x}, 0.1), Error);
  Graph other;
  Expr a = g.parameter("a", Tensor{1.0});
  Expr b = other.parameter("b", Tensor{1.0});
  EXPECT_THROW(Adam({a, b}), Error);
  EXPECT_THROW(SGD({a}, 0.1, 1.5), Error);
}

TEST(Optimizers, ShapeChangeAfterConstructionIsAnError) {
  Graph g;
  Expr w = g.parameter("w", Tensor{1.0, 2.0});
  Adam adam({w});
  g.set_value(w, Tensor{1.0, 2.0, 3.0});
  Expr loss = l2(w, g.constant(Tensor{0.0, 0.0, 0.0}));
  g.forward(loss);
  g.backward(loss);
  try {
    adam.step();
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("\"w\""), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace dagrad
