#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "support/error_message.hpp"
#include "support/op_gradients.hpp"

namespace dagrad {
namespace {

TEST(Neg, ValuesAndGradient) {
  Graph g;
  Expr x = g.input("x", Tensor{{1, -2}, {0, 3.5}}, true);
  Expr y = neg(x);
  EXPECT_EQ(g.forward(y), (Tensor{{-1, 2}, {0, -3.5}}));
  g.backward(y, Tensor{{1, 2}, {3, 4}});
  EXPECT_EQ(x.grad(), (Tensor{{-1, -2}, {-3, -4}}));
}

TEST(Neg, UnaryMinusBuildsTheSameNode) {
  Graph g;
  Expr x = g.input("x", Tensor{1, -2});
  Expr y = -x;
  EXPECT_EQ(g.node(y).op_name(), "neg");
  ASSERT_EQ(g.node(y).inputs().size(), 1u);
  EXPECT_EQ(g.node(y).inputs()[0], x.id());
  EXPECT_EQ(g.forward(y), (Tensor{-1, 2}));
}

TEST(Neg, TakesOneInput) {
  Graph g;
  Expr a = g.input("a", Tensor{1});
  EXPECT_EQ(testing_support::error_message<ShapeError>([&] { g.apply("neg", {a, a}, {}, "n"); }),
            "neg \"n\": takes 1 input, got 2");
}

TEST(Neg, GradientMatchesFiniteDifferences) { testing_support::expect_op_gradients("neg"); }

}  // namespace
}  // namespace dagrad
