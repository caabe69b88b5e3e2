// Conv2d, MaxPool2d and flatten: names, shapes, PyTorch's default init bounds, and the math through the ops.
#include <cmath>

#include <gtest/gtest.h>

#include "dagrad/nn.hpp"
#include "dagrad/ops.hpp"

namespace dagrad {
namespace {

TEST(Conv2dLayer, ParametersAreNamedAndShapedAsPyTorch) {
  Graph g;
  Rng rng(1);
  Conv2d layer(g, 4, 6, {3, 2}, rng, "conv1", {.groups = 2});
  EXPECT_EQ(layer.weight().name(), "conv1/W");
  EXPECT_EQ(layer.weight().shape(), (Shape{6, 2, 3, 2}));
  ASSERT_TRUE(layer.bias());
  EXPECT_EQ(layer.bias()->name(), "conv1/b");
  EXPECT_EQ(layer.bias()->shape(), (Shape{6}));
  EXPECT_EQ(layer.parameters().size(), 2u);
  Conv2d no_bias(g, 1, 2, {3, 3}, rng, "conv2", {}, /*bias=*/false);
  EXPECT_FALSE(no_bias.bias());
  EXPECT_EQ(no_bias.parameters().size(), 1u);
  EXPECT_THROW(Conv2d(g, 3, 6, {3, 3}, rng, "odd", {.groups = 2}), Error);  // 3 channels in 2 groups
  EXPECT_THROW(Conv2d(g, 1, 2, {3, 3}, rng, "conv1"), Error);               // the names are taken
}

TEST(Conv2dLayer, InitIsUniformWithinOneOverSqrtFanIn) {
  Graph g;
  Rng rng(3);
  Conv2d layer(g, 8, 16, {3, 3}, rng, "conv", {.groups = 2});
  const double bound = 1.0 / std::sqrt(4.0 * 9.0);  // fan_in = in/groups * kh * kw = 36
  double largest = 0, sum = 0;
  for (double v : layer.weight().value()) largest = std::max(largest, std::abs(v)), sum += v;
  EXPECT_LE(largest, bound);
  EXPECT_GT(largest, 0.95 * bound);  // 576 draws fill the range
  EXPECT_LT(std::abs(sum / 576.0), 0.05 * bound * 3);
  for (double v : layer.bias()->value()) EXPECT_LE(std::abs(v), bound);
}

TEST(Conv2dLayer, ComputesTheConvolutionWithItsParameters) {
  Graph g;
  Rng rng(1);
  Conv2d layer(g, 1, 1, {2, 2}, rng, "conv", {.stride = {1, 1}, .padding = {0, 0}});
  g.set_value(layer.weight(), Tensor(Shape{1, 1, 2, 2}, {1, 2, 3, 4}));
  g.set_value(*layer.bias(), Tensor{0.5});
  Expr x = g.input("x", Tensor(Shape{1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9}));
  Expr y = layer(x);
  EXPECT_EQ(g.forward(y), Tensor(Shape{1, 1, 2, 2}, {37.5, 47.5, 67.5, 77.5}));
  EXPECT_EQ(y.name().rfind("conv/", 0), 0u) << y.name();
  layer(x);  // calling it again adds nodes that share the weights
}

TEST(Conv2dLayer, Float32ParametersAreTheSameDraws) {
  Graph g;
  Rng a(5), b(5);
  Conv2d f64(g, 2, 3, {3, 3}, a, "f64");
  Conv2d f32(g, 2, 3, {3, 3}, b, "f32", {}, true, DType::float32);
  EXPECT_EQ(f32.weight().dtype(), DType::float32);
  EXPECT_EQ(Tensor::from(f32.weight().value()), Tensor::from(f64.weight().value()).to(DType::float32));
}

TEST(MaxPool2dLayer, PoolsAndFlattenKeepsTheBatch) {
  Graph g;
  Expr x = g.input("x", Tensor(Shape{2, 3, 4, 4}, 1.0));
  Expr pooled = MaxPool2d({2, 2})(x);
  EXPECT_EQ(pooled.shape(), (Shape{2, 3, 2, 2}));
  Expr flat = flatten(pooled);
  EXPECT_EQ(flat.shape(), (Shape{2, 12}));
  EXPECT_EQ(g.node(flat).op()->attrs().get_ints("reshape", "shape"), (std::vector<std::int64_t>{-1, 12}));
}

}  // namespace
}  // namespace dagrad
