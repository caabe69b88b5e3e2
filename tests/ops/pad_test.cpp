#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "dagrad/testing.hpp"
#include "support/error_message.hpp"
#include "support/graph_file_round_trip.hpp"

namespace dagrad {
namespace {
using testing_support::error_message;

TEST(Pad, ConstantAroundEachAxisAndTheGradientIsTheInnerBox) {
  Graph g;
  Expr x = g.input("x", Tensor{{1, 2}, {3, 4}}, true);
  Expr y = pad(x, {1, 0, 0, 2}, -1);  // np.pad(x, ((1, 0), (0, 2)), constant_values=-1)
  EXPECT_EQ(g.forward(y), (Tensor{{-1, -1, -1, -1}, {1, 2, -1, -1}, {3, 4, -1, -1}}));
  g.backward(y, Tensor{{1, 2, 3, 4}, {5, 6, 7, 8}, {9, 10, 11, 12}});
  EXPECT_EQ(x.grad(), (Tensor{{5, 6}, {9, 10}}));
  EXPECT_EQ(g.forward(pad(x, {0, 0, 0, 0})), x.value());
}

TEST(Pad, EmptyInputRankZeroAndFloat32) {
  Graph g;
  Expr empty = g.input("e", Tensor(Shape{0, 2}, DType::float32));
  EXPECT_EQ(g.forward(pad(empty, {1, 0, 0, 1}, 3)), (Tensor{{3, 3, 3}}.to(DType::float32)));
  EXPECT_EQ(g.forward(pad(g.input("s", Tensor::scalar(5)), {})), Tensor::scalar(5));
  Expr v = g.input("v", Tensor{1, 2}.to(DType::float32), true);
  Expr y = pad(v, {2, 1});
  EXPECT_EQ(g.forward(y), Tensor({0, 0, 1, 2, 0}).to(DType::float32));
  g.backward(y, Tensor({1, 2, 3, 4, 5}).to(DType::float32));
  EXPECT_EQ(Tensor::from(v.grad()), Tensor({3, 4}).to(DType::float32));
}

TEST(Pad, Errors) {
  Graph g;
  Expr x = g.input("x", Tensor(Shape{2, 3}));
  EXPECT_EQ(error_message<ShapeError>([&] { pad(x, {1, 1}, 0, "p"); }),
            "pad \"p\": pads (1, 1) hold 2 numbers; shape (2, 3) needs two per axis, 4");
  EXPECT_EQ(error_message<ShapeError>([&] { pad(x, {1, 1, 1}); }), "pad: pads hold 3 numbers, not 2 per axis");
  EXPECT_EQ(error_message<ShapeError>([&] { pad(x, {0, -1, 0, 0}); }), "pad: pads (0, -1, 0, 0) include -1: negative or too large");
  EXPECT_EQ(error_message([&] { g.apply("pad", {x}, {{"pads", std::vector<std::int64_t>{0, 0, 0, 0}}, {"mode", std::string("edge")}}); }),
            "pad: unknown attribute \"mode\" (known: pads, value)");
  EXPECT_EQ(error_message([&] { g.apply("pad", {x}, {{"value", 1.0}}); }), "pad: missing attribute \"pads\"");
}

TEST(Pad, AttributesSurviveAGraphFile) {
  Graph g;
  Expr x = g.input("x", Tensor{{1, 2}});
  Expr defaulted = g.apply("pad", {x}, {{"pads", std::vector<std::int64_t>{0, 1, 0, 0}}});
  EXPECT_EQ(g.forward(defaulted), (Tensor{{1, 2}, {0, 0}}));
  Expr y = pad(x, {0, 1, 2, 0}, 0.25, "y");
  EXPECT_EQ(g.node(y).op()->label(), "pad (0, 1, 2, 0) value=0.25");
  testing_support::expect_graph_file_round_trip(g, y);
}

TEST(Pad, GradientMatchesFiniteDifferences) { EXPECT_OP_GRADIENTS_OK("pad"); }

}  // namespace
}  // namespace dagrad
