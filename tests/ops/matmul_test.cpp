#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "support/error_message.hpp"
#include "support/op_gradients.hpp"

namespace dagrad {
namespace {
using testing_support::error_message;

TEST(Matmul, ProductAndGradients) {
  Graph g;
  Expr a = g.input("a", Tensor{{1, 2, 3}, {4, 5, 6}}, true);     // (2, 3)
  Expr b = g.input("b", Tensor{{1, 0}, {0, 1}, {2, -1}}, true);  // (3, 2)
  Expr y = matmul(a, b);
  EXPECT_EQ(g.forward(y), (Tensor{{7, -1}, {16, -1}}));
  g.backward(y, Tensor{{1, 0}, {0, 2}});
  EXPECT_EQ(a.grad(), (Tensor{{1, 0, 2}, {0, 2, -2}}));  // dY B^T
  EXPECT_EQ(b.grad(), (Tensor{{1, 8}, {2, 10}, {3, 12}}));  // A^T dY
}

TEST(Matmul, SameInputTwice) {
  Graph g;
  Expr x = g.input("x", Tensor{{1, 2}, {3, 4}}, true);
  Expr y = matmul(x, x);
  EXPECT_EQ(g.forward(y), (Tensor{{7, 10}, {15, 22}}));
  g.backward(y, Tensor{{1, 0}, {0, 0}});
  // d(X X)/dX with seed E11: E11 X^T + X^T E11 = [[1, 3], [0, 0]] + [[1, 0], [2, 0]]
  EXPECT_EQ(x.grad(), (Tensor{{2, 3}, {2, 0}}));
}

TEST(Matmul, ShapeErrors) {
  Graph g;
  Expr a = g.input("a", Tensor(Shape{2, 3}));
  Expr b = g.input("b", Tensor(Shape{4, 5}));
  Expr v = g.input("v", Tensor(Shape{3}));
  EXPECT_EQ(error_message<ShapeError>([&] { matmul(a, b, "y"); }),
            "matmul \"y\": shapes (2, 3) and (4, 5) do not fit: 3 columns against 4 rows");
  EXPECT_EQ(error_message<ShapeError>([&] { matmul(a, v, "z"); }),
            "matmul \"z\": needs two matrices (m, k) and (k, n), got shapes (2, 3) and (3,)");
  EXPECT_EQ(error_message<ShapeError>([&] { g.apply("matmul", {a}, {}, "one"); }),
            "matmul \"one\": takes 2 inputs, got 1");
}

TEST(Matmul, GradientMatchesFiniteDifferences) { testing_support::expect_op_gradients("matmul"); }

}  // namespace
}  // namespace dagrad
