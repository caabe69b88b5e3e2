#include <cmath>
#include <limits>

#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "dagrad/testing.hpp"
#include "support/error_message.hpp"

namespace dagrad {
namespace {
using testing_support::error_message;

// Indices as PyTorch's argmax gives them (tests/ops/reference/reductions_reference.cpp):
// the first index on ties.
TEST(Argmax, FirstIndexOnTiesAsPyTorch) {
  Graph g;
  Expr x = g.input("x", Tensor{{1, 3, 3, 2}, {5, -1, 5, 5}});
  EXPECT_EQ(g.forward(argmax(x, 1)), (Tensor{1, 0}));
  EXPECT_EQ(g.forward(argmax(x, 0, true)), (Tensor{{1, 0, 1, 1}}));
  const TensorView& all = g.forward(argmax(x));
  EXPECT_EQ(all.shape(), Shape{});
  EXPECT_EQ(all[0], 4.0);  // the flat index of the first 5
  EXPECT_EQ(g.forward(argmax(x, std::int64_t{-1}, true)), (Tensor(Shape{2, 1}, {1, 0})));
  EXPECT_EQ(g.apply("argmax", {x}, {{"keepdims", true}}).shape(), (Shape{1, 1}));
  Expr lows = g.input("lows", Tensor{{4, -2, 7, -2}, {0.5, 0.5, 0.5, 0.5}});
  EXPECT_EQ(g.forward(argmax(lows, 1)), (Tensor{2, 0}));
}

TEST(Argmax, MiddleAxisNaNAndFloat32) {
  Graph g;
  Expr x = g.input("x", Tensor(Shape{2, 3, 2}, {1, 8, 7, 2, 3, 8, -1, -2, -3, -4, -5, -6}).to(DType::float32));
  Expr y = argmax(x, 1);
  EXPECT_EQ(y.dtype(), DType::float32);
  EXPECT_EQ(g.forward(y), Tensor(Shape{2, 2}, {1, 0, 0, 0}).to(DType::float32));
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Expr with_nan = g.input("with_nan", Tensor{{1, nan, 3, nan}});
  EXPECT_EQ(g.forward(argmax(with_nan, 1)), (Tensor{1}));  // the first NaN, as NumPy and PyTorch
}

// No gradient flows through an index: the input is not differentiable, and
// a loss through argmax gives its input no gradient.
TEST(Argmax, TakesNoGradient) {
  Graph g;
  Expr x = g.input("x", Tensor{{1, 3, 2}}, true);
  Expr w = g.parameter("w", Tensor(Shape{1, 1}, {2.0}));
  Expr loss = sum(mul(argmax(x, 1, true), w));
  EXPECT_FALSE(g.node(argmax(x)).op()->differentiable(0));
  g.forward(loss);
  g.backward(loss);
  EXPECT_EQ(w.grad(), (Tensor(Shape{1, 1}, {1.0})));
  EXPECT_EQ(x.grad(), (Tensor{{0, 0, 0}}));  // the leaf asked for a gradient, and it is zero
}

TEST(Argmax, AttributesAndErrors) {
  Graph g;
  Expr x = g.input("x", Tensor(Shape{2, 0}));
  EXPECT_EQ(error_message<ShapeError>([&] { argmax(x, 1, false, "a"); }),
            "argmax \"a\": the argmax of input shape (2, 0) over axis 1 reduces no elements");
  EXPECT_EQ(argmax(x, 0).shape(), (Shape{0}));
  Expr y = g.apply("argmax", {x}, {{"axis", std::int64_t{0}}, {"keepdims", true}});
  EXPECT_EQ(g.node(y).op()->label(), "argmax axis=0 keepdims");
  EXPECT_EQ(error_message([&] { g.apply("argmax", {x}, {{"select_last_index", true}}); }),
            "argmax: unknown attribute \"select_last_index\" (known: axis, keepdims)");
}

// The forward-only check: the output is locally constant at every example.
TEST(Argmax, IsLocallyConstantAtItsExamples) { EXPECT_OP_GRADIENTS_OK("argmax"); }

}  // namespace
}  // namespace dagrad
