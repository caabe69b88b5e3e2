#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "support/error_message.hpp"
#include "support/op_gradients.hpp"

namespace dagrad {
namespace {
using testing_support::error_message;

TEST(Elu, ValuesIncludingLargeAndTinyInputs) {
  Graph g;
  Expr x = g.input("x", Tensor{-1000, -2, -1e-10, 0, 3, 1e300}, true);
  Expr y = elu(x);
  const TensorView& value = g.forward(y);
  EXPECT_EQ(value.get(0), -1.0);
  EXPECT_DOUBLE_EQ(value.get(1), -0.8646647167633873);
  EXPECT_EQ(value.get(2), std::expm1(-1e-10));  // expm1: e^x - 1 would lose half the digits
  EXPECT_DOUBLE_EQ(value.get(2), -9.999999999500001e-11);
  EXPECT_EQ(value.get(3), 0.0);
  EXPECT_EQ(value.get(4), 3.0);
  EXPECT_EQ(value.get(5), 1e300);
  g.backward(y, Tensor{1, 1, 1, 1, 1, 1});
  EXPECT_EQ(x.grad()[0], 0.0);
  EXPECT_DOUBLE_EQ(x.grad()[1], 0.1353352832366127);  // e^x
  EXPECT_EQ(x.grad()[3], 1.0);                         // alpha e^0 at x = 0, as PyTorch
  EXPECT_EQ(x.grad()[4], 1.0);
}

TEST(Elu, AlphaScalesTheNegativeSideAndMakesAKink) {
  Graph g;
  Expr x = g.input("x", Tensor(Shape{3}, std::vector<float>{-1, 0, 2}), true);
  Expr y = elu(x, 0.5);
  g.forward(y);
  EXPECT_FLOAT_EQ(y.value().get(0), 0.5f * std::expm1(-1.0f));
  EXPECT_EQ(y.value().get(1), 0.0);
  g.backward(y, Tensor(Shape{3}, std::vector<float>{1, 1, 1}));
  EXPECT_FLOAT_EQ(x.grad().get(0), 0.5f * std::exp(-1.0f));
  EXPECT_EQ(x.grad().get(1), 0.5);  // PyTorch takes the exponential branch at x = 0
  EXPECT_EQ(x.grad().get(2), 1.0);
  EXPECT_TRUE(OpRegistry::global().make("elu", {{"alpha", 0.5}})->has_kinks());
  EXPECT_FALSE(OpRegistry::global().make("elu")->has_kinks());  // alpha 1: slope 1 on both sides of 0
}

TEST(Elu, AttributesAndArity) {
  Graph g;
  Expr x = g.input("x", Tensor{1});
  EXPECT_EQ(g.node(elu(x)).op()->attrs(), (Attrs{{"alpha", 1.0}}));
  EXPECT_EQ(error_message([&] { elu(x, std::numeric_limits<double>::quiet_NaN()); }), "elu: alpha must be finite, got nan");
  EXPECT_THROW(g.apply("elu", {x}, {{"alpha", std::string("one")}}, "e"), Error);
  EXPECT_EQ(error_message<ShapeError>([&] { g.apply("elu", {}, {}, "e"); }), "elu \"e\": takes 1 input, got 0");
}

TEST(Elu, GradientMatchesFiniteDifferences) { testing_support::expect_op_gradients("elu"); }

}  // namespace
}  // namespace dagrad
