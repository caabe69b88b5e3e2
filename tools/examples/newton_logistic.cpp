// Newton's method on a small logistic regression, with the Hessian from
// Hessian-vector products of the symbolic gradient (dagrad/autodiff.hpp).
//
// loss(w, b) = bce_with_logits(X w + b, t) + (lambda / 2) |w|^2 on two
// overlapping Gaussian clouds: strictly convex, so Newton's step
// [w; b] -= H^-1 g converges quadratically from zero, in a handful of steps
// where gradient descent needs hundreds.
#include <cmath>

#include <Eigen/Dense>
#include <fmt/format.h>

#include "dagrad/dagrad.hpp"

int main() {
  using namespace dagrad;
  constexpr std::int64_t points = 200, features = 2;
  constexpr double lambda = 1e-2;

  // Class 1 around (1, 1), class 0 around (-1, -0.5), unit spread.
  Rng rng(7);
  std::normal_distribution<double> noise(0.0, 1.0);
  Tensor xs(Shape{points, features}), ts(Shape{points, 1});
  for (std::int64_t i = 0; i < points; ++i) {
    const bool positive = i % 2 == 0;
    xs.set(2 * i, (positive ? 1.0 : -1.0) + noise(rng));
    xs.set(2 * i + 1, (positive ? 1.0 : -0.5) + noise(rng));
    ts.set(i, positive ? 1.0 : 0.0);
  }

  Graph graph;
  Expr x = graph.constant(xs, "X");
  Expr t = graph.constant(ts, "t");
  Expr w = graph.parameter("w", Tensor(Shape{features, 1}));
  Expr b = graph.parameter("b", Tensor(Shape{1}));
  Expr logits = matmul(x, w) + b;
  Expr loss = bce_with_logits(logits, t) + (lambda / 2) * sum(square(w));

  // The gradient and the Hessian-vector products, built once as graph nodes.
  std::vector<Expr> leaves{w, b};
  std::vector<Expr> gradient = grad(loss, leaves);
  Expr vw = graph.input("v_w", Tensor(Shape{features, 1}));
  Expr vb = graph.input("v_b", Tensor(Shape{1}));
  std::vector<Expr> directions{vw, vb};
  std::vector<Expr> products = hvp(loss, leaves, directions);

  constexpr int n = int(features) + 1;  // the unknowns: w then b
  auto set_direction = [&](int k) {
    Tensor dw(Shape{features, 1}), db(Shape{1});
    if (k < features) dw.set(k, 1.0); else db.set(0, 1.0);
    graph.set_value(vw, dw);
    graph.set_value(vb, db);
  };
  int steps = 0;
  double gradient_norm = 0;
  for (; steps < 20; ++steps) {
    graph.forward(loss);
    graph.forward(std::span<const Expr>(gradient));
    Eigen::VectorXd g(n);
    for (int k = 0; k < features; ++k) g(k) = gradient[0].value().get(k);
    g(n - 1) = gradient[1].value().get(0);
    gradient_norm = g.norm();
    fmt::print("step {}: loss {:.12f}, gradient norm {:.3e}\n", steps, loss.value().item(), gradient_norm);
    if (gradient_norm < 1e-12) break;
    // The Hessian, one column per Hessian-vector product with a unit vector.
    Eigen::MatrixXd hessian(n, n);
    for (int k = 0; k < n; ++k) {
      set_direction(k);
      graph.forward(std::span<const Expr>(products));
      for (int r = 0; r < features; ++r) hessian(r, k) = products[0].value().get(r);
      hessian(n - 1, k) = products[1].value().get(0);
    }
    const Eigen::VectorXd newton_step = hessian.ldlt().solve(g);
    ValueWriter w_values = graph.write_value(w);
    for (int k = 0; k < features; ++k) w_values.set(k, w_values.view().get(k) - newton_step(k));
    ValueWriter b_values = graph.write_value(b);
    b_values.set(0, b_values.view().get(0) - newton_step(n - 1));
  }
  fmt::print("converged in {} Newton steps: gradient norm {:.3e}\n", steps, gradient_norm);
  fmt::print("w = ({:.6f}, {:.6f}), b = {:.6f}\n", w.value().get(0), w.value().get(1), b.value().get(0));

  graph.forward(logits);
  int correct = 0;
  for (std::int64_t i = 0; i < points; ++i) correct += (logits.value().get(i) > 0) == (ts.get(i) > 0.5);
  fmt::print("train accuracy: {:.4f}\n", double(correct) / double(points));
  return gradient_norm < 1e-12 ? 0 : 1;
}
