#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "support/error_message.hpp"
#include "support/op_gradients.hpp"

namespace dagrad {
namespace {

TEST(Transpose, MatrixAndGradient) {
  Graph g;
  Expr x = g.input("x", Tensor{{1, 2, 3}, {4, 5, 6}}, true);
  Expr y = transpose(x);
  EXPECT_EQ(g.forward(y), (Tensor{{1, 4}, {2, 5}, {3, 6}}));
  g.backward(y, Tensor{{1, 2}, {3, 4}, {5, 6}});
  EXPECT_EQ(x.grad(), (Tensor{{1, 3, 5}, {2, 4, 6}}));
}

TEST(Transpose, RankThreeReversesEveryAxis) {
  Graph g;
  Expr x = g.input("x", Tensor{{{1, 2, 3, 4}, {5, 6, 7, 8}, {9, 10, 11, 12}},
                               {{13, 14, 15, 16}, {17, 18, 19, 20}, {21, 22, 23, 24}}}, true);  // (2, 3, 4)
  Expr y = transpose(x);
  const TensorView& v = g.forward(y);
  ASSERT_EQ(v.shape(), (Shape{4, 3, 2}));
  for (std::int64_t i = 0; i < 2; ++i) {
    for (std::int64_t j = 0; j < 3; ++j) {
      for (std::int64_t k = 0; k < 4; ++k) EXPECT_EQ(v.at({k, j, i}), x.value().at({i, j, k}));
    }
  }
  EXPECT_EQ(v.at({3, 0, 1}), 16.0);
  g.backward(y, v);  // the seed transposed back is x itself
  EXPECT_EQ(x.grad(), x.value());
}

TEST(Transpose, VectorAndScalarAreCopies) {
  Graph g;
  EXPECT_EQ(g.forward(transpose(g.input("v", Tensor{1, 2, 3}))), (Tensor{1, 2, 3}));
  EXPECT_EQ(g.forward(transpose(g.input("s", Tensor::scalar(7)))), Tensor::scalar(7));
}

TEST(Transpose, TakesOneInput) {
  Graph g;
  Expr a = g.input("a", Tensor{1});
  EXPECT_EQ(testing_support::error_message<ShapeError>([&] { g.apply("transpose", {a, a}, {}, "t"); }),
            "transpose \"t\": takes 1 input, got 2");
}

TEST(Transpose, GradientMatchesFiniteDifferences) { testing_support::expect_op_gradients("transpose"); }

}  // namespace
}  // namespace dagrad
