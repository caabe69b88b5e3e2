// A float32 model trains to the accuracy of the same model in float64
// (issue 17). Stated margin: 0.02 train accuracy on the planar flower.
#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"

namespace dagrad {
namespace {

double train_planar(DType dtype) {
  Dataset data = planar_flower();
  Graph g;
  Rng rng(1);
  Expr x = g.input("x", data.x.to(dtype));
  Expr y = g.input("y", data.y.to(dtype));
  MLP model(g, {2, 8, 1}, Activation::tanh, rng, "mlp", dtype);
  Expr logits = model(x);
  Expr loss = bce_with_logits(logits, y, "loss");
  Adam optimizer(model.parameters(), 0.05);
  for (int epoch = 0; epoch < 600; ++epoch) {
    g.forward(loss);
    g.backward(loss);
    optimizer.step();
  }
  EXPECT_EQ(model.parameters()[0].dtype(), dtype);
  g.forward(logits);
  return accuracy(Tensor::from(logits.value()).to(DType::float64), data.y);
}

TEST(Float32Training, PlanarMlpReachesTheFloat64AccuracyWithin002) {
  const double accuracy64 = train_planar(DType::float64);
  const double accuracy32 = train_planar(DType::float32);
  EXPECT_GT(accuracy64, 0.88);
  EXPECT_NEAR(accuracy32, accuracy64, 0.02);
}

}  // namespace
}  // namespace dagrad
