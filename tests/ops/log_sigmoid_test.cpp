#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "support/error_message.hpp"
#include "support/op_gradients.hpp"

namespace dagrad {
namespace {
using testing_support::error_message;

TEST(LogSigmoid, StableAtLargeMagnitudes) {
  Graph g;
  Expr x = g.input("x", Tensor{-1000, -40, -1, 0, 1, 40, 1000}, true);
  Expr y = log_sigmoid(x);
  g.forward(y);
  const double values[] = {-1000, -40, -1.3132616875182228, -0.6931471805599453, -0.31326168751822286,
                           -4.248354255291589e-18, 0};
  for (int i = 0; i < 7; ++i) EXPECT_DOUBLE_EQ(y.value().get(i), values[i]) << i;
  g.backward(y, Tensor(Shape{7}, 1.0));
  const double slopes[] = {1, 1, 0.7310585786300049, 0.5, 0.2689414213699951, 4.248354255291589e-18, 0};
  for (int i = 0; i < 7; ++i) EXPECT_DOUBLE_EQ(x.grad().get(i), slopes[i]) << i;  // sigmoid(-x)
}

TEST(LogSigmoid, IsMinusSoftplusOfMinusX) {
  Graph g;
  Expr x = g.input("x", Tensor{-3, -0.25, 0.5, 7});
  Expr direct = log_sigmoid(x);
  Expr composed = neg(softplus(neg(x)));
  g.forward(direct);
  g.forward(composed);
  for (int i = 0; i < 4; ++i) EXPECT_DOUBLE_EQ(direct.value().get(i), composed.value().get(i)) << i;
}

TEST(LogSigmoid, Float32) {
  Graph g;
  Expr x = g.input("x", Tensor(Shape{2}, std::vector<float>{-200, 0}), true);
  Expr y = log_sigmoid(x);
  g.forward(y);
  EXPECT_EQ(y.value().get(0), -200.0);
  EXPECT_FLOAT_EQ(y.value().get(1), -0.6931471805599453f);
  g.backward(y, Tensor(Shape{2}, std::vector<float>{1, 1}));
  EXPECT_EQ(x.grad().get(0), 1.0);
  EXPECT_EQ(x.grad().get(1), 0.5);
}

TEST(LogSigmoid, TakesOneInput) {
  Graph g;
  Expr x = g.input("x", Tensor{1});
  EXPECT_EQ(error_message<ShapeError>([&] { g.apply("log_sigmoid", {x, x}, {}, "l"); }),
            "log_sigmoid \"l\": takes 1 input, got 2");
}

TEST(LogSigmoid, GradientMatchesFiniteDifferences) { testing_support::expect_op_gradients("log_sigmoid"); }

}  // namespace
}  // namespace dagrad
