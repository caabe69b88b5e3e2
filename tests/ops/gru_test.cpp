#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "dagrad/testing.hpp"
#include "ops/recurrent_test_support.hpp"
#include "ops/reference/recurrent_reference.hpp"
#include "support/error_message.hpp"

namespace dagrad {
namespace {
using namespace recurrent_reference;
using testing_support::error_message;
using testing_support::matches_reference;
using testing_support::sine_fill;

TEST(Gru, AgreesWithPyTorch) {
  // seq 3, batch 2, input 3, hidden 2, as recurrent_reference.cpp runs LibTorch.
  Graph g;
  Expr x = g.input("x", sine_fill(Shape{3, 2, 3}, 1, 1.0), true);
  Expr h0 = g.input("h0", sine_fill(Shape{2, 2}, 2, 0.5), true);
  Expr w_ih = g.parameter("weight_ih", sine_fill(Shape{6, 3}, 4, 0.6));
  Expr w_hh = g.parameter("weight_hh", sine_fill(Shape{6, 2}, 5, 0.6));
  Expr b_ih = g.parameter("bias_ih", sine_fill(Shape{6}, 6, 0.3));
  Expr b_hh = g.parameter("bias_hh", sine_fill(Shape{6}, 7, 0.3));
  Expr y = gru(x, h0, w_ih, w_hh, b_ih, b_hh, "y");
  g.forward(y);
  EXPECT_EQ(y.shape(), (Shape{3, 2, 2}));
  EXPECT_TRUE(matches_reference(y.value(), gru_output, 1e-13));
  g.backward(y, sine_fill(Shape{3, 2, 2}, 8, 1.0));
  EXPECT_TRUE(matches_reference(x.grad(), gru_dx, 1e-13));
  EXPECT_TRUE(matches_reference(h0.grad(), gru_dh0, 1e-13));
  EXPECT_TRUE(matches_reference(w_ih.grad(), gru_dweight_ih, 1e-13));
  EXPECT_TRUE(matches_reference(w_hh.grad(), gru_dweight_hh, 1e-13));
  EXPECT_TRUE(matches_reference(b_ih.grad(), gru_dbias_ih, 1e-13));
  EXPECT_TRUE(matches_reference(b_hh.grad(), gru_dbias_hh, 1e-13));
}

TEST(Gru, ShapeErrors) {
  Graph g;
  auto in = [&](const char* name, Shape shape) { return g.input(name, Tensor(shape)); };
  Expr x = in("x", {3, 2, 4}), h = in("hidden", {2, 5}), w_ih = in("w_ih", {15, 4}), w_hh = in("w_hh", {15, 5});
  Expr b = in("bias", {15});
  EXPECT_EQ(error_message<ShapeError>([&] { gru(x, h, in("w20", {20, 4}), w_hh, b, b, "a"); }),
            "gru \"a\": weight_ih must be (15, 4) for input size 4 and hidden size 5 (3 gates), got shape (20, 4)");
  EXPECT_EQ(error_message<ShapeError>([&] { gru(x, h, w_ih, w_hh, in("b5", {5}), b, "b"); }),
            "gru \"b\": bias_ih must be (15,) for input size 4 and hidden size 5 (3 gates), got shape (5,)");
  EXPECT_EQ(error_message<ShapeError>([&] { g.apply("gru", {x, h, h, w_ih, w_hh, b, b}, {}, "c"); }),
            "gru \"c\": takes 6 inputs, got 7");
}

TEST(Gru, GradientMatchesFiniteDifferences) { EXPECT_OP_GRADIENTS_OK("gru"); }

}  // namespace
}  // namespace dagrad
