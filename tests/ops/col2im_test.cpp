#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "dagrad/im2col.hpp"
#include "dagrad/testing.hpp"
#include "support/error_message.hpp"
#include "support/graph_file_round_trip.hpp"

namespace dagrad {
namespace {
using testing_support::error_message;

TEST(Col2im, AddsOverlappingTapsBackOntoTheirPixelsAsTorchFold) {
  Graph g;
  // F.fold(ones(1, 4, 4), (3, 3), 2): each pixel gets one per window that reads it.
  Expr cols = g.input("cols", Tensor(Shape{1, 4, 4}, 1.0), true);
  Expr y = g.apply("col2im", {cols}, fold_attrs({.kernel = {2, 2}}, 3, 3), "y");
  EXPECT_EQ(g.forward(y), Tensor(Shape{1, 1, 3, 3}, {1, 2, 1, 2, 4, 2, 1, 2, 1}));
  g.backward(y, Tensor(Shape{1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9}));  // dcols = im2col(dy)
  EXPECT_EQ(cols.grad(), Tensor(Shape{1, 4, 4}, {1, 2, 4, 5, 2, 3, 5, 6, 4, 5, 7, 8, 5, 6, 8, 9}));
}

TEST(Col2im, IsTheAdjointOfIm2col) {
  // <im2col(x), c> = <x, col2im(c)> with padding, stride and dilation.
  Rng rng(5);
  Graph g;
  const Window2d window{.kernel = {2, 3}, .stride = {2, 1}, .padding = {1, 1}, .dilation = {1, 2}};
  Expr x = g.input("x", random_normal(Shape{2, 3, 5, 6}, rng));
  Expr c = g.input("c", random_normal(Shape{2, 18, 12}, rng));
  Expr left = sum(g.apply("im2col", {x}, unfold_attrs(window)) * c);
  Expr right = sum(x * g.apply("col2im", {c}, fold_attrs(window, 5, 6)));
  EXPECT_NEAR(g.forward(left).get(0), g.forward(right).get(0), 1e-12);
}

TEST(Col2im, ShapeAndAttributeErrorsAndAGraphFile) {
  Graph g;
  Expr cols = g.input("cols", Tensor(Shape{1, 4, 4}));
  EXPECT_EQ(error_message<ShapeError>([&] { g.apply("col2im", {cols}, fold_attrs({.kernel = {3, 1}}, 3, 3), "a"); }),
            "col2im \"a\": needs columns (N, C 3, out_h out_w), got shape (1, 4, 4)");
  EXPECT_EQ(error_message<ShapeError>([&] { g.apply("col2im", {cols}, fold_attrs({.kernel = {2, 2}}, 4, 4), "b"); }),
            "col2im \"b\": columns (1, 4, 4) do not fit images of size 4x4: they have 3x3 windows");
  Attrs no_size = unfold_attrs({.kernel = {2, 2}});
  EXPECT_EQ(error_message([&] { g.apply("col2im", {cols}, no_size, "c"); }),
            "col2im: missing attribute \"size\"");
  Expr y = g.apply("col2im", {cols}, fold_attrs({.kernel = {2, 2}}, 3, 3), "y");
  EXPECT_EQ(g.node(y).op()->label(), "col2im 2x2 to 3x3");
  testing_support::expect_graph_file_round_trip(g, y);
}

TEST(Col2im, GradientMatchesFiniteDifferences) { EXPECT_OP_GRADIENTS_OK("col2im"); }

}  // namespace
}  // namespace dagrad
