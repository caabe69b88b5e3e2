#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "dagrad/testing.hpp"
#include "support/error_message.hpp"
#include "support/symbolic_at_kinks.hpp"

namespace dagrad {
namespace {
using testing_support::error_message;

// Values and gradients as PyTorch's std gives them
// (tests/ops/reference/reductions_reference.cpp), including its gradient 0
// for a constant row (zero deviation), where the formula is 0/0.
TEST(Std, CorrectionsAndZeroDeviationAsPyTorch) {
  Graph g;
  Expr x = g.input("x", Tensor{{1, 2, 4, 7}, {2, 2, 2, 2}}, true);
  struct Case {
    std::int64_t correction;
    double value;
    Tensor grad;
  };
  const Case cases[] = {
      {1, 2.6457513110645903,
       Tensor{{-0.31497039417435602, -0.18898223650461363, 0.062994078834871209, 0.44095855184409849}, {0, 0, 0, 0}}},
      {0, 2.2912878474779199,
       Tensor{{-0.27277236279499051, -0.1636634176769943, 0.054554472558998097, 0.38188130791298669}, {0, 0, 0, 0}}},
      {2, 3.2403703492039297,
       Tensor{{-0.38575837490522985, -0.23145502494313791, 0.07715167498104597, 0.54006172486732185}, {0, 0, 0, 0}}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.correction);
    Expr y = std(x, 1, false, c.correction);
    const TensorView& v = g.forward(y);
    EXPECT_DOUBLE_EQ(v[0], c.value);
    EXPECT_EQ(v[1], 0.0);
    g.backward(y, Tensor{1, 2});
    for (int i = 0; i < 8; ++i) EXPECT_DOUBLE_EQ(x.grad()[i], c.grad[i]) << i;
  }
  Expr all = std(x);
  EXPECT_DOUBLE_EQ(g.forward(all)[0], 1.9086270308410553);
  g.backward(all);
  const double expected[] = {-0.13098420799889596, -0.05613608914238398, 0.093560148570639975,
                             0.31810450514017591,  -0.05613608914238398, -0.05613608914238398,
                             -0.05613608914238398, -0.05613608914238398};
  for (int i = 0; i < 8; ++i) EXPECT_NEAR(x.grad()[i], expected[i], 1e-16) << i;
}

// The kink of sqrt at zero variance: each element's offset is its lane's variance.
TEST(Std, DeclaresTheKinkAtZeroDeviation) {
  Graph g;
  Expr x = g.input("x", Tensor{{1, 3}, {2, 2}});
  const Op& op = *g.node(std(x, 1)).op();
  ASSERT_TRUE(op.has_kinks());
  Tensor value{{1, 3}, {2, 2}};
  std::vector<TensorView> inputs{value.view()};
  EXPECT_EQ(op.kink_offset(inputs, 0), 2.0);
  EXPECT_EQ(op.kink_offset(inputs, 1), 2.0);
  EXPECT_EQ(op.kink_offset(inputs, 2), 0.0);
}

TEST(Std, Float32) {
  Graph g;
  Expr x = g.input("x", Tensor(Shape{4}, std::vector<float>{1, 2, 4, 7}));
  const TensorView& v = g.forward(std(x, 0, false, 0));
  EXPECT_EQ(v.dtype(), DType::float32);
  EXPECT_FLOAT_EQ(v.data<float>()[0], std::sqrt(5.25f));
}

TEST(Std, AttributesAndErrors) {
  Graph g;
  Expr x = g.input("x", Tensor(Shape{1, 3}));
  Expr y = g.apply("std", {x}, {{"correction", std::int64_t{2}}, {"keepdims", true}});
  EXPECT_EQ(y.shape(), (Shape{1, 1}));
  EXPECT_EQ(g.node(y).op()->label(), "std keepdims correction=2");
  EXPECT_EQ(error_message<ShapeError>([&] { std(x, 0, false, 1, "s"); }),
            "std \"s\": input shape (1, 3) gives 1 element(s) per variance, and correction 1 divides them by 1 - 1 "
            "<= 0: reduce over more elements or lower the correction");
  EXPECT_EQ(error_message([&] { g.apply("std", {x}, {{"correction", std::int64_t{-2}}}); }),
            "std: attribute \"correction\" must be >= 0, got -2");
}

TEST(Std, GradientMatchesFiniteDifferences) { EXPECT_OP_GRADIENTS_OK("std"); }

// A constant lane (y = 0) gets a zero gradient in both backwards.
TEST(Std, SymbolicBackwardAtAConstantLaneIsTheKernels) {
  testing_support::expect_symbolic_backward_equals_kernel(
      "std", {{Tensor{{1.5, 1.5, 1.5}, {1.0, 2.0, 4.0}}}, {{"axis", std::int64_t{1}}}, {}});
}

}  // namespace
}  // namespace dagrad
