#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "dagrad/testing.hpp"
#include "support/error_message.hpp"
#include "support/graph_file_round_trip.hpp"

namespace dagrad {
namespace {
using testing_support::error_message;

TEST(Stack, NewAxisFirstLastAndNegative) {
  Graph g;
  Expr a = g.input("a", Tensor{1, 2, 3}, true);
  Expr b = g.input("b", Tensor{4, 5, 6}, true);
  EXPECT_EQ(g.forward(stack({a, b}, 0)), (Tensor{{1, 2, 3}, {4, 5, 6}}));
  EXPECT_EQ(g.forward(stack({a, b}, 1)), (Tensor{{1, 4}, {2, 5}, {3, 6}}));
  EXPECT_EQ(g.forward(stack({a, b}, -1)), (Tensor{{1, 4}, {2, 5}, {3, 6}}));
  Expr y = stack({a, b, a}, -2);  // (3, 3)
  EXPECT_EQ(g.forward(y), (Tensor{{1, 2, 3}, {4, 5, 6}, {1, 2, 3}}));
  g.backward(y, Tensor{{1, 2, 3}, {10, 20, 30}, {100, 200, 300}});
  EXPECT_EQ(a.grad(), (Tensor{101, 202, 303}));  // used twice: both slices add
  EXPECT_EQ(b.grad(), (Tensor{10, 20, 30}));
}

TEST(Stack, MiddleAxisOfMatricesAndScalars) {
  Graph g;
  Expr a = g.input("a", Tensor{{1, 2}, {3, 4}}), b = g.input("b", Tensor{{5, 6}, {7, 8}});
  EXPECT_EQ(g.forward(stack({a, b}, 1)), (Tensor{{{1, 2}, {5, 6}}, {{3, 4}, {7, 8}}}));
  Expr s = g.input("s", Tensor::scalar(2).to(DType::float32)), t = g.input("t", Tensor::scalar(3).to(DType::float32));
  EXPECT_EQ(g.forward(stack({s, t, s}, 0)), Tensor({2, 3, 2}).to(DType::float32));
}

TEST(Stack, Errors) {
  Graph g;
  Expr a = g.input("a", Tensor(Shape{2, 3})), b = g.input("b", Tensor(Shape{3, 2}));
  EXPECT_EQ(error_message<ShapeError>([&] { stack({a, a, b}, 0, "s"); }),
            "stack \"s\": input 2 has shape (3, 2), which differs from input 0's (2, 3): stacking along axis 0 needs "
            "equal shapes");
  EXPECT_EQ(error_message<ShapeError>([&] { stack({a}, 3, "t"); }),
            "stack \"t\": axis 3 is out of range for shape (2, 3): expected -3 to 2");
  EXPECT_EQ(error_message<ShapeError>([&] { stack({a}, -4, "u"); }),
            "stack \"u\": axis -4 is out of range for shape (2, 3): expected -3 to 2");
  EXPECT_EQ(error_message<ShapeError>([&] { stack({}, 0); }), "stack: needs at least one input");
}

TEST(Stack, AttributesAreCheckedAndSurviveAGraphFile) {
  Graph g;
  Expr a = g.input("a", Tensor{{1, 2}}), b = g.input("b", Tensor{{3, 4}});
  EXPECT_EQ(error_message([&] { g.apply("stack", {a, b}, {}); }), "stack: missing attribute \"axis\"");
  EXPECT_EQ(error_message([&] { g.apply("stack", {a, b}, {{"axis", std::int64_t{0}}, {"dim", std::int64_t{0}}}); }),
            "stack: unknown attribute \"dim\" (known: axis)");
  Expr y = stack({a, b}, 2, "y");
  EXPECT_EQ(y.shape(), (Shape{1, 2, 2}));
  EXPECT_EQ(g.node(y).op()->label(), "stack axis=2");
  testing_support::expect_graph_file_round_trip(g, y);
}

TEST(Stack, GradientMatchesFiniteDifferences) { EXPECT_OP_GRADIENTS_OK("stack"); }

}  // namespace
}  // namespace dagrad
