#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "dagrad/testing.hpp"
#include "support/error_message.hpp"
#include "support/graph_file_round_trip.hpp"

namespace dagrad {
namespace {
using testing_support::error_message;

TEST(Concat, JoinsAlongEachAxisAndSplitsTheGradient) {
  Graph g;
  Expr a = g.input("a", Tensor{{1, 2}, {3, 4}}, true);
  Expr b = g.input("b", Tensor(Shape{2, 1}, {5, 6}), true);
  Expr rows = concat({a, b}, 1);
  EXPECT_EQ(g.forward(rows), (Tensor{{1, 2, 5}, {3, 4, 6}}));
  g.backward(rows, Tensor{{10, 20, 30}, {40, 50, 60}});
  EXPECT_EQ(a.grad(), (Tensor{{10, 20}, {40, 50}}));
  EXPECT_EQ(b.grad(), (Tensor(Shape{2, 1}, {30, 60})));
  EXPECT_EQ(g.forward(concat({a, a}, -2)), (Tensor{{1, 2}, {3, 4}, {1, 2}, {3, 4}}));
}

TEST(Concat, AnInputUsedTwiceGetsBothBlocks) {
  Graph g;
  Expr a = g.input("a", Tensor{1, 2}, true);
  Expr y = concat({a, g.constant(Tensor(Shape{0}), "empty"), a}, 0);
  EXPECT_EQ(g.forward(y), (Tensor{1, 2, 1, 2}));
  g.backward(y, Tensor{1, 10, 100, 1000});
  EXPECT_EQ(a.grad(), (Tensor{101, 1010}));
}

TEST(Concat, OneInputIsACopyAndBothDtypesWork) {
  Graph g;
  Expr a = g.input("a", Tensor{{1, 2}}.to(DType::float32));
  Expr y = concat({a}, 0);
  EXPECT_EQ(y.dtype(), DType::float32);
  EXPECT_EQ(g.forward(y), (Tensor{{1, 2}}.to(DType::float32)));
}

TEST(Concat, ErrorsNameTheMismatchingInputAndTheAxis) {
  Graph g;
  Expr a = g.input("a", Tensor(Shape{2, 3})), b = g.input("b", Tensor(Shape{2, 4})), c = g.input("c", Tensor(Shape{3}));
  EXPECT_EQ(error_message<ShapeError>([&] { concat({a, a, b}, 0, "j"); }),
            "concat \"j\": input 2 has shape (2, 4), which does not fit input 0's (2, 3): shapes must agree on every "
            "axis but axis 0");
  EXPECT_EQ(error_message<ShapeError>([&] { concat({a, c}, 0, "k"); }),
            "concat \"k\": input 1 has shape (3,), which does not fit input 0's (2, 3): shapes must agree on every "
            "axis but axis 0");
  EXPECT_EQ(error_message<ShapeError>([&] { concat({a, b}, 2, "l"); }),
            "concat \"l\": axis 2 is out of range for shape (2, 3): expected -2 to 1");
  EXPECT_EQ(error_message<ShapeError>([&] { concat({g.input("s", Tensor::scalar(1))}, 0, "m"); }),
            "concat \"m\": cannot join rank-0 inputs: they have no axis");
  EXPECT_EQ(error_message<ShapeError>([&] { concat({}, 0); }), "concat: needs at least one input");
  EXPECT_EQ(error_message<ShapeError>([&] { g.apply("concat", {}, {{"axis", std::int64_t{0}}}, "n"); }),
            "concat \"n\": needs at least one input");
}

TEST(Concat, AttributesAreCheckedAndSurviveAGraphFile) {
  Graph g;
  Expr a = g.input("a", Tensor{{1, 2}}), b = g.input("b", Tensor{{3, 4}});
  EXPECT_EQ(error_message([&] { g.apply("concat", {a, b}, {}); }), "concat: missing attribute \"axis\"");
  EXPECT_EQ(error_message([&] { g.apply("concat", {a, b}, {{"axis", 0.5}}); }),
            "concat: attribute \"axis\" must be an integer, got a number");
  EXPECT_EQ(error_message([&] { g.apply("concat", {a, b}, {{"axes", std::int64_t{0}}}); }),
            "concat: unknown attribute \"axes\" (known: axis)");
  Expr y = concat({a, b}, -2, "y");
  EXPECT_EQ(g.node(y).op()->label(), "concat axis=-2");
  testing_support::expect_graph_file_round_trip(g, y);
}

TEST(Concat, GradientMatchesFiniteDifferences) { EXPECT_OP_GRADIENTS_OK("concat"); }

}  // namespace
}  // namespace dagrad
