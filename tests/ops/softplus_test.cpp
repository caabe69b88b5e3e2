#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "support/error_message.hpp"
#include "support/op_gradients.hpp"

namespace dagrad {
namespace {
using testing_support::error_message;

TEST(Softplus, ValuesAndTheLinearRevertAboveTheThreshold) {
  Graph g;
  Expr x = g.input("x", Tensor{-800, -30, -1, 0, 1, 20, 20.5, 800}, true);
  Expr y = softplus(x);
  g.forward(y);
  const double values[] = {0.0, 9.357622968839737e-14, 0.31326168751822286, 0.6931471805599453,
                           1.3132616875182228, 20.000000002061153, 20.5, 800};
  for (int i = 0; i < 8; ++i) EXPECT_DOUBLE_EQ(y.value().get(i), values[i]) << i;
  EXPECT_EQ(y.value().get(6), 20.5);  // beta x > threshold: x itself, as PyTorch
  g.backward(y, Tensor(Shape{8}, 1.0));
  const double slopes[] = {0.0, 9.3576229688393e-14, 0.2689414213699951, 0.5, 0.7310585786300049,
                           0.9999999979388463, 1.0, 1.0};
  for (int i = 0; i < 8; ++i) EXPECT_DOUBLE_EQ(x.grad().get(i), slopes[i]) << i;
}

TEST(Softplus, BetaAndThresholdInFloat32) {
  Graph g;
  Expr x = g.input("x", Tensor(Shape{3}, std::vector<float>{-1, 0.5f, 2}), true);
  Expr y = softplus(x, 2.0, 2.0);  // switches to x where 2x > 2
  g.forward(y);
  EXPECT_FLOAT_EQ(y.value().get(0), std::log1p(std::exp(-2.0f)) / 2);
  EXPECT_FLOAT_EQ(y.value().get(1), std::log1p(std::exp(1.0f)) / 2);
  EXPECT_EQ(y.value().get(2), 2.0);
  g.backward(y, Tensor(Shape{3}, std::vector<float>{1, 1, 1}));
  EXPECT_FLOAT_EQ(x.grad().get(0), 1 / (1 + std::exp(2.0f)));  // sigmoid(beta x)
  EXPECT_FLOAT_EQ(x.grad().get(1), 1 / (1 + std::exp(-1.0f)));
  EXPECT_EQ(x.grad().get(2), 1.0);
}

TEST(Softplus, DeclaresTheSwitchAsAKink) {
  auto op = OpRegistry::global().make("softplus", {{"beta", 2.0}, {"threshold", 3.0}});
  EXPECT_TRUE(op->has_kinks());
  Tensor x{1.0, 1.5, 2.5};
  TensorView views[] = {x};
  EXPECT_EQ(op->kink_offset(views, 0), -0.5);  // the switch is at x = threshold / beta = 1.5
  EXPECT_EQ(op->kink_offset(views, 1), 0.0);
  EXPECT_EQ(op->kink_offset(views, 2), 1.0);
}

TEST(Softplus, AttributesAndArity) {
  Graph g;
  Expr x = g.input("x", Tensor{1});
  EXPECT_EQ(g.node(softplus(x)).op()->attrs(), (Attrs{{"beta", 1.0}, {"threshold", 20.0}}));
  EXPECT_EQ(error_message([&] { softplus(x, 0.0); }),
            "softplus: needs a finite beta > 0 and a finite threshold, got beta 0 and threshold 20");
  EXPECT_EQ(error_message([&] { softplus(x, 1.0, std::numeric_limits<double>::infinity()); }),
            "softplus: needs a finite beta > 0 and a finite threshold, got beta 1 and threshold inf");
  EXPECT_THROW(g.apply("softplus", {x}, {{"alpha", 1.0}}, "s"), Error);
  EXPECT_EQ(error_message<ShapeError>([&] { g.apply("softplus", {x, x}, {}, "s"); }),
            "softplus \"s\": takes 1 input, got 2");
}

TEST(Softplus, GradientMatchesFiniteDifferences) { testing_support::expect_op_gradients("softplus"); }

}  // namespace
}  // namespace dagrad
