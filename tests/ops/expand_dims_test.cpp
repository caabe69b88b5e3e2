#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "dagrad/testing.hpp"
#include "support/error_message.hpp"
#include "support/graph_file_round_trip.hpp"

namespace dagrad {
namespace {
using testing_support::error_message;

TEST(ExpandDims, InsertsAnAxisOfLengthOneAsNumpy) {
  Graph g;
  Expr x = g.input("x", Tensor{{1, 2, 3}, {4, 5, 6}}, true);
  EXPECT_EQ(expand_dims(x, 0).shape(), (Shape{1, 2, 3}));
  EXPECT_EQ(expand_dims(x, 2).shape(), (Shape{2, 3, 1}));
  EXPECT_EQ(expand_dims(x, -1).shape(), (Shape{2, 3, 1}));
  EXPECT_EQ(expand_dims(x, -3).shape(), (Shape{1, 2, 3}));
  Expr y = expand_dims(x, 1);
  EXPECT_EQ(g.forward(y), (Tensor{{{1, 2, 3}}, {{4, 5, 6}}}));
  g.backward(y, Tensor{{{6, 5, 4}}, {{3, 2, 1}}});
  EXPECT_EQ(x.grad(), (Tensor{{6, 5, 4}, {3, 2, 1}}));
  EXPECT_EQ(g.forward(expand_dims(g.input("s", Tensor::scalar(2).to(DType::float32)), -1)),
            Tensor({2}).to(DType::float32));
}

TEST(ExpandDims, Errors) {
  Graph g;
  Expr x = g.input("x", Tensor(Shape{2, 3}));
  EXPECT_EQ(error_message<ShapeError>([&] { expand_dims(x, 3, "e"); }),
            "expand_dims \"e\": axis 3 is out of range for shape (2, 3): expected -3 to 2");
  Expr full = g.input("full", Tensor(Shape{1, 1, 1, 1, 1, 1, 1, 1}));
  EXPECT_EQ(error_message<ShapeError>([&] { expand_dims(full, 0, "f"); }),
            "expand_dims \"f\": shape (1, 1, 1, 1, 1, 1, 1, 1) already has the most axes");
  EXPECT_EQ(error_message([&] { g.apply("expand_dims", {x}, {{"axis", std::string("0")}}); }),
            "expand_dims: attribute \"axis\" must be an integer, got a string");
}

TEST(ExpandDims, AttributesSurviveAGraphFile) {
  Graph g;
  Expr y = expand_dims(g.input("x", Tensor{1, 2}), -2, "y");
  EXPECT_EQ(g.node(y).op()->label(), "expand_dims axis=-2");
  testing_support::expect_graph_file_round_trip(g, y);
}

TEST(ExpandDims, GradientMatchesFiniteDifferences) { EXPECT_OP_GRADIENTS_OK("expand_dims"); }

}  // namespace
}  // namespace dagrad
