#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "dagrad/testing.hpp"
#include "support/error_message.hpp"
#include "support/graph_file_round_trip.hpp"

namespace dagrad {
namespace {
using testing_support::error_message;

TEST(BroadcastTo, RepeatsAndTheGradientSumsBack) {
  Graph g;
  Expr column = g.input("c", Tensor(Shape{2, 1}, {1, 2}), true);
  Expr y = broadcast_to(column, {2, 2, 3});
  EXPECT_EQ(g.forward(y), (Tensor{{{1, 1, 1}, {2, 2, 2}}, {{1, 1, 1}, {2, 2, 2}}}));
  g.backward(y, Tensor{{{1, 2, 3}, {4, 5, 6}}, {{7, 8, 9}, {10, 11, 12}}});
  EXPECT_EQ(column.grad(), (Tensor(Shape{2, 1}, {1 + 2 + 3 + 7 + 8 + 9, 4 + 5 + 6 + 10 + 11 + 12})));
  Expr row = g.input("r", Tensor{1, 2, 3});
  EXPECT_EQ(g.forward(broadcast_to(row, {2, 3})), (Tensor{{1, 2, 3}, {1, 2, 3}}));
  EXPECT_EQ(g.forward(broadcast_to(row, {3})), (Tensor{1, 2, 3}));
}

TEST(BroadcastTo, ScalarEmptyTargetAndFloat32) {
  Graph g;
  Expr s = g.input("s", Tensor::scalar(4).to(DType::float32), true);
  Expr y = broadcast_to(s, {2, 2});
  EXPECT_EQ(g.forward(y), Tensor({{4, 4}, {4, 4}}).to(DType::float32));
  g.backward(y, Tensor({{1, 2}, {3, 4}}).to(DType::float32));
  EXPECT_EQ(Tensor::from(s.grad()), Tensor::scalar(10, DType::float32));
  Expr row = g.input("r", Tensor{{1, 2}}, true);
  Expr empty = broadcast_to(row, {0, 2});  // NumPy allows broadcasting a length-1 axis to 0
  g.forward(empty);
  g.backward(empty, Tensor(Shape{0, 2}));
  EXPECT_EQ(row.grad(), (Tensor{{0, 0}}));
}

TEST(BroadcastTo, Errors) {
  Graph g;
  Expr x = g.input("x", Tensor(Shape{3, 2}));
  EXPECT_EQ(error_message<ShapeError>([&] { broadcast_to(x, {3, 4}, "b"); }),
            "broadcast_to \"b\": shape (3, 2) cannot broadcast to (3, 4)");
  EXPECT_EQ(error_message<ShapeError>([&] { broadcast_to(x, {2}, "c"); }),
            "broadcast_to \"c\": shape (3, 2) cannot broadcast to (2,)");
  EXPECT_EQ(error_message<ShapeError>([&] { broadcast_to(x, {-1, 2}); }),
            "broadcast_to: shape (-1, 2) has a negative dimension");
  EXPECT_EQ(error_message([&] { g.apply("broadcast_to", {x}, {}); }), "broadcast_to: missing attribute \"shape\"");
}

TEST(BroadcastTo, AttributesSurviveAGraphFile) {
  Graph g;
  Expr x = g.input("x", Tensor{{1, 2}});
  Expr y = broadcast_to(x, {3, 1, 2}, "y");
  EXPECT_EQ(g.node(y).op()->label(), "broadcast_to (3, 1, 2)");
  testing_support::expect_graph_file_round_trip(g, y);
}

TEST(BroadcastTo, GradientMatchesFiniteDifferences) { EXPECT_OP_GRADIENTS_OK("broadcast_to"); }

}  // namespace
}  // namespace dagrad
