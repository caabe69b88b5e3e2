// SGD (with optional momentum) and Adam over a list of parameter nodes.
// Updates run in place over each parameter's buffer, fused by Eigen into one
// loop per parameter, with no allocation.
#include "dagrad/optim.hpp"

#include <cmath>

#include <Eigen/Core>
#include <fmt/format.h>

#include "dagrad/error.hpp"

namespace dagrad {

namespace {
using ConstVector = Eigen::Map<const Eigen::ArrayXd>;
using Vector = Eigen::Map<Eigen::ArrayXd>;

std::vector<std::vector<double>> zero_state(const std::vector<Shape>& shapes) {
  std::vector<std::vector<double>> state;
  for (const Shape& shape : shapes) state.emplace_back(std::size_t(shape.elements()), 0.0);
  return state;
}
}  // namespace

Optimizer::Optimizer(std::vector<Expr> parameters, double learning_rate)
    : parameters_(std::move(parameters)), learning_rate_(learning_rate) {
  set_learning_rate(learning_rate);
  for (const Expr& p : parameters_) {
    if (!p.valid()) throw Error("optimizer: a parameter handle is empty (default-constructed Expr)");
    if (&p.graph() != &parameters_.front().graph()) {
      throw Error(fmt::format("optimizer: parameter \"{}\" belongs to another graph than \"{}\"", p.name(),
                              parameters_.front().name()));
    }
    const Node& node = p.graph().node(p);
    if (node.kind() != NodeKind::parameter) {
      throw Error(fmt::format("optimizer: \"{}\" is a {} node, not a parameter", p.name(), to_string(node.kind())));
    }
    shapes_.push_back(p.shape());
  }
}

void Optimizer::set_learning_rate(double learning_rate) {
  if (!(learning_rate >= 0) || !std::isfinite(learning_rate)) {
    throw Error(fmt::format("optimizer: the learning rate must be a finite number >= 0, not {}", learning_rate));
  }
  learning_rate_ = learning_rate;
}

void Optimizer::step() {
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    Expr p = parameters_[i];
    Graph& graph = p.graph();
    const Node& node = graph.node(p);
    if (!node.has_grad()) continue;
    if (!(node.shape() == shapes_[i])) {
      throw Error(fmt::format("optimizer: parameter \"{}\" has shape {} but had {} when the optimizer was built",
                              p.name(), node.shape(), shapes_[i]));
    }
    const TensorView& grad = node.grad();
    TensorView& value = graph.mutable_value(p);
    update(i, value.data(), grad.data(), value.size());
  }
}

void Optimizer::zero_grad() {
  if (!parameters_.empty()) parameters_.front().graph().zero_grad();
}

SGD::SGD(std::vector<Expr> parameters, double learning_rate, double momentum)
    : Optimizer(std::move(parameters), learning_rate), momentum_(momentum) {
  if (!(momentum >= 0 && momentum < 1)) {
    throw Error(fmt::format("SGD: momentum must be in [0, 1), not {}", momentum));
  }
  if (momentum_ > 0) {
    std::vector<Shape> shapes;
    for (const Expr& p : this->parameters()) shapes.push_back(p.shape());
    velocity_ = zero_state(shapes);
  }
}

void SGD::update(std::size_t index, double* w, const double* g, std::int64_t size) {
  Vector weights(w, size);
  ConstVector grad(g, size);
  if (momentum_ == 0) {
    weights -= learning_rate() * grad;
    return;
  }
  Vector velocity(velocity_[index].data(), size);
  velocity = momentum_ * velocity + grad;
  weights -= learning_rate() * velocity;
}

Adam::Adam(std::vector<Expr> parameters, double learning_rate, double beta1, double beta2, double epsilon)
    : Optimizer(std::move(parameters), learning_rate), beta1_(beta1), beta2_(beta2), epsilon_(epsilon) {
  if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
    throw Error(fmt::format("Adam: betas must be in [0, 1), not {} and {}", beta1, beta2));
  }
  if (!(epsilon >= 0)) throw Error(fmt::format("Adam: epsilon must be >= 0, not {}", epsilon));
  std::vector<Shape> shapes;
  for (const Expr& p : this->parameters()) shapes.push_back(p.shape());
  first_moment_ = zero_state(shapes);
  second_moment_ = zero_state(shapes);
  steps_.assign(shapes.size(), 0);
}

void Adam::update(std::size_t index, double* w, const double* g, std::int64_t size) {
  Vector weights(w, size);
  ConstVector grad(g, size);
  Vector m(first_moment_[index].data(), size);
  Vector v(second_moment_[index].data(), size);
  double t = double(++steps_[index]);
  m = beta1_ * m + (1 - beta1_) * grad;
  v = beta2_ * v + (1 - beta2_) * grad.square();
  // PyTorch's arrangement: step = lr / bc1, denominator sqrt(v) / sqrt(bc2) + eps.
  double bias_correction1 = 1 - std::pow(beta1_, t);
  double bias_correction2_sqrt = std::sqrt(1 - std::pow(beta2_, t));
  double step_size = learning_rate() / bias_correction1;
  weights -= step_size * m / (v.sqrt() / bias_correction2_sqrt + epsilon_);
}

}  // namespace dagrad
