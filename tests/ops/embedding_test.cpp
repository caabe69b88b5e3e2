#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "dagrad/testing.hpp"
#include "support/error_message.hpp"

namespace dagrad {
namespace {
using testing_support::error_message;

TEST(Embedding, PicksRowsAndAddsGradientsOfRepeatedRows) {
  Graph g;
  Expr table = g.parameter("table", Tensor{{1, 2}, {3, 4}, {5, 6}});
  Expr indices = g.input("indices", Tensor{{2, 0}, {2, 2}});  // (2, 2): row 2 three times, row 1 never
  Expr y = embedding(table, indices, "y");
  EXPECT_EQ(g.forward(y), (Tensor(Shape{2, 2, 2}, std::vector<float>{5, 6, 1, 2, 5, 6, 5, 6}).to(DType::float64)));
  g.backward(y, Tensor(Shape{2, 2, 2}, std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8}).to(DType::float64));
  EXPECT_EQ(table.grad(), (Tensor{{3, 4}, {0, 0}, {13, 16}}));
}

TEST(Embedding, Float32TableTakesFloat64Indices) {
  Graph g;
  Expr table = g.parameter("table", Tensor(Shape{2, 1}, std::vector<float>{0.5f, -1.5f}));
  Expr y = embedding(table, g.input("indices", Tensor{1.0, 0.0, 1.0}));
  EXPECT_EQ(g.forward(y), Tensor(Shape{3, 1}, std::vector<float>{-1.5f, 0.5f, -1.5f}));
}

TEST(Embedding, BadIndicesStopForwardNamingNodePositionAndValue) {
  Graph g;
  Expr table = g.parameter("table", Tensor(Shape{3, 2}));
  Expr indices = g.input("indices", Tensor{0.0, 3.0});
  Expr y = embedding(table, indices, "lookup");
  EXPECT_EQ(error_message([&] { g.forward(y); }),
            "embedding \"lookup\": index 3 at position 1 is not a row of the table: it has 3 rows, so indices must "
            "be whole numbers 0 to 2");
  g.set_value(indices, Tensor{1.5, 0.0});
  EXPECT_NE(error_message([&] { g.forward(y); }).find("index 1.5 at position 0"), std::string::npos);
  g.set_value(indices, Tensor{0.0, -1.0});
  EXPECT_NE(error_message([&] { g.forward(y); }).find("index -1 at position 1"), std::string::npos);
}

TEST(Embedding, ShapeErrors) {
  Graph g;
  Expr v = g.input("v", Tensor(Shape{3}));
  EXPECT_EQ(error_message<ShapeError>([&] { embedding(v, v, "a"); }),
            "embedding \"a\": table must be (vocab, dim), got shape (3,)");
  EXPECT_EQ(error_message<ShapeError>([&] { g.apply("embedding", {v}, {}, "b"); }),
            "embedding \"b\": takes 2 inputs, got 1");
}

TEST(Embedding, GradientMatchesFiniteDifferences) { EXPECT_OP_GRADIENTS_OK("embedding"); }

}  // namespace
}  // namespace dagrad
