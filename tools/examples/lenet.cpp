// A LeNet-style CNN learns to tell four generated shapes apart (square outlines, plus signs, rings and
// diagonal lines, at random places and sizes on 16x16 images with Gaussian noise), trained with Adam on
// minibatches and scored on a held-out test split it never trains on.
//   lenet            float64
//   lenet float32    the same model, data and seed in float32
#include <dagrad/dagrad.hpp>
#include <dagrad/optim.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string_view>

using namespace dagrad;

constexpr std::int64_t side = 16;
constexpr int classes = 4;

// One image per row (side * side pixels), its class in y: the shape drawn in 1s over N(0, 0.3^2) noise.
Dataset generate_shapes(std::int64_t count, Rng& rng) {
  Dataset data{Tensor(Shape{count, side * side}), Tensor(Shape{count, 1}), {}, "shape",
               {"square", "plus", "ring", "diagonal"}};
  std::normal_distribution<double> noise(0.0, 0.3);
  std::uniform_int_distribution<std::int64_t> size(3, 6), position(1, side - 2);
  for (std::int64_t n = 0; n < count; ++n) {
    const int label = int(n % classes);
    const std::int64_t half = size(rng), cy = std::clamp(position(rng), half, side - 1 - half),
                       cx = std::clamp(position(rng), half, side - 1 - half);
    auto pixel = [&](std::int64_t y, std::int64_t x) -> double& { return data.x.at({n, y * side + x}); };
    for (std::int64_t i = 0; i < side * side; ++i) data.x.at({n, i}) = noise(rng);
    for (std::int64_t y = 0; y < side; ++y) {
      for (std::int64_t x = 0; x < side; ++x) {
        const std::int64_t dy = y - cy, dx = x - cx;
        const double r = std::sqrt(double(dy * dy + dx * dx));
        const bool on = label == 0   ? std::max(std::abs(dy), std::abs(dx)) == half
                        : label == 1 ? (dy == 0 || dx == 0) && std::abs(dy) + std::abs(dx) <= half
                        : label == 2 ? std::abs(r - double(half)) < 0.5
                                     : (n / classes % 2 == 0 ? dy == dx : dy == -dx) && std::abs(dy) <= half;
        if (on) pixel(y, x) += 1.0;
      }
    }
    data.y.at({n, 0}) = label;
  }
  return data;
}

int main(int argc, char** argv) {
  const DType dtype = argc > 1 && std::string_view(argv[1]) == "float32" ? DType::float32 : DType::float64;
  Rng rng(7);
  const Dataset train = generate_shapes(1280, rng), test = generate_shapes(400, rng);
  constexpr std::int64_t batch = 32;

  Graph g;
  Expr x = g.input("x", Tensor(Shape{batch, side * side}, dtype));
  Expr y = g.input("y", Tensor(Shape{batch, 1}, dtype));
  Conv2d conv1(g, 1, 6, {5, 5}, rng, "conv1", {.padding = {2, 2}}, true, dtype);   // 6x16x16, pooled to 6x8x8
  Conv2d conv2(g, 6, 16, {3, 3}, rng, "conv2", {.padding = {1, 1}}, true, dtype);  // 16x8x8, pooled to 16x4x4
  Linear fc1(g, 256, 64, rng, "fc1", init::Method::he_uniform, dtype);
  Linear fc2(g, 64, classes, rng, "fc2", init::Method::xavier_uniform, dtype);
  MaxPool2d pool({2, 2});
  auto model = [&](Expr images) {
    Expr h = pool(relu(conv1(reshape(images, {-1, 1, side, side}))));
    h = flatten(pool(relu(conv2(h))));
    return fc2(relu(fc1(h)));
  };
  Expr loss = softmax_cross_entropy(model(x), y, "loss");
  Expr test_logits = model(g.input("test_x", test.x.to(dtype)));  // the same weights on the held-out images
  Adam optimizer(g.parameters(), 0.003);

  Minibatches batches(train, batch, rng);
  for (int epoch = 1; epoch <= 6; ++epoch) {
    double total = 0;
    for (const Batch& b : batches) {
      g.set_value(x, b.x);
      g.set_value(y, b.y);
      total += g.forward(loss).get(0);
      g.backward(loss);
      optimizer.step();
    }
    fmt::print("epoch {}  loss {:.4f}\n", epoch, total / double(batches.batches_per_epoch()));
  }
  fmt::print("dtype: {}\n", to_string(dtype));
  const Tensor scores = Tensor::from(g.forward(test_logits)).to(DType::float64);  // accuracy() reads float64
  fmt::print("test accuracy: {:.4f}\n", accuracy(scores, test.y));
}
