#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "support/error_message.hpp"
#include "support/op_gradients.hpp"

namespace dagrad {
namespace {
using testing_support::error_message;

TEST(Sum, EverythingGivesARankZeroResult) {
  Graph g;
  Expr x = g.input("x", Tensor{{1, 2, 3}, {4, 5, 6}}, true);
  Expr s = sum(x);
  const TensorView& v = g.forward(s);
  EXPECT_EQ(v.shape(), Shape{});
  EXPECT_EQ(v[0], 21.0);
  g.backward(s);
  EXPECT_EQ(x.grad(), (Tensor{{1, 1, 1}, {1, 1, 1}}));
}

TEST(Sum, OverEachAxisWithAndWithoutKeepdims) {
  Graph g;
  Expr x = g.input("x", Tensor{{1, 2, 3}, {4, 5, 6}}, true);
  EXPECT_EQ(g.forward(sum(x, 0)), (Tensor{5, 7, 9}));
  EXPECT_EQ(g.forward(sum(x, 1)), (Tensor{6, 15}));
  EXPECT_EQ(g.forward(sum(x, -1, true)), (Tensor(Shape{2, 1}, {6, 15})));
  EXPECT_EQ(g.forward(sum(x, -2, true)), (Tensor{{5, 7, 9}}));
  Expr rows = sum(x, 1);
  g.forward(rows);
  g.backward(rows, Tensor{10, 20});
  EXPECT_EQ(x.grad(), (Tensor{{10, 10, 10}, {20, 20, 20}}));
  Expr columns = sum(x, 0, true);
  g.forward(columns);
  g.backward(columns, Tensor{{1, 2, 3}});
  EXPECT_EQ(x.grad(), (Tensor{{1, 2, 3}, {1, 2, 3}}));
}

TEST(Sum, MiddleAxisOfRankThree) {
  Graph g;
  Expr x = g.input("x", Tensor{{{1, 2}, {3, 4}, {5, 6}}, {{7, 8}, {9, 10}, {11, 12}}}, true);  // (2, 3, 2)
  Expr s = sum(x, 1);
  EXPECT_EQ(g.forward(s), (Tensor{{9, 12}, {27, 30}}));
  g.backward(s, Tensor{{1, 2}, {3, 4}});
  EXPECT_EQ(x.grad(), (Tensor{{{1, 2}, {1, 2}, {1, 2}}, {{3, 4}, {3, 4}, {3, 4}}}));
}

TEST(Sum, AttributesRoundTripAndLabel) {
  Graph g;
  Expr x = g.input("x", Tensor(Shape{2, 3}));
  Expr s = g.apply("sum", {x}, {{"axis", std::int64_t{-1}}, {"keepdims", true}});
  EXPECT_EQ(s.shape(), (Shape{2, 1}));
  const Op& op = *g.node(s).op();
  EXPECT_EQ(op.attrs(), (Attrs{{"axis", std::int64_t{-1}}, {"keepdims", true}}));
  EXPECT_EQ(op.label(), "sum axis=-1 keepdims");
  EXPECT_EQ(g.node(sum(x)).op()->label(), "sum");
  EXPECT_TRUE(g.node(sum(x)).op()->attrs().empty());
}

TEST(Sum, Errors) {
  Graph g;
  Expr x = g.input("x", Tensor(Shape{3, 4}));
  EXPECT_EQ(error_message<ShapeError>([&] { sum(x, 2, false, "s"); }),
            "sum \"s\": axis 2 is out of range for shape (3, 4) (rank 2)");
  EXPECT_EQ(error_message<ShapeError>([&] { sum(x, -3, false, "t"); }),
            "sum \"t\": axis -3 is out of range for shape (3, 4) (rank 2)");
  EXPECT_EQ(error_message([&] { g.apply("sum", {x}, {{"axis", 1.5}}); }),
            "sum: attribute \"axis\" must be an integer, got a number");
  EXPECT_EQ(error_message([&] { g.apply("sum", {x}, {{"axes", std::int64_t{1}}}); }),
            "sum: unknown attribute \"axes\" (known: axis, keepdims)");
  EXPECT_EQ(error_message<ShapeError>([&] { g.apply("sum", {x, x}, {}, "two"); }), "sum \"two\": takes 1 input, got 2");
}

TEST(Sum, GradientMatchesFiniteDifferences) { testing_support::expect_op_gradients("sum"); }

}  // namespace
}  // namespace dagrad
