#include <cmath>

#include <gtest/gtest.h>

#include "dagrad/autodiff.hpp"
#include "dagrad/dagrad.hpp"
#include "dagrad/testing.hpp"
#include "support/error_message.hpp"
#include "support/graph_file_round_trip.hpp"

namespace dagrad {
namespace {
using testing_support::error_message;

Expr index_add(Expr g, Expr indices, std::int64_t axis, std::int64_t length, std::string name = {}) {
  return g.graph().apply("index_add", {g, indices}, {{"axis", axis}, {"length", length}}, std::move(name));
}

TEST(IndexAdd, AddsIntoZerosAndRepeatedIndicesAccumulate) {
  Graph g;
  Expr updates = g.input("g", Tensor{{1, 10, 100}, {1000, 10000, 100000}}, true);
  // torch.zeros(2, 4).index_add(1, [2, 0, 2], g)
  Expr y = index_add(updates, g.constant(Tensor{2, 0, 2}, "i"), 1, 4);
  EXPECT_EQ(g.forward(y), (Tensor{{10, 0, 101, 0}, {10000, 0, 101000, 0}}));
  g.backward(y, Tensor{{1, 2, 3, 4}, {5, 6, 7, 8}});
  EXPECT_EQ(updates.grad(), (Tensor{{3, 1, 3}, {7, 5, 7}}));  // index_select(dy, [2, 0, 2], 1)
}

TEST(IndexAdd, IsTheAdjointOfIndexSelect) {
  // <index_select(x, i), g> = <x, index_add(g, i)> for any x and g.
  Rng rng(3);
  Graph graph;
  Expr x = graph.input("x", random_normal(Shape{2, 5, 3}, rng));
  Expr g = graph.input("g", random_normal(Shape{2, 4, 3}, rng));
  Expr indices = graph.constant(Tensor{4, 1, 4, 0}, "i");
  Expr left = sum(index_select(x, indices, 1) * g), right = sum(x * index_add(g, indices, -2, 5));
  EXPECT_NEAR(graph.forward(left).get(0), graph.forward(right).get(0), 1e-12);
}

TEST(IndexAdd, RankZeroIndexAndFloat32) {
  Graph g;
  Expr updates = g.input("g", Tensor{{1, 2}}.to(DType::float32));
  Expr y = index_add(updates, g.constant(Tensor::scalar(2, DType::float32), "i"), 0, 3);
  EXPECT_EQ(g.forward(y), (Tensor{{0, 0}, {0, 0}, {1, 2}}.to(DType::float32)));
}

TEST(IndexAdd, BadIndicesNameTheNodePositionAndValue) {
  Graph g;
  Expr indices = g.input("indices", Tensor{0, 1});
  Expr y = index_add(g.input("g", Tensor(Shape{2, 2})), indices, 1, 3, "scatter");
  for (auto [bad, text] : {std::pair{3.0, "3"}, {-1.0, "-1"}, {0.5, "0.5"}, {std::nan(""), "nan"}}) {
    g.set_value(indices, Tensor{0, bad});
    EXPECT_EQ(error_message([&] { g.forward(y); }),
              fmt::format("index_add \"scatter\": index {} at position 1 is not a whole number from 0 to 2 (axis 1 "
                          "of shape (2, 3))",
                          text));
  }
}

TEST(IndexAdd, ShapeAndAttributeErrors) {
  Graph g;
  Expr x = g.input("x", Tensor(Shape{2, 3}));
  EXPECT_EQ(error_message<ShapeError>([&] { index_add(x, g.input("i", Tensor{0, 1}), 1, 4, "a"); }),
            "index_add \"a\": g of shape (2, 3) has 3 entries along axis 1, but there are 2 indices");
  EXPECT_EQ(error_message<ShapeError>([&] { index_add(x, g.input("m", Tensor(Shape{1, 2})), 0, 4, "b"); }),
            "index_add \"b\": indices must have rank 0 or 1, got shape (1, 2)");
  EXPECT_EQ(error_message<ShapeError>([&] { index_add(x, g.input("j", Tensor{0}), 2, 4, "c"); }),
            "index_add \"c\": axis 2 is out of range for shape (2, 3): expected -2 to 1");
  EXPECT_EQ(error_message<ShapeError>([&] { index_add(x, g.input("k", Tensor{0, 1}), 0, -1, "d"); }),
            "index_add: length -1 is negative");
}

TEST(IndexAdd, IndicesTakeNoGradientAndAttributesSurviveAGraphFile) {
  Graph g;
  Expr updates = g.input("g", Tensor{{1, 2}});
  Expr y = index_add(updates, g.input("indices", Tensor{1, 1}, true), -1, 3, "y");
  EXPECT_FALSE(g.node(y).op()->differentiable(1));
  EXPECT_EQ(g.node(y).op()->label(), "index_add axis=-1 length=3");
  EXPECT_EQ(g.forward(y), (Tensor{{0, 3, 0}}));
  testing_support::expect_graph_file_round_trip(g, y);
}

TEST(IndexAdd, GradientMatchesFiniteDifferences) { EXPECT_OP_GRADIENTS_OK("index_add"); }

}  // namespace
}  // namespace dagrad
