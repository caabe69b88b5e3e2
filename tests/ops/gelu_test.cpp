#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "support/error_message.hpp"
#include "support/op_gradients.hpp"

namespace dagrad {
namespace {
using testing_support::error_message;

// Values of x Phi(x) and Phi(x) + x phi(x), from Python's math.erfc.
TEST(Gelu, ExactErfFormValuesAndGradient) {
  Graph g;
  Expr x = g.input("x", Tensor{-10, -3, -1, 0, 0.5, 1, 3, 10}, true);
  Expr y = gelu(x);
  g.forward(y);
  const double values[] = {-7.619853024160593e-23, -0.004049694094890287, -0.15865525393145707, 0.0,
                           0.34573123063700656,    0.8413447460685429,    2.99595030590511,     10.0};
  for (int i = 0; i < 8; ++i) EXPECT_DOUBLE_EQ(y.value().get(i), values[i]) << i;
  g.backward(y, Tensor(Shape{8}, 1.0));
  const double slopes[] = {-7.618400096464813e-22, -0.011945647204183927, -0.08331547058768629, 0.5,
                           0.8674951246561629,     1.0833154705876864,    1.011945647204184,    1.0};
  for (int i = 0; i < 8; ++i) EXPECT_DOUBLE_EQ(x.grad().get(i), slopes[i]) << i;
}

// PyTorch's (1 + erf(x / sqrt(2))) / 2 cancels to 0 in the far left tail
// (its gelu(-10) is -0); erfc keeps the value.
TEST(Gelu, LeftTailKeepsItsPrecision) {
  Graph g;
  Expr x = g.input("x", Tensor{-30.0});
  g.forward(gelu(x, "y"));
  EXPECT_LT(g.find("y").value().get(0), 0.0);
  EXPECT_GT(g.find("y").value().get(0), -1e-190);
}

TEST(Gelu, Float32) {
  Graph g;
  Expr x = g.input("x", Tensor(Shape{3}, std::vector<float>{-1, 0, 1}), true);
  Expr y = gelu(x);
  g.forward(y);
  EXPECT_FLOAT_EQ(y.value().get(0), -0.15865525393145707f);
  EXPECT_EQ(y.value().get(1), 0.0);
  EXPECT_FLOAT_EQ(y.value().get(2), 0.8413447460685429f);
  g.backward(y, Tensor(Shape{3}, std::vector<float>{1, 1, 1}));
  EXPECT_FLOAT_EQ(x.grad().get(0), -0.08331547058768629f);
  EXPECT_EQ(x.grad().get(1), 0.5);
}

TEST(Gelu, TakesOneInputAndNoAttributes) {
  Graph g;
  Expr x = g.input("x", Tensor{1});
  EXPECT_EQ(error_message<ShapeError>([&] { g.apply("gelu", {x, x}, {}, "g"); }), "gelu \"g\": takes 1 input, got 2");
  EXPECT_THROW(g.apply("gelu", {x}, {{"approximate", std::string("tanh")}}, "g"), Error);
}

TEST(Gelu, GradientMatchesFiniteDifferences) { testing_support::expect_op_gradients("gelu"); }

}  // namespace
}  // namespace dagrad
