#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "support/error_message.hpp"
#include "support/op_gradients.hpp"

namespace dagrad {
namespace {
using testing_support::error_message;

TEST(Add, RowBiasOnABatch) {
  Graph g;
  Expr x = g.input("x", Tensor{{1, 2, 3}, {4, 5, 6}}, true);
  Expr b = g.parameter("b", Tensor{10, 20, 30});
  Expr y = add(x, b, "y");
  EXPECT_EQ(g.forward(y), (Tensor{{11, 22, 33}, {14, 25, 36}}));
  g.backward(y, Tensor{{1, 2, 3}, {4, 5, 6}});
  EXPECT_EQ(b.grad(), (Tensor{5, 7, 9}));  // column sums of the seed
  EXPECT_EQ(x.grad(), (Tensor{{1, 2, 3}, {4, 5, 6}}));
}

TEST(Add, ColumnWithRowIsAnOuterSum) {
  Graph g;
  Expr a = g.input("a", Tensor(Shape{3, 1}, {1, 2, 3}), true);
  Expr b = g.input("b", Tensor{{10, 20, 30, 40}}, true);
  Expr y = add(a, b);
  EXPECT_EQ(g.forward(y), (Tensor{{11, 21, 31, 41}, {12, 22, 32, 42}, {13, 23, 33, 43}}));
  g.backward(y, Tensor(Shape{3, 4}, 1.0));
  EXPECT_EQ(a.grad(), (Tensor(Shape{3, 1}, {4, 4, 4})));
  EXPECT_EQ(b.grad(), (Tensor{{3, 3, 3, 3}}));
}

TEST(Add, RankThreeGeneralBroadcast) {
  Graph g;
  Expr a = g.input("a", Tensor{{{1, 2}}, {{3, 4}}}, true);  // (2, 1, 2)
  Expr b = g.input("b", Tensor(Shape{3, 1}, {100, 200, 300}), true);  // (3, 1)
  Expr y = add(a, b);
  const TensorView& v = g.forward(y);
  ASSERT_EQ(v.shape(), (Shape{2, 3, 2}));
  EXPECT_EQ(v.at({1, 2, 0}), 303);
  EXPECT_EQ(v.at({0, 1, 1}), 202);
  g.backward(y, Tensor(Shape{2, 3, 2}, 1.0));
  EXPECT_EQ(a.grad(), (Tensor{{{3, 3}}, {{3, 3}}}));
  EXPECT_EQ(b.grad(), (Tensor(Shape{3, 1}, {4, 4, 4})));
}

TEST(Add, SameInputTwiceAccumulates) {
  Graph g;
  Expr x = g.input("x", Tensor{1, 2}, true);
  Expr y = add(x, x);
  EXPECT_EQ(g.forward(y), (Tensor{2, 4}));
  g.backward(y, Tensor{1, 1});
  EXPECT_EQ(x.grad(), (Tensor{2, 2}));
}

TEST(Add, ShapesThatCannotBroadcastAreNamed) {
  Graph g;
  Expr a = g.input("a", Tensor(Shape{3, 2}));
  Expr b = g.input("b", Tensor(Shape{4}));
  EXPECT_EQ(error_message<ShapeError>([&] { add(a, b, "h"); }), "add \"h\": shapes (3, 2) and (4,) cannot broadcast");
  EXPECT_EQ(error_message<ShapeError>([&] { g.apply("add", {a}, {}, "one"); }), "add \"one\": takes 2 inputs, got 1");
}

TEST(Add, OperatorsBuildTheSameNodes) {
  Graph g;
  Expr a = g.input("a", Tensor{1, 2});
  Expr b = g.input("b", Tensor{3, 4});
  Expr sum_node = a + b;
  EXPECT_EQ(g.node(sum_node).op_name(), "add");
  EXPECT_EQ(g.node(sum_node).inputs()[0], a.id());
  EXPECT_EQ(g.node(sum_node).inputs()[1], b.id());
  Expr right = a + 2.0;
  EXPECT_EQ(g.node(right).op_name(), "add");
  EXPECT_EQ(g.node(right).inputs()[0], a.id());
  const Node& c1 = g.node(g.node(right).inputs()[1]);
  EXPECT_EQ(c1.kind(), NodeKind::constant);
  EXPECT_EQ(c1.shape(), Shape{});
  EXPECT_EQ(c1.value()[0], 2.0);
  Expr left = 2.0 + a;
  EXPECT_EQ(g.node(left).op_name(), "add");
  const Node& c0 = g.node(g.node(left).inputs()[0]);
  EXPECT_EQ(c0.kind(), NodeKind::constant);
  EXPECT_EQ(c0.value()[0], 2.0);
  EXPECT_EQ(g.node(left).inputs()[1], a.id());
  EXPECT_EQ(g.forward(right), (Tensor{3, 4}));
  EXPECT_EQ(g.forward(left), (Tensor{3, 4}));
}

TEST(Add, GradientMatchesFiniteDifferences) { testing_support::expect_op_gradients("add"); }

}  // namespace
}  // namespace dagrad
