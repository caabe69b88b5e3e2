#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "support/error_message.hpp"

namespace dagrad {
namespace {
using testing_support::error_message;

TEST(Equal, OnesAndZerosWithBroadcasting) {
  Graph g;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Expr a = g.input("a", Tensor{{1, 2, nan}, {-0.0, 5, 1e300}});
  Expr b = g.input("b", Tensor{{0.0, 2, nan}});
  EXPECT_EQ(g.forward(equal(a, b)), (Tensor{{0, 1, 0}, {1, 0, 0}}));  // -0 == 0; NaN equals nothing
}

TEST(Equal, Float32AndNoGradient) {
  Graph g;
  Expr labels = g.input("labels", Tensor(Shape{3}, std::vector<float>{0, 2, 1}), true);
  Expr hits = equal(labels, g.constant(Tensor(Shape{}, std::vector<float>{2})));
  EXPECT_EQ(g.forward(hits), Tensor(Shape{3}, std::vector<float>{0, 1, 0}));
  Expr y = sum(mul(labels, hits));
  g.forward(y);
  g.backward(y);
  EXPECT_EQ(labels.grad(), Tensor(Shape{3}, std::vector<float>{0, 1, 0}));
  auto op = OpRegistry::global().make("equal");
  EXPECT_FALSE(op->differentiable(0));
  EXPECT_FALSE(op->differentiable(1));
}

TEST(Equal, ShapesAndArityAreChecked) {
  Graph g;
  Expr a = g.input("a", Tensor(Shape{2, 3}));
  EXPECT_EQ(error_message<ShapeError>([&] { equal(a, g.input("b", Tensor(Shape{2, 2})), "c"); }),
            "equal \"c\": shapes (2, 3) and (2, 2) cannot broadcast");
  EXPECT_EQ(error_message<ShapeError>([&] { g.apply("equal", {a}, {}, "c"); }), "equal \"c\": takes 2 inputs, got 1");
}

}  // namespace
}  // namespace dagrad
