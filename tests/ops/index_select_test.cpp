#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "dagrad/testing.hpp"
#include "support/error_message.hpp"
#include "support/graph_file_round_trip.hpp"

namespace dagrad {
namespace {
using testing_support::error_message;

TEST(IndexSelect, PicksRowsOrColumnsAndRepeatedIndicesAccumulate) {
  Graph g;
  Expr x = g.input("x", Tensor{{1, 2, 3}, {4, 5, 6}}, true);
  Expr columns = index_select(x, g.constant(Tensor{2, 0, 2}, "i"), 1);  // torch.index_select(x, 1, [2, 0, 2])
  EXPECT_EQ(g.forward(columns), (Tensor{{3, 1, 3}, {6, 4, 6}}));
  g.backward(columns, Tensor{{1, 10, 100}, {1000, 10000, 100000}});
  EXPECT_EQ(x.grad(), (Tensor{{10, 0, 101}, {10000, 0, 101000}}));
  Expr rows = index_select(x, g.constant(Tensor{1, 1}, "j"), -2);
  EXPECT_EQ(g.forward(rows), (Tensor{{4, 5, 6}, {4, 5, 6}}));
  g.backward(rows, Tensor{{1, 2, 3}, {4, 5, 6}});
  EXPECT_EQ(x.grad(), (Tensor{{0, 0, 0}, {5, 7, 9}}));
}

TEST(IndexSelect, RankZeroAndEmptyIndicesAndFloat32) {
  Graph g;
  Expr x = g.input("x", Tensor{{1, 2}, {3, 4}, {5, 6}}.to(DType::float32), true);
  Expr one = index_select(x, g.constant(Tensor::scalar(2, DType::float32), "i"), 0);
  EXPECT_EQ(g.forward(one), (Tensor{{5, 6}}.to(DType::float32)));  // the axis stays, of length 1
  Expr none = index_select(x, g.constant(Tensor(Shape{0}, DType::float32), "none"), 1);
  EXPECT_EQ(none.shape(), (Shape{3, 0}));
  g.forward(none);
  g.backward(none, Tensor(Shape{3, 0}, DType::float32));
  EXPECT_EQ(Tensor::from(x.grad()), Tensor(Shape{3, 2}, DType::float32));
}

TEST(IndexSelect, BadIndicesNameTheNodePositionAndValue) {
  Graph g;
  Expr x = g.input("x", Tensor(Shape{2, 3}));
  Expr indices = g.input("indices", Tensor{0, 1});
  Expr y = index_select(x, indices, 1, "pick");
  for (auto [bad, text] : {std::pair{3.0, "3"}, {-1.0, "-1"}, {1.5, "1.5"}, {std::nan(""), "nan"}}) {
    g.set_value(indices, Tensor{0, bad});
    EXPECT_EQ(error_message([&] { g.forward(y); }),
              fmt::format("index_select \"pick\": index {} at position 1 is not a whole number from 0 to 2 (axis 1 of "
                          "shape (2, 3))",
                          text));
  }
  g.set_value(indices, Tensor{2, 0});
  EXPECT_EQ(g.forward(y).shape(), (Shape{2, 2}));  // the node recovers once the indices are good
}

TEST(IndexSelect, ShapeAndAttributeErrors) {
  Graph g;
  Expr x = g.input("x", Tensor(Shape{2, 3}));
  EXPECT_EQ(error_message<ShapeError>([&] { index_select(x, g.input("m", Tensor(Shape{1, 2})), 0, "a"); }),
            "index_select \"a\": indices must have rank 0 or 1, got shape (1, 2)");
  EXPECT_EQ(error_message<ShapeError>([&] { index_select(x, g.input("i", Tensor{0}), 2, "b"); }),
            "index_select \"b\": axis 2 is out of range for shape (2, 3): expected -2 to 1");
  EXPECT_EQ(error_message<ShapeError>([&] { index_select(g.input("s", Tensor::scalar(1)), g.input("j", Tensor{0}), 0, "c"); }),
            "index_select \"c\": cannot select from a rank-0 input: it has no axis");
  EXPECT_EQ(error_message([&] { g.apply("index_select", {x, g.input("k", Tensor{0})}, {{"dim", std::int64_t{0}}}); }),
            "index_select: unknown attribute \"dim\" (known: axis)");
}

TEST(IndexSelect, IndicesTakeNoGradientAndAttributesSurviveAGraphFile) {
  Graph g;
  Expr x = g.input("x", Tensor{{1, 2, 3}});
  Expr indices = g.input("indices", Tensor{2, 2, 0}, /*requires_grad=*/true);
  Expr y = index_select(x, indices, -1, "y");
  EXPECT_FALSE(g.node(y).op()->differentiable(1));
  EXPECT_EQ(g.node(y).op()->label(), "index_select axis=-1");
  EXPECT_EQ(g.forward(y), (Tensor{{3, 3, 1}}));
  testing_support::expect_graph_file_round_trip(g, y);
}

TEST(IndexSelect, GradientMatchesFiniteDifferences) { EXPECT_OP_GRADIENTS_OK("index_select"); }

}  // namespace
}  // namespace dagrad
