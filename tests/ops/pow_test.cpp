#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "support/error_message.hpp"
#include "support/op_gradients.hpp"

namespace dagrad {
namespace {
using testing_support::error_message;

TEST(Pow, IntegerExponentOnBothSigns) {
  Graph g;
  Expr x = g.input("x", Tensor{-2, -0.5, 0, 3}, true);
  Expr y = pow(x, 3.0);
  EXPECT_EQ(g.forward(y), (Tensor{-8, -0.125, 0, 27}));
  g.backward(y, Tensor{1, 1, 1, 2});
  EXPECT_EQ(x.grad(), (Tensor{12, 0.75, 0, 54}));  // 3 x^2; 0 at x = 0
}

TEST(Pow, FractionalAndNegativeExponents) {
  Graph g;
  Expr x = g.input("x", Tensor{4, 0.25, 1e10}, true);
  Expr root = pow(x, 0.5);
  EXPECT_EQ(g.forward(root), (Tensor{2, 0.5, 1e5}));
  g.backward(root, Tensor{1, 1, 1});
  EXPECT_EQ(x.grad(), (Tensor{0.25, 1, 0.5e-5}));  // 0.5 x^-0.5
  Expr inverse = pow(x, -1.0);
  EXPECT_EQ(g.forward(inverse), (Tensor{0.25, 4, 1e-10}));
  g.backward(inverse, Tensor{1, 1, 1});
  EXPECT_EQ(x.grad(), (Tensor{-1.0 / 16, -16, -1e-20}));  // -x^-2
}

// PyTorch's conventions at x = 0 and for exponent 0.
TEST(Pow, AtZeroAsPyTorch) {
  Graph g;
  Expr x = g.input("x", Tensor{0, -1.5}, true);
  Expr root = pow(x, 0.5);
  EXPECT_EQ(g.forward(root)[0], 0.0);
  EXPECT_TRUE(std::isnan(root.value()[1]));  // a negative base, a non-integer exponent
  g.backward(root, Tensor{1, 1});
  EXPECT_EQ(x.grad()[0], std::numeric_limits<double>::infinity());  // 0.5 * 0^-0.5
  Expr linear = pow(x, 1.0);
  g.forward(linear);
  g.backward(linear, Tensor{2, 2});
  EXPECT_EQ(x.grad(), (Tensor{2, 2}));  // 1 * 0^0 = 1
  Expr one = pow(x, 0.0);
  EXPECT_EQ(g.forward(one), (Tensor{1, 1}));
  g.backward(one, Tensor{1, 1});
  EXPECT_EQ(x.grad(), (Tensor{0, 0}));
}

TEST(Pow, Float32) {
  Graph g;
  Expr x = g.input("x", Tensor(Shape{2}, std::vector<float>{2.0f, -3.0f}), true);
  Expr y = pow(x, 2.0);
  EXPECT_EQ(g.forward(y), Tensor(Shape{2}, std::vector<float>{4, 9}));
  g.backward(y, Tensor(Shape{2}, std::vector<float>{1, 1}));
  EXPECT_EQ(x.grad(), Tensor(Shape{2}, std::vector<float>{4, -6}));
}

TEST(Pow, AttributesAndLabel) {
  Graph g;
  Expr x = g.input("x", Tensor{1});
  Expr y = pow(x, 2.5, "p");
  EXPECT_EQ(g.node(y).op()->attrs(), (Attrs{{"exponent", 2.5}}));
  EXPECT_EQ(g.node(y).op()->label(), "pow 2.5");
  EXPECT_EQ(error_message([&] { g.apply("pow", {x}, {}, "q"); }), "pow: missing attribute \"exponent\"");
  EXPECT_EQ(error_message([&] { pow(x, std::numeric_limits<double>::infinity()); }),
            "pow: the exponent must be finite, got inf");
  EXPECT_THROW(g.apply("pow", {x}, {{"exponent", 2.0}, {"power", 2.0}}, "q"), Error);
  EXPECT_EQ(error_message<ShapeError>([&] { g.apply("pow", {x, x}, {{"exponent", 2.0}}, "q"); }),
            "pow \"q\": takes 1 input, got 2");
}

TEST(Pow, GradientMatchesFiniteDifferences) { testing_support::expect_op_gradients("pow"); }

}  // namespace
}  // namespace dagrad
