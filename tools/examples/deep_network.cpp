// The course's L-layer network, [2, 20, 7, 5, 1] with ReLU hidden layers, on
// a small noisy data set it can overfit (two moons, 200 training points,
// noise 0.35, and 1000 held-out test points), trained three ways as in the
// course's regularization exercise:
//   plain:    the cross-entropy cost alone;
//   L2:       cost + lambda / (2 m) * sum of W^2 over the weight matrices,
//             written with existing ops (square, sum, mul);
//   dropout:  Dropout after the first two hidden layers (training mode
//             only; the graph is switched to evaluation mode to measure).
// Same initial weights and Adam steps for all three; it prints each one's
// train and test accuracy.
#include <string>
#include <vector>

#include <dagrad/dagrad.hpp>
#include <fmt/format.h>

namespace {
using namespace dagrad;

constexpr int iterations = 3000;
constexpr double learning_rate = 0.01;

struct Result {
  double train_accuracy, test_accuracy;
};

Result train(const Dataset& train_set, const Dataset& test_set, double lambda, double drop_probability) {
  Graph g;
  Rng rng(3);  // the same weights for every variant
  Expr x = g.input("x", train_set.x);
  Expr y = g.input("y", train_set.y);
  const std::vector<std::int64_t> sizes{2, 20, 7, 5, 1};
  std::vector<Linear> layers;
  Sequential model;
  for (std::size_t i = 0; i + 1 < sizes.size(); ++i) {
    const bool last = i + 2 == sizes.size();
    layers.emplace_back(g, sizes[i], sizes[i + 1], rng, fmt::format("layer{}", i + 1),
                        last ? init::Method::xavier_uniform : init::Method::he_uniform);
    model.add(layers.back());
    if (last) break;
    model.add(Activation::relu);
    if (drop_probability > 0 && i < 2) model.add(Dropout(drop_probability, std::int64_t(i + 1)));
  }
  Expr logits = model(x);
  Expr loss = bce_with_logits(logits, y, "cost");
  if (lambda > 0) {
    // lambda / (2 m) * sum over layers of ||W||^2 (biases are not penalized).
    Expr penalty = sum(square(layers[0].weight()));
    for (std::size_t i = 1; i < layers.size(); ++i) penalty = penalty + sum(square(layers[i].weight()));
    loss = loss + penalty * (lambda / (2.0 * double(train_set.size())));
  }
  Adam optimizer(model.parameters(), learning_rate);
  for (int step = 0; step < iterations; ++step) {
    g.forward(loss);
    g.backward(loss);
    optimizer.step();
  }
  g.set_training(false);  // dropout off: measure the whole network
  Result result{};
  result.train_accuracy = accuracy(g.forward(logits), train_set.y);
  g.set_value(x, test_set.x);
  g.set_value(y, test_set.y);
  result.test_accuracy = accuracy(g.forward(logits), test_set.y);
  return result;
}
}  // namespace

int main() {
  const Dataset train_set = two_moons(200, 0.35, 1);
  const Dataset test_set = two_moons(1000, 0.35, 2);
  struct Variant {
    std::string name;
    double lambda, drop_probability;
  };
  for (const Variant& v : {Variant{"plain", 0.0, 0.0}, Variant{"L2", 0.7, 0.0}, Variant{"dropout", 0.0, 0.14}}) {
    const Result r = train(train_set, test_set, v.lambda, v.drop_probability);
    fmt::print("{} train accuracy: {:.4f}\n{} test accuracy: {:.4f}\n", v.name, r.train_accuracy, v.name,
               r.test_accuracy);
  }
  return 0;
}
