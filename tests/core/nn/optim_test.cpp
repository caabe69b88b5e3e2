// Optimizers' update math against hand-computed numbers, on
// L = sum(w^2) (an l2 loss against zeros), whose gradient is 2 w.
#include "dagrad/optim.hpp"

#include <cmath>
#include <limits>
#include <string>
#include <vector>

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

// ---- weight decay, AdamW, schedules and clipping ----
// Expected numbers from LibTorch 1.13 (torch::optim with the same settings on
// L = sum(w^2) from w = (1, -2)), and the formulas worked by hand.

TEST(WeightDecay, SgdCouplesTheL2PenaltyToTheGradient) {
  // g + lambda w = 2 w + 0.5 w = 2.5 w: w1 = w0 - 0.1 * 2.5 w0 = 0.75 w0, w2 = 0.5625 w0.
  Quadratic q;
  SGD sgd({q.w}, 0.1, 0.0, 0.5);
  EXPECT_EQ(sgd.weight_decay(), 0.5);
  q.step(sgd);
  EXPECT_DOUBLE_EQ(q.at(0), 0.75);
  EXPECT_DOUBLE_EQ(q.at(1), -1.5);
  q.step(sgd);
  EXPECT_DOUBLE_EQ(q.at(0), 0.5625);
  EXPECT_DOUBLE_EQ(q.at(1), -1.125);
  // With momentum 0.9: v1 = 2.5 w0, w1 = 0.75 w0; v2 = 0.9 v1 + 2.5 w1 = 4.125 w0, w2 = 0.3375 w0.
  Quadratic m;
  SGD momentum({m.w}, 0.1, 0.9, 0.5);
  m.step(momentum);
  m.step(momentum);
  EXPECT_DOUBLE_EQ(m.at(0), 0.33749999999999997);
  EXPECT_DOUBLE_EQ(m.at(1), -0.67499999999999993);
}

TEST(WeightDecay, AdamCouplesItThroughTheMoments) {
  // Step 1: g' = 2.5 w0, so w moves by lr * g' / (|g'| + eps) = 0.1 * sign(w0).
  Quadratic q;
  Adam adam({q.w}, 0.1, 0.9, 0.999, 1e-8, 0.5);
  q.step(adam);
  EXPECT_NEAR(q.at(0), 0.90000000039999994, 1e-15);
  EXPECT_NEAR(q.at(1), -1.9000000001999999, 1e-15);
  q.step(adam);
  q.step(adam);
  EXPECT_NEAR(q.at(0), 0.70158627263435336, 1e-14);
  EXPECT_NEAR(q.at(1), -1.7006233918933353, 1e-14);
}

// AdamW's update, worked from its formula for each step t:
//   w *= 1 - lr lambda;  m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
//   w -= lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps),  g = 2 w before the step.
std::vector<double> adamw_by_hand(double w, double lr, double lambda, int steps) {
  const double b1 = 0.9, b2 = 0.999, eps = 1e-8;
  double m = 0, v = 0;
  std::vector<double> trajectory;
  for (int t = 1; t <= steps; ++t) {
    const double g = 2 * w;
    w *= 1 - lr * lambda;
    m = b1 * m + (1 - b1) * g;
    v = b2 * v + (1 - b2) * g * g;
    w -= lr * (m / (1 - std::pow(b1, t))) / (std::sqrt(v / (1 - std::pow(b2, t))) + eps);
    trajectory.push_back(w);
  }
  return trajectory;
}

TEST(AdamW, DecouplesTheDecayFromTheGradient) {
  // PyTorch's defaults but lr 0.1: w1 = 0.99 w0 - 0.1 sign(w0) (to 1e-9).
  Quadratic q;
  AdamW adamw({q.w}, 0.1);
  EXPECT_EQ(adamw.weight_decay(), 0.01);
  const double torch0[] = {0.89900000049999995, 0.79851902716852152, 0.6989111831582322};
  const double torch1[] = {-1.8980000002499999, -1.7962725886447977, -1.6949445143849768};
  const std::vector<double> hand0 = adamw_by_hand(1.0, 0.1, 0.01, 3), hand1 = adamw_by_hand(-2.0, 0.1, 0.01, 3);
  for (int t = 0; t < 3; ++t) {
    q.step(adamw);
    EXPECT_NEAR(q.at(0), torch0[t], 1e-15) << "step " << t + 1;
    EXPECT_NEAR(q.at(1), torch1[t], 1e-15) << "step " << t + 1;
    EXPECT_NEAR(q.at(0), hand0[std::size_t(t)], 1e-15);
    EXPECT_NEAR(q.at(1), hand1[std::size_t(t)], 1e-15);
  }
  // A strong decay: lambda 0.5 shrinks w by 5% a step before Adam's move.
  Quadratic strong;
  AdamW decayed({strong.w}, 0.1, 0.9, 0.999, 1e-8, 0.5);
  for (int t = 0; t < 3; ++t) strong.step(decayed);
  EXPECT_NEAR(strong.at(0), 0.57497393074159664, 1e-15);
  EXPECT_NEAR(strong.at(1), -1.4310252436661588, 1e-15);
  EXPECT_NEAR(strong.at(0), adamw_by_hand(1.0, 0.1, 0.5, 3)[2], 1e-15);
}

TEST(AdamW, DefaultsAreTorchsAndFloat32Trains) {
  Graph g;
  Expr w = g.parameter("w", Tensor(Shape{2}, std::vector<float>{1.0f, -2.0f}));
  Expr loss = l2(w, g.constant(Tensor(Shape{2}, std::vector<float>{0.0f, 0.0f})));
  AdamW adamw({w});
  EXPECT_EQ(adamw.learning_rate(), 1e-3);
  g.forward(loss);
  g.backward(loss);
  adamw.step();
  // w1 = w0 (1 - 1e-3 * 1e-2) - 1e-3 sign(w0), in float32.
  EXPECT_FLOAT_EQ(w.value().data<float>()[0], 0.99899f);
  EXPECT_FLOAT_EQ(w.value().data<float>()[1], -1.99898f);
}

TEST(WeightDecay, StaleGradientsAreStillSkipped) {
  Quadratic q;
  Expr unused = q.g.parameter("unused", Tensor{5.0});
  AdamW adamw({q.w, unused}, 0.1, 0.9, 0.999, 1e-8, 0.5);
  q.step(adamw);
  EXPECT_EQ(unused.value()[0], 5.0);  // no gradient, so no decay either (PyTorch skips it too)
  EXPECT_EQ(adamw.skipped(), std::vector<std::string>{"unused"});
}

TEST(WeightDecay, InvalidSettingsAreErrors) {
  Quadratic q;
  EXPECT_THROW(SGD({q.w}, 0.1, 0.0, -1.0), Error);
  EXPECT_THROW(Adam({q.w}, 0.1, 0.9, 0.999, 1e-8, std::nan("")), Error);
  try {
    AdamW({q.w}, 0.1, 1.0);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "AdamW: betas must be in [0, 1), not 1 and 0.999");
  }
}

TEST(Schedules, StepLRAsPyTorchsClosedForm) {
  // lr = 0.5 * 0.1^floor(epoch / 3).
  Quadratic q;
  SGD sgd({q.w}, 0.5);
  StepLR schedule(sgd, 3, 0.1);
  EXPECT_EQ(schedule.epoch(), 0);
  const double expected[] = {0.5, 0.5, 0.05, 0.05, 0.05, 0.005, 0.005};  // epochs 1 to 7
  for (double lr : expected) {
    schedule.step();
    EXPECT_NEAR(sgd.learning_rate(), lr, 1e-17) << "epoch " << schedule.epoch();
  }
  EXPECT_EQ(schedule.epoch(), 7);
  EXPECT_EQ(schedule.base_learning_rate(), 0.5);
}

TEST(Schedules, CosineAnnealingAsPyTorchsClosedForm) {
  // lr = 0.01 + (0.1 - 0.01) (1 + cos(pi epoch / 4)) / 2.
  Quadratic q;
  Adam adam({q.w}, 0.1);
  CosineAnnealingLR schedule(adam, 4, 0.01);
  const double expected[] = {0.01 + 0.09 * (1 + std::sqrt(0.5)) / 2, 0.055, 0.01 + 0.09 * (1 - std::sqrt(0.5)) / 2,
                             0.01, 0.01 + 0.09 * (1 - std::sqrt(0.5)) / 2};  // epochs 1 to 5
  for (double lr : expected) {
    schedule.step();
    EXPECT_NEAR(adam.learning_rate(), lr, 1e-16) << "epoch " << schedule.epoch();
  }
  EXPECT_THROW(CosineAnnealingLR(adam, 0), Error);
  EXPECT_THROW(StepLR(adam, 0), Error);
}

TEST(Schedules, TheScheduledRateDrivesTheNextSteps) {
  // SGD on sum(w^2): each step multiplies w by 1 - 2 lr.
  Quadratic q;
  SGD sgd({q.w}, 0.25);
  StepLR schedule(sgd, 1, 0.5);
  q.step(sgd);  // lr 0.25: w = 0.5
  schedule.step();
  q.step(sgd);  // lr 0.125: w = 0.375
  EXPECT_DOUBLE_EQ(q.at(0), 0.375);
}

// L = 3 a0 + 4 a1 + 12 b: gradients (3, 4) and (12), total norm 13.
struct Linear {
  Graph g;
  Expr a = g.parameter("a", Tensor{3.0, 4.0});
  Expr b = g.parameter("b", Tensor{12.0});
  Expr loss = add(sum(mul(a, g.constant(Tensor{3.0, 4.0}))), sum(mul(b, g.constant(Tensor{12.0}))));
  void backward() {
    g.forward(loss);
    g.backward(loss);
  }
};

TEST(ClipGradNorm, ScalesEveryGradientByMaxNormOverTheTotalAsPyTorch) {
  Linear l;
  l.backward();
  EXPECT_DOUBLE_EQ(clip_grad_norm(l.g, {l.a, l.b}, 6.5), 13.0);
  // LibTorch's clip_grad_norm_: scale 6.5 / (13 + 1e-6).
  EXPECT_DOUBLE_EQ(l.a.grad()[0], 1.4999998846153937);
  EXPECT_DOUBLE_EQ(l.a.grad()[1], 1.9999998461538582);
  EXPECT_DOUBLE_EQ(l.b.grad()[0], 5.9999995384615747);
  EXPECT_TRUE(l.g.grad_is_fresh(l.a));
}

TEST(ClipGradNorm, LeavesSmallNormsAloneAndSkipsStaleGradients) {
  Linear l;
  l.backward();
  EXPECT_DOUBLE_EQ(clip_grad_norm(l.g, {l.a, l.b}, 13.0), 13.0);  // 13 / (13 + 1e-6) < 1: scaled
  EXPECT_LT(l.a.grad()[0], 3.0);
  l.backward();
  EXPECT_DOUBLE_EQ(clip_grad_norm(l.g, {l.a, l.b}, 14.0), 13.0);  // scale above 1: untouched
  EXPECT_EQ(l.a.grad()[0], 3.0);
  // A parameter the last backward did not reach neither counts nor changes.
  Expr stale = l.g.parameter("stale", Tensor{100.0});
  Expr other_loss = sum(mul(stale, l.g.constant(Tensor{100.0})));
  l.g.forward(other_loss);
  l.g.backward(other_loss);
  l.backward();
  EXPECT_DOUBLE_EQ(clip_grad_norm(l.g, {l.a, l.b, stale}, 100.0), 13.0);
  EXPECT_EQ(stale.grad()[0], 100.0);
}

TEST(ClipGradNorm, Float32AndErrors) {
  Graph g;
  Expr w = g.parameter("w", Tensor(Shape{2}, std::vector<float>{3.0f, 4.0f}));
  Expr loss = sum(mul(w, w));  // gradient 2 w = (6, 8): norm 10
  g.forward(loss);
  g.backward(loss);
  EXPECT_DOUBLE_EQ(clip_grad_norm(g, {w}, 5.0), 10.0);
  EXPECT_FLOAT_EQ(w.grad().data<float>()[0], 3.0f);
  EXPECT_FLOAT_EQ(w.grad().data<float>()[1], 4.0f);
  EXPECT_THROW(clip_grad_norm(g, {w}, -1.0), Error);
  Graph other;
  Expr foreign = other.parameter("foreign", Tensor{1.0});
  EXPECT_THROW(clip_grad_norm(g, {foreign}, 1.0), Error);
  g.set_value(w, Tensor(Shape{2}, std::vector<float>{std::numeric_limits<float>::infinity(), 1.0f}));
  g.forward(loss);
  g.backward(loss);
  try {
    clip_grad_norm(g, {w}, 1.0);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "clip_grad_norm: the gradient of \"w\" has norm inf, so the total norm is not finite");
  }
}

}  // namespace
}  // namespace dagrad
