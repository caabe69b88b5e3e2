#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "dagrad/testing.hpp"
#include "support/error_message.hpp"
#include "support/graph_file_round_trip.hpp"

namespace dagrad {
namespace {
using testing_support::error_message;

TEST(Squeeze, RemovesAnAxisOfLengthOne) {
  Graph g;
  Expr x = g.input("x", Tensor(Shape{2, 1, 3}, {1, 2, 3, 4, 5, 6}), true);
  Expr y = squeeze(x, -2);
  EXPECT_EQ(g.forward(y), (Tensor{{1, 2, 3}, {4, 5, 6}}));
  g.backward(y, Tensor{{6, 5, 4}, {3, 2, 1}});
  EXPECT_EQ(x.grad(), (Tensor(Shape{2, 1, 3}, {6, 5, 4, 3, 2, 1})));
  EXPECT_EQ(g.forward(squeeze(g.input("one", Tensor{7}.to(DType::float32)), 0)), Tensor::scalar(7, DType::float32));
}

TEST(Squeeze, Errors) {
  Graph g;
  Expr x = g.input("x", Tensor(Shape{2, 1, 3}));
  EXPECT_EQ(error_message<ShapeError>([&] { squeeze(x, 0, "s"); }),
            "squeeze \"s\": cannot squeeze axis 0 of shape (2, 1, 3): its length is 2, not 1");
  EXPECT_EQ(error_message<ShapeError>([&] { squeeze(x, -4, "t"); }),
            "squeeze \"t\": axis -4 is out of range for shape (2, 1, 3): expected -3 to 2");
  EXPECT_EQ(error_message([&] { g.apply("squeeze", {x}, {{"axes", std::vector<std::int64_t>{1}}}); }),
            "squeeze: unknown attribute \"axes\" (known: axis)");
}

TEST(Squeeze, AttributesSurviveAGraphFile) {
  Graph g;
  Expr y = squeeze(g.input("x", Tensor{{1, 2}}), 0, "y");
  EXPECT_EQ(g.node(y).op()->label(), "squeeze axis=0");
  testing_support::expect_graph_file_round_trip(g, y);
}

TEST(Squeeze, GradientMatchesFiniteDifferences) { EXPECT_OP_GRADIENTS_OK("squeeze"); }

}  // namespace
}  // namespace dagrad
