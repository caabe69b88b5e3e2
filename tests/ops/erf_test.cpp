#include <cmath>

#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "support/error_message.hpp"
#include "support/op_gradients.hpp"

namespace dagrad {
namespace {
using testing_support::error_message;

// Values of erf(x), 2/sqrt(pi) e^(-x^2) and its derivative -4x/sqrt(pi)
// e^(-x^2), from Python's math.erf and math.exp.
const Tensor points{-2.0, 0.0, 0.5, 1.0, 3.0};
const double values[] = {-0.9953222650189527, 0.0, 0.5204998778130465, 0.8427007929497149, 0.9999779095030014};
const double slopes[] = {0.020666985354092053, 1.1283791670955126, 0.8787825789354448, 0.4151074974205947,
                         0.00013925305194674786};
const double curvatures[] = {0.08266794141636821, 0.0, -0.8787825789354448, -0.8302149948411894,
                             -0.0008355183116804872};

TEST(Erf, ValuesAndGradient) {
  Graph g;
  Expr x = g.input("x", points, true);
  Expr y = erf(x);
  g.forward(y);
  g.backward(y, Tensor(Shape{5}, 1.0));
  for (int i = 0; i < 5; ++i) {
    EXPECT_NEAR(y.value().get(i), values[i], 1e-15) << i;
    EXPECT_NEAR(x.grad().get(i), slopes[i], 1e-15) << i;
  }
}

// The gradient as graph nodes, differentiated again: the second derivative.
TEST(Erf, SecondDerivative) {
  Graph g;
  Expr x = g.input("x", points, true);
  Expr slope = grad(sum(erf(x)), {x})[0];
  Expr curvature = grad(sum(slope), {x})[0];
  g.forward(std::vector<Expr>{slope, curvature});
  for (int i = 0; i < 5; ++i) {
    EXPECT_NEAR(slope.value().get(i), slopes[i], 1e-15) << i;
    EXPECT_NEAR(curvature.value().get(i), curvatures[i], 1e-14) << i;
  }
}

TEST(Erf, Float32) {
  Graph g;
  Expr x = g.input("x", Tensor(Shape{2}, std::vector<float>{0.5f, -2.0f}), true);
  Expr y = erf(x);
  g.forward(y);
  EXPECT_FLOAT_EQ(y.value().get(0), 0.5204998778130465f);
  EXPECT_FLOAT_EQ(y.value().get(1), -0.9953222650189527f);
  g.backward(y, Tensor(Shape{2}, std::vector<float>{1, 1}));
  EXPECT_FLOAT_EQ(x.grad().get(0), 0.8787825789354448f);
}

TEST(Erf, TakesOneInputAndNoAttributes) {
  Graph g;
  Expr x = g.input("x", Tensor{1});
  EXPECT_EQ(error_message<ShapeError>([&] { g.apply("erf", {x, x}, {}, "e"); }), "erf \"e\": takes 1 input, got 2");
  EXPECT_THROW(g.apply("erf", {x}, {{"scale", 2.0}}, "e"), Error);
}

TEST(Erf, GradientMatchesFiniteDifferences) { testing_support::expect_op_gradients("erf"); }

}  // namespace
}  // namespace dagrad
