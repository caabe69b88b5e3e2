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

// seq 3, batch 2, input 3, hidden 2, as recurrent_reference.cpp runs LibTorch.
struct LstmCase {
  Graph g;
  Expr x = g.input("x", sine_fill(Shape{3, 2, 3}, 1, 1.0), true);
  Expr h0 = g.input("h0", sine_fill(Shape{2, 2}, 2, 0.5), true);
  Expr c0 = g.input("c0", sine_fill(Shape{2, 2}, 3, 0.5), true);
  Expr w_ih = g.parameter("weight_ih", sine_fill(Shape{8, 3}, 4, 0.6));
  Expr w_hh = g.parameter("weight_hh", sine_fill(Shape{8, 2}, 5, 0.6));
  Expr b_ih = g.parameter("bias_ih", sine_fill(Shape{8}, 6, 0.3));
  Expr b_hh = g.parameter("bias_hh", sine_fill(Shape{8}, 7, 0.3));
  Expr y = lstm(x, h0, c0, w_ih, w_hh, b_ih, b_hh, "y");
};

TEST(Lstm, AgreesWithPyTorch) {
  LstmCase c;
  c.g.forward(c.y);
  EXPECT_EQ(c.y.shape(), (Shape{3, 2, 2}));
  EXPECT_TRUE(matches_reference(c.y.value(), lstm_output, 1e-13));
  c.g.backward(c.y, sine_fill(Shape{3, 2, 2}, 8, 1.0));
  EXPECT_TRUE(matches_reference(c.x.grad(), lstm_dx, 1e-13));
  EXPECT_TRUE(matches_reference(c.h0.grad(), lstm_dh0, 1e-13));
  EXPECT_TRUE(matches_reference(c.c0.grad(), lstm_dc0, 1e-13));
  EXPECT_TRUE(matches_reference(c.w_ih.grad(), lstm_dweight_ih, 1e-13));
  EXPECT_TRUE(matches_reference(c.w_hh.grad(), lstm_dweight_hh, 1e-13));
  EXPECT_TRUE(matches_reference(c.b_ih.grad(), lstm_dbias_ih, 1e-13));
  EXPECT_TRUE(matches_reference(c.b_hh.grad(), lstm_dbias_hh, 1e-13));
}

TEST(Lstm, Float32AgreesWithPyTorchToFloat32Precision) {
  LstmCase c;
  Graph g;
  std::vector<Expr> inputs;
  for (Expr e : {c.x, c.h0, c.c0, c.w_ih, c.w_hh, c.b_ih, c.b_hh}) {
    inputs.push_back(g.input(e.name(), Tensor::from(e.value()).to(DType::float32), true));
  }
  Expr y = g.apply("lstm", inputs, {}, "y");
  g.forward(y);
  EXPECT_EQ(y.dtype(), DType::float32);
  EXPECT_TRUE(matches_reference(y.value(), lstm_output, 1e-5));
  g.backward(y, sine_fill(Shape{3, 2, 2}, 8, 1.0).to(DType::float32));
  EXPECT_TRUE(matches_reference(inputs[3].grad(), lstm_dweight_ih, 1e-5));
}

TEST(Lstm, SameParameterTwiceAddsBothGradients) {
  // One node as bias_ih and bias_hh: both slots add into its gradient, so
  // it is twice the separate bias gradient (the two are equal in an LSTM).
  LstmCase c;
  Expr shared = c.g.parameter("shared", sine_fill(Shape{8}, 6, 0.3));
  Expr y = lstm(c.x, c.h0, c.c0, c.w_ih, c.w_hh, shared, shared, "shared_y");
  c.g.forward(y);
  c.g.backward(y, sine_fill(Shape{3, 2, 2}, 8, 1.0));
  Tensor expected(Shape{8});
  LstmCase same;
  Expr separate_y = lstm(same.x, same.h0, same.c0, same.w_ih, same.w_hh, same.b_ih,
                         same.g.parameter("copy", sine_fill(Shape{8}, 6, 0.3)), "separate");
  same.g.forward(separate_y);
  same.g.backward(separate_y, sine_fill(Shape{3, 2, 2}, 8, 1.0));
  for (std::int64_t i = 0; i < 8; ++i) expected.set(i, 2 * same.b_ih.grad().get(i));
  EXPECT_TRUE(matches_reference(shared.grad(), std::vector<double>(expected.begin(), expected.end()), 1e-14));
}

TEST(Lstm, ShapeErrors) {
  Graph g;
  auto in = [&](const char* name, Shape shape) { return g.input(name, Tensor(shape)); };
  Expr x = in("x", {3, 2, 4}), h = in("hidden", {2, 5}), w_ih = in("w_ih", {20, 4}), w_hh = in("w_hh", {20, 5});
  Expr b = in("bias", {20});
  EXPECT_EQ(error_message<ShapeError>([&] { lstm(in("x2", {6, 4}), h, h, w_ih, w_hh, b, b, "a"); }),
            "lstm \"a\": x must be (seq, batch, input_size) with seq > 0, got shape (6, 4)");
  EXPECT_EQ(error_message<ShapeError>([&] { lstm(in("x0", {0, 2, 4}), h, h, w_ih, w_hh, b, b, "b"); }),
            "lstm \"b\": x must be (seq, batch, input_size) with seq > 0, got shape (0, 2, 4)");
  EXPECT_EQ(error_message<ShapeError>([&] { lstm(x, in("h3", {3, 5}), h, w_ih, w_hh, b, b, "c"); }),
            "lstm \"c\": h0 must be (batch, hidden_size) with batch 2 as in x (3, 2, 4), got shape (3, 5)");
  EXPECT_EQ(error_message<ShapeError>([&] { lstm(x, h, in("c", {2, 4}), w_ih, w_hh, b, b, "d"); }),
            "lstm \"d\": c0 must be (2, 5) for input size 4 and hidden size 5 (4 gates), got shape (2, 4)");
  EXPECT_EQ(error_message<ShapeError>([&] { lstm(x, h, h, w_hh, w_hh, b, b, "e"); }),
            "lstm \"e\": weight_ih must be (20, 4) for input size 4 and hidden size 5 (4 gates), got shape (20, 5)");
  EXPECT_EQ(error_message<ShapeError>([&] { lstm(x, h, h, w_ih, in("w15", {15, 5}), b, b, "f"); }),
            "lstm \"f\": weight_hh must be (20, 5) for input size 4 and hidden size 5 (4 gates), got shape (15, 5)");
  EXPECT_EQ(error_message<ShapeError>([&] { lstm(x, h, h, w_ih, w_hh, b, in("b2", {1, 20}), "g"); }),
            "lstm \"g\": bias_hh must be (20,) for input size 4 and hidden size 5 (4 gates), got shape (1, 20)");
  EXPECT_EQ(error_message<ShapeError>([&] { g.apply("lstm", {x, h}, {}, "h"); }), "lstm \"h\": takes 7 inputs, got 2");
}

TEST(Lstm, GradientMatchesFiniteDifferences) { EXPECT_OP_GRADIENTS_OK("lstm"); }

}  // namespace
}  // namespace dagrad
