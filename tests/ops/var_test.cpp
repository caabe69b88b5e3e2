#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "dagrad/testing.hpp"
#include "support/error_message.hpp"

namespace dagrad {
namespace {
using testing_support::error_message;

// Values and gradients as PyTorch's var gives them
// (tests/ops/reference/reductions_reference.cpp), for corrections 1 (the
// default), 0 and 2. PyTorch's 6.9999999999999991 is 7 to an ulp.
TEST(Var, CorrectionsAsPyTorch) {
  Graph g;
  Expr x = g.input("x", Tensor{{1, 2, 4, 7}, {2, 2, 2, 2}}, true);
  struct Case {
    std::int64_t correction;
    double value;
    Tensor grad;
  };
  const Case cases[] = {
      {1, 7.0, Tensor{{-1.6666666666666665, -1, 0.33333333333333331, 2.333333333333333}, {0, 0, 0, 0}}},
      {0, 5.25, Tensor{{-1.25, -0.75, 0.25, 1.75}, {0, 0, 0, 0}}},
      {2, 10.5, Tensor{{-2.5, -1.5, 0.5, 3.5}, {0, 0, 0, 0}}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.correction);
    Expr y = var(x, 1, false, c.correction);
    const TensorView& v = g.forward(y);
    EXPECT_DOUBLE_EQ(v[0], c.value);
    EXPECT_EQ(v[1], 0.0);
    g.backward(y, Tensor{1, 2});
    for (int i = 0; i < 8; ++i) EXPECT_DOUBLE_EQ(x.grad()[i], c.grad[i]) << i;
  }
  Expr columns = var(x, 0, true);
  EXPECT_EQ(g.forward(columns), (Tensor{{0.5, 0, 2, 12.5}}));
  g.backward(columns, Tensor{{1, 2, 3, 4}});
  EXPECT_EQ(x.grad(), (Tensor{{-1, 0, 6, 20}, {1, 0, -6, -20}}));
  EXPECT_DOUBLE_EQ(g.forward(var(x))[0], 3.6428571428571428);  // 25.5 / 7 over all eight
}

TEST(Var, LargeOffsetDoesNotCancel) {
  // Two passes (mean first): a naive E[x^2] - E[x]^2 loses every digit here.
  Graph g;
  Expr x = g.input("x", Tensor{1e9 + 1, 1e9 + 2, 1e9 + 3});
  EXPECT_EQ(g.forward(var(x))[0], 1.0);
}

TEST(Var, AttributesRoundTripAndLabel) {
  Graph g;
  Expr x = g.input("x", Tensor(Shape{2, 3}));
  Expr y = g.apply("var", {x}, {{"axis", std::int64_t{1}}, {"correction", std::int64_t{0}}});
  EXPECT_EQ(g.node(y).op()->attrs(), (Attrs{{"axis", std::int64_t{1}}, {"correction", std::int64_t{0}}}));
  EXPECT_EQ(g.node(y).op()->label(), "var axis=1 correction=0");
  EXPECT_TRUE(g.node(var(x)).op()->attrs().empty());  // correction 1 is the default
  EXPECT_EQ(g.node(var(x)).op()->label(), "var");
}

TEST(Var, Errors) {
  Graph g;
  Expr x = g.input("x", Tensor(Shape{3, 1}));
  EXPECT_EQ(error_message<ShapeError>([&] { var(x, 1, false, 1, "v"); }),
            "var \"v\": input shape (3, 1) gives 1 element(s) per variance, and correction 1 divides them by 1 - 1 "
            "<= 0: reduce over more elements or lower the correction");
  EXPECT_EQ(var(x, 1, false, 0).shape(), (Shape{3}));
  Expr empty = g.input("empty", Tensor(Shape{2, 0}));
  EXPECT_EQ(error_message<ShapeError>([&] { var(empty, 1, false, 0, "e"); }),
            "var \"e\": input shape (2, 0) gives 0 element(s) per variance, and correction 0 divides them by 0 - 0 "
            "<= 0: reduce over more elements or lower the correction");
  EXPECT_EQ(var(empty, 0).shape(), (Shape{0}));
  EXPECT_EQ(error_message([&] { var(x, 0, false, -1); }), "var: attribute \"correction\" must be >= 0, got -1");
  EXPECT_EQ(error_message([&] { g.apply("var", {x}, {{"correction", 0.5}}); }),
            "var: attribute \"correction\" must be an integer, got a number");
  EXPECT_EQ(error_message([&] { g.apply("var", {x}, {{"ddof", std::int64_t{1}}}); }),
            "var: unknown attribute \"ddof\" (known: axis, keepdims, correction)");
}

TEST(Var, GradientMatchesFiniteDifferences) { EXPECT_OP_GRADIENTS_OK("var"); }

}  // namespace
}  // namespace dagrad
