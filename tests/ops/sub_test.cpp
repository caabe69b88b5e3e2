#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "support/error_message.hpp"
#include "support/op_gradients.hpp"

namespace dagrad {
namespace {
using testing_support::error_message;

TEST(Sub, ColumnFromBatchAndGradientSigns) {
  Graph g;
  Expr x = g.input("x", Tensor{{1, 2, 3}, {4, 5, 6}}, true);
  Expr c = g.input("c", Tensor(Shape{2, 1}, {1, 10}), true);
  Expr y = sub(x, c);
  EXPECT_EQ(g.forward(y), (Tensor{{0, 1, 2}, {-6, -5, -4}}));
  g.backward(y, Tensor{{1, 2, 3}, {4, 5, 6}});
  EXPECT_EQ(x.grad(), (Tensor{{1, 2, 3}, {4, 5, 6}}));
  EXPECT_EQ(c.grad(), (Tensor(Shape{2, 1}, {-6, -15})));  // minus the row sums of the seed
}

TEST(Sub, SameInputTwiceGivesZeroGradient) {
  Graph g;
  Expr x = g.input("x", Tensor{1, 2}, true);
  Expr y = sub(x, x);
  EXPECT_EQ(g.forward(y), (Tensor{0, 0}));
  g.backward(y, Tensor{1, 1});
  EXPECT_EQ(x.grad(), (Tensor{0, 0}));
}

TEST(Sub, ShapesThatCannotBroadcastAreNamed) {
  Graph g;
  Expr a = g.input("a", Tensor(Shape{2, 3}));
  Expr b = g.input("b", Tensor(Shape{2}));
  EXPECT_EQ(error_message<ShapeError>([&] { sub(a, b, "d"); }), "sub \"d\": shapes (2, 3) and (2,) cannot broadcast");
  EXPECT_EQ(error_message<ShapeError>([&] { g.apply("sub", {a, b, b}, {}, "three"); }),
            "sub \"three\": takes 2 inputs, got 3");
}

TEST(Sub, OperatorsBuildTheSameNodes) {
  Graph g;
  Expr a = g.input("a", Tensor{1, 2});
  Expr b = g.input("b", Tensor{5, 7});
  Expr d = a - b;
  EXPECT_EQ(g.node(d).op_name(), "sub");
  EXPECT_EQ(g.node(d).inputs()[0], a.id());
  EXPECT_EQ(g.node(d).inputs()[1], b.id());
  EXPECT_EQ(g.forward(d), (Tensor{-4, -5}));
  Expr right = a - 2.0;
  EXPECT_EQ(g.node(right).op_name(), "sub");
  EXPECT_EQ(g.node(right).inputs()[0], a.id());
  EXPECT_EQ(g.node(g.node(right).inputs()[1]).kind(), NodeKind::constant);
  EXPECT_EQ(g.node(g.node(right).inputs()[1]).shape(), Shape{});
  EXPECT_EQ(g.forward(right), (Tensor{-1, 0}));
  Expr left = 2.0 - a;
  EXPECT_EQ(g.node(left).op_name(), "sub");
  EXPECT_EQ(g.node(g.node(left).inputs()[0]).kind(), NodeKind::constant);
  EXPECT_EQ(g.node(left).inputs()[1], a.id());
  EXPECT_EQ(g.forward(left), (Tensor{1, 0}));
}

TEST(Sub, GradientMatchesFiniteDifferences) { testing_support::expect_op_gradients("sub"); }

}  // namespace
}  // namespace dagrad
