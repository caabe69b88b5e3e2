#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "dagrad/im2col.hpp"
#include "dagrad/testing.hpp"
#include "support/error_message.hpp"
#include "support/graph_file_round_trip.hpp"

namespace dagrad {
namespace {
using testing_support::error_message;

TEST(Im2col, CopiesEachWindowsTapsIntoARowPerTapAsTorchUnfold) {
  Graph g;
  // x = [[1 2 3], [4 5 6], [7 8 9]]; F.unfold(x, 2): rows are the taps (0,0), (0,1), (1,0), (1,1) of the
  // four 2x2 windows.
  Expr x = g.input("x", Tensor(Shape{1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9}), true);
  Expr y = g.apply("im2col", {x}, unfold_attrs({.kernel = {2, 2}}), "y");
  EXPECT_EQ(g.forward(y), Tensor(Shape{1, 4, 4}, {1, 2, 4, 5, 2, 3, 5, 6, 4, 5, 7, 8, 5, 6, 8, 9}));
  g.backward(y, Tensor(Shape{1, 4, 4}, 1.0));
  EXPECT_EQ(x.grad(), Tensor(Shape{1, 1, 3, 3}, {1, 2, 1, 2, 4, 2, 1, 2, 1}));  // how many windows read each pixel
}

TEST(Im2col, PaddingReadsZeros) {
  Graph g;
  Expr x = g.input("x", Tensor(Shape{1, 1, 1, 2}, {3, 4}));
  // F.unfold(x, (1, 2), padding=(0, 1), stride=(1, 2)): windows [0 3] and [4 0].
  Expr y = g.apply("im2col", {x}, unfold_attrs({.kernel = {1, 2}, .stride = {1, 2}, .padding = {0, 1}}), "y");
  EXPECT_EQ(g.forward(y), Tensor(Shape{1, 2, 2}, {0, 4, 3, 0}));
}

TEST(Im2col, ShapeErrorsAndAttributesSurviveAGraphFile) {
  Graph g;
  Expr x = g.input("x", Tensor(Shape{2, 3}));
  EXPECT_EQ(error_message<ShapeError>([&] { g.apply("im2col", {x}, unfold_attrs({.kernel = {2, 2}}), "a"); }),
            "im2col \"a\": needs x (N, C, H, W), got shape (2, 3)");
  Expr image = g.input("image", Tensor(Shape{1, 2, 3, 4}));
  EXPECT_EQ(error_message<ShapeError>([&] { g.apply("im2col", {image}, unfold_attrs({.kernel = {4, 4}}), "b"); }),
            "im2col \"b\": x (1, 2, 3, 4) padded by [0, 0] is smaller than the 4x4 kernel (dilation [1, 1])");
  Expr y = g.apply("im2col", {image}, unfold_attrs({.kernel = {2, 2}, .stride = {1, 2}, .dilation = {2, 1}}), "y");
  EXPECT_EQ(y.shape(), (Shape{1, 8, 2}));
  EXPECT_EQ(g.node(y).op()->label(), "im2col 2x2 stride 1x2 dilation 2x1");
  testing_support::expect_graph_file_round_trip(g, y);
}

TEST(Im2col, GradientMatchesFiniteDifferences) { EXPECT_OP_GRADIENTS_OK("im2col"); }

}  // namespace
}  // namespace dagrad
