// A gradient penalty (WGAN-GP's, Gulrajani et al. 2017) trained with
// ordinary first-order steps through a gradient that is itself a graph
// node (dagrad/autodiff.hpp).
//
// A small critic f(x) = tanh(x W1 + b1) W2 scores points x; the penalty
// mean over points of (|df/dx| - 1)^2 pushes its slope towards 1 at every
// point between the two clouds. df/dx comes from grad(sum(f(x)), x): each row of the result is the
// gradient of that point's score (points do not interact). The loss
// separates two clouds, mean f(fake) - mean f(real), plus 10 times the
// penalty; Adam trains it through the penalty's own gradient graph.
#include <cmath>

#include <fmt/format.h>

#include "dagrad/dagrad.hpp"

int main() {
  using namespace dagrad;
  constexpr std::int64_t points = 64, hidden = 16;
  constexpr double penalty_weight = 10.0;
  Rng rng(11);
  std::normal_distribution<double> noise(0.0, 0.5);
  Tensor real_points(Shape{points, 2}), fake_points(Shape{points, 2}), mixed_points(Shape{2 * points, 2});
  for (std::int64_t i = 0; i < points; ++i) {
    for (int k = 0; k < 2; ++k) {
      real_points.set(2 * i + k, 2.0 + noise(rng));
      fake_points.set(2 * i + k, -1.0 + noise(rng));
    }
  }
  // As WGAN-GP: the penalty is taken at random points on the segments
  // between real and fake points, where the critic's slope matters.
  std::uniform_real_distribution<double> along(0.0, 1.0);
  for (std::int64_t i = 0; i < 2 * points; ++i) {
    const double t = along(rng);
    const std::int64_t pair = i % points;
    for (int k = 0; k < 2; ++k) {
      mixed_points.set(2 * i + k, t * real_points.get(2 * pair + k) + (1 - t) * fake_points.get(2 * pair + k));
    }
  }

  Graph graph;
  Expr w1 = graph.parameter("W1", random_normal(Shape{2, hidden}, rng));
  Expr b1 = graph.parameter("b1", Tensor(Shape{hidden}));
  Expr w2 = graph.parameter("W2", random_normal(Shape{hidden, 1}, rng));
  auto critic = [&](Expr x) { return matmul(tanh(matmul(x, w1) + b1), w2); };

  Expr real = graph.constant(real_points, "real");
  Expr fake = graph.constant(fake_points, "fake");
  Expr at = graph.input("penalty_points", mixed_points);
  Expr slopes = grad(sum(critic(at)), {at})[0];          // (2 points, 2): one gradient per row
  Expr slope_norms = sqrt(sum(square(slopes), 1, true) + 1e-12);
  Expr penalty = mean(square(slope_norms - 1.0), "penalty");
  Expr separation = mean(critic(fake)) - mean(critic(real));
  Expr loss = add(separation, penalty_weight * penalty, "loss");

  Adam optimizer(graph.parameters(), 0.01);
  auto report = [&](int step) {
    graph.forward(std::vector<Expr>{loss, penalty, separation, slope_norms});
    double largest = 0;
    for (double v : Tensor::from(slope_norms.value())) largest = std::max(largest, std::abs(v - 1.0));
    fmt::print("step {}: loss {:.6f}, separation {:.6f}, penalty {:.6f}, max | |df/dx| - 1 | {:.4f}\n", step,
               loss.value().item(), separation.value().item(), penalty.value().item(), largest);
    return penalty.value().item();
  };
  const double first_penalty = report(0);
  for (int step = 1; step <= 600; ++step) {
    graph.forward(loss);
    graph.backward(loss);
    optimizer.step();
    if (step % 200 == 0 && step < 600) report(step);
  }
  const double last_penalty = report(600);
  fmt::print("penalty: {:.6f} -> {:.6f}\n", first_penalty, last_penalty);
  return 0;
}
