#include <vector>

#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "dagrad/testing.hpp"
#include "support/error_message.hpp"

namespace dagrad {
namespace {

using testing_support::error_message;

void expect_values(const TensorView& actual, const std::vector<double>& expected, const char* what) {
  ASSERT_EQ(actual.size(), std::int64_t(expected.size())) << what;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_NEAR(actual.get(std::int64_t(i)), expected[i], 1e-13 * (1.0 + std::abs(expected[i]))) << what << " " << i;
  }
}

// Reference values: tests/ops/reference/normalization_reference.py (NumPy,
// staged chain rule), output in normalization_reference.txt.
TEST(LayerNorm, MatchesTheNumPyReferenceInValueAndGradients) {
  Graph g;
  Expr x = g.input("x", Tensor{{1.0, 2.0, 3.0, 4.0}, {-1.0, 0.5, 2.0, -3.0}}, true);
  Expr w = g.parameter("w", Tensor{1.0, -0.5, 2.0, 0.25});
  Expr b = g.parameter("b", Tensor{0.0, 0.1, -0.2, 0.3});
  Expr y = layer_norm(x, w, b, 1e-5, "y");
  Expr loss = sum(y * g.constant(Tensor{{0.1, -0.2, 0.3, 0.4}, {1.0, 2.0, -1.0, 0.5}}));
  g.forward(loss);
  g.backward(loss);
  expect_values(y.value(), {-1.3416354199689269, 0.32360590332815453, 0.694423613312618, 0.6354088549922317,
                            -0.3378681955114161, -0.13650773685799128, 2.3677982858867623, -0.05476160528698698}, "y");
  expect_values(x.grad(), {-0.04472171731550567, -0.08944254021455339, 0.31304844354270794, -0.17888418601264877,
                           0.6316134391029169, -0.059860417696228185, -0.21074516167710744, -0.36100785972958116}, "dx");
  expect_values(w.grad(), {-0.47203173750830885, 1.0354733087632269, -1.1497356009464885, -0.17286904258640312}, "dw");
  expect_values(b.grad(), {1.1, 1.8, -0.7, 0.9}, "db");
}

TEST(LayerNorm, SameInBothModes) {
  Graph g;
  Expr x = g.input("x", Tensor{{1.0, 5.0, -2.0}});
  Expr y = layer_norm(x, g.constant(Tensor{1.0, 1.0, 1.0}), g.constant(Tensor{0.0, 0.0, 0.0}));
  const Tensor training = Tensor::from(g.forward(y));
  g.set_training(false);
  EXPECT_TRUE(g.forward(y) == training.view());
}

TEST(LayerNorm, Float32AgreesWithFloat64) {
  Graph g;
  Tensor x64{{0.5, -1.5, 2.0, 3.5}, {4.0, 4.0, 4.5, -8.0}};
  Tensor w64{1.0, 2.0, -1.0, 0.5}, b64{0.0, 0.5, 1.0, -1.0};
  Expr y64 = layer_norm(g.input("x", x64), g.input("w", w64), g.input("b", b64));
  Expr y32 = layer_norm(g.input("x32", x64.to(DType::float32)), g.input("w32", w64.to(DType::float32)),
                        g.input("b32", b64.to(DType::float32)));
  g.forward(std::vector<Expr>{y64, y32});
  for (std::int64_t i = 0; i < 8; ++i) EXPECT_NEAR(y32.value().get(i), y64.value().get(i), 1e-6) << i;
}

TEST(LayerNorm, GradientMatchesFiniteDifferences) { EXPECT_OP_GRADIENTS_OK("layer_norm"); }

TEST(LayerNorm, ShapeErrorsNameTheNode) {
  Graph g;
  Expr x = g.input("x", Tensor(Shape{2, 3}));
  Expr w3 = g.input("w", Tensor(Shape{3})), w2 = g.input("w2", Tensor(Shape{2}));
  EXPECT_EQ(error_message<ShapeError>([&] { layer_norm(x, w2, w3, 1e-5, "ln"); }),
            "layer_norm \"ln\": weight must have shape (3,) to match the last axis of x (2, 3), got (2,)");
  EXPECT_EQ(error_message<ShapeError>([&] { layer_norm(x, w3, w2, 1e-5, "ln"); }),
            "layer_norm \"ln\": bias must have shape (3,) to match the last axis of x (2, 3), got (2,)");
  EXPECT_EQ(error_message<ShapeError>([&] { layer_norm(x, w3, w3, 0.0, "ln"); }),
            "layer_norm \"ln\": eps must be positive, got 0");
  EXPECT_EQ(error_message<ShapeError>([&] { layer_norm(g.input("s", Tensor::scalar(1.0)), w3, w3, 1e-5, "ln"); }),
            "layer_norm \"ln\": needs an input of rank 1 or more (normalized over its last axis), got a scalar");
}

TEST(LayerNorm, EpsIsSavedAsAnAttribute) {
  Graph g;
  Expr x = g.input("x", Tensor(Shape{2, 3}));
  Expr w = g.input("w", Tensor(Shape{3}));
  Expr y = layer_norm(x, w, w, 1e-3);
  EXPECT_EQ(g.node(y).op()->attrs(), (Attrs{{"eps", 1e-3}}));
  EXPECT_EQ(OpRegistry::global().make("layer_norm", Attrs{{"eps", 1e-3}})->attrs(), (Attrs{{"eps", 1e-3}}));
}

}  // namespace
}  // namespace dagrad
