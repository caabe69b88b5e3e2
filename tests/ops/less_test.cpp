#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "support/error_message.hpp"

namespace dagrad {
namespace {
using testing_support::error_message;

TEST(Less, OnesAndZerosWithBroadcasting) {
  Graph g;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Expr a = g.input("a", Tensor{{1, 2, 3}, {-1e300, nan, 4}});
  Expr b = g.input("b", Tensor(Shape{2, 1}, {2.0, 0.0}));
  EXPECT_EQ(g.forward(less(a, b)), (Tensor{{1, 0, 0}, {1, 0, 0}}));  // a tie and NaN are not less
}

TEST(Less, Float32AndNoGradient) {
  Graph g;
  Expr x = g.input("x", Tensor(Shape{3}, std::vector<float>{-1, 2, 0.5f}), true);
  Expr mask = less(x, g.constant(Tensor(Shape{}, std::vector<float>{1})));
  EXPECT_EQ(g.forward(mask), Tensor(Shape{3}, std::vector<float>{1, 0, 1}));
  Expr y = sum(mul(x, mask));
  g.forward(y);
  g.backward(y);
  EXPECT_EQ(x.grad(), Tensor(Shape{3}, std::vector<float>{1, 0, 1}));
  auto op = OpRegistry::global().make("less");
  EXPECT_FALSE(op->differentiable(0));
  EXPECT_FALSE(op->differentiable(1));
}

TEST(Less, ShapesAndArityAreChecked) {
  Graph g;
  Expr a = g.input("a", Tensor(Shape{2, 3}));
  EXPECT_EQ(error_message<ShapeError>([&] { less(a, g.input("b", Tensor(Shape{3, 1})), "c"); }),
            "less \"c\": shapes (2, 3) and (3, 1) cannot broadcast");
  EXPECT_EQ(error_message<ShapeError>([&] { g.apply("less", {a, a, a}, {}, "c"); }), "less \"c\": takes 2 inputs, got 3");
}

}  // namespace
}  // namespace dagrad
