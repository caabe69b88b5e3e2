#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "support/error_message.hpp"
#include "support/op_gradients.hpp"

namespace dagrad {
namespace {
using testing_support::error_message;

TEST(Mean, EverythingGivesARankZeroResult) {
  Graph g;
  Expr x = g.input("x", Tensor{{1, 2, 3}, {4, 5, 7}}, true);
  Expr m = mean(x);
  EXPECT_EQ(g.forward(m).shape(), Shape{});
  EXPECT_DOUBLE_EQ(g.forward(m)[0], 22.0 / 6);
  g.backward(m);
  for (double d : x.grad()) EXPECT_DOUBLE_EQ(d, 1.0 / 6);
}

TEST(Mean, OverOneAxis) {
  Graph g;
  Expr x = g.input("x", Tensor{{1, 2, 3}, {4, 5, 6}}, true);
  EXPECT_EQ(g.forward(mean(x, 0)), (Tensor{2.5, 3.5, 4.5}));
  EXPECT_EQ(g.forward(mean(x, -1, true)), (Tensor(Shape{2, 1}, {2, 5})));
  Expr rows = mean(x, 1);
  g.forward(rows);
  g.backward(rows, Tensor{3, 6});
  EXPECT_EQ(x.grad(), (Tensor{{1, 1, 1}, {2, 2, 2}}));
  Expr columns = mean(x, 0, true);
  EXPECT_EQ(columns.shape(), (Shape{1, 3}));
  g.forward(columns);
  g.backward(columns, Tensor{{2, 4, 6}});
  EXPECT_EQ(x.grad(), (Tensor{{1, 2, 3}, {1, 2, 3}}));
}

TEST(Mean, Errors) {
  Graph g;
  Expr x = g.input("x", Tensor(Shape{3}));
  EXPECT_EQ(error_message<ShapeError>([&] { mean(x, 1, false, "m"); }),
            "mean \"m\": axis 1 is out of range for shape (3,) (rank 1)");
  EXPECT_EQ(error_message([&] { g.apply("mean", {x}, {{"keepdims", std::int64_t{1}}}); }),
            "mean: attribute \"keepdims\" must be a boolean, got an integer");
  EXPECT_EQ(g.node(mean(x, 0, true)).op()->label(), "mean axis=0 keepdims");
}

TEST(Mean, GradientMatchesFiniteDifferences) { testing_support::expect_op_gradients("mean"); }

}  // namespace
}  // namespace dagrad
