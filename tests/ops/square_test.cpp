#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "support/error_message.hpp"
#include "support/op_gradients.hpp"

namespace dagrad {
namespace {

TEST(Square, ValuesAndGradient) {
  Graph g;
  Expr x = g.input("x", Tensor{{-3, 0.5}, {0, 2}}, true);
  Expr y = square(x);
  EXPECT_EQ(g.forward(y), (Tensor{{9, 0.25}, {0, 4}}));
  g.backward(y, Tensor{{1, 2}, {3, 4}});
  EXPECT_EQ(x.grad(), (Tensor{{-6, 2}, {0, 16}}));  // 2 x dy
}

TEST(Square, TakesOneInput) {
  Graph g;
  Expr a = g.input("a", Tensor{1});
  EXPECT_EQ(testing_support::error_message<ShapeError>([&] { g.apply("square", {a, a}, {}, "s"); }),
            "square \"s\": takes 1 input, got 2");
}

TEST(Square, GradientMatchesFiniteDifferences) { testing_support::expect_op_gradients("square"); }

}  // namespace
}  // namespace dagrad
