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
template <class T>
using ConstVector = Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>;
template <class T>
using Vector = Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>>;

// Per-parameter state (a velocity, Adam's moments): zeros in each
// parameter's shape and dtype, as PyTorch keeps optimizer state.
std::vector<Tensor> zero_state(const std::vector<Expr>& parameters) {
  std::vector<Tensor> state;
  for (const Expr& p : parameters) state.emplace_back(Shape{p.shape().elements()}, p.dtype());
  return state;
}

template <class T>
Vector<T> vector_of(const TensorView& t) {
  return Vector<T>(t.data<T>(), t.size());
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
    nodes_.push_back(&node);
  }
  skipped_.resize(parameters_.size());
  if (!parameters_.empty()) graph_ = &parameters_.front().graph();
}

void Optimizer::set_learning_rate(double learning_rate) {
  if (!(learning_rate >= 0) || !std::isfinite(learning_rate)) {
    throw Error(fmt::format("optimizer: the learning rate must be a finite number >= 0, not {}", learning_rate));
  }
  learning_rate_ = learning_rate;
}

void Optimizer::step() {
  skipped_count_ = 0;
  for (std::size_t i = 0; i < parameters_.size(); ++i) {
    const Node& node = *nodes_[i];
    // Only a gradient of the current generation moves a parameter: one the
    // last backward did not reach is stale, and is skipped (as PyTorch skips
    // a parameter whose .grad is None).
    if (node.grad_generation() == 0 || node.grad_generation() != graph_->grad_generation()) {
      skipped_[skipped_count_++] = i;
      continue;
    }
    if (!(node.shape() == shapes_[i])) {
      throw Error(fmt::format("optimizer: parameter \"{}\" has shape {} but had {} when the optimizer was built",
                              node.name(), node.shape(), shapes_[i]));
    }
    ValueWriter value = graph_->write_value(parameters_[i]);  // marks the graph's values changed
    update(i, value.view(), node.grad());
  }
}

std::vector<std::string> Optimizer::skipped() const {
  std::vector<std::string> names;
  for (std::size_t k = 0; k < skipped_count_; ++k) names.push_back(parameters_[skipped_[k]].name());
  return names;
}

void Optimizer::zero_grad() {
  if (graph_ != nullptr) graph_->zero_grad();
}

SGD::SGD(std::vector<Expr> parameters, double learning_rate, double momentum)
    : Optimizer(std::move(parameters), learning_rate), momentum_(momentum) {
  if (!(momentum >= 0 && momentum < 1)) {
    throw Error(fmt::format("SGD: momentum must be in [0, 1), not {}", momentum));
  }
  if (momentum_ > 0) velocity_ = zero_state(this->parameters());
}

void SGD::update(std::size_t index, const TensorView& w, const TensorView& g) {
  visit_dtype(w.dtype(), [&]<class T>() {
    Vector<T> weights = vector_of<T>(w);
    ConstVector<T> grad(g.data<T>(), g.size());
    const T lr = T(learning_rate());
    if (momentum_ == 0) {
      weights -= lr * grad;
      return;
    }
    Vector<T> velocity = vector_of<T>(velocity_[index]);
    velocity = T(momentum_) * velocity + grad;
    weights -= lr * velocity;
  });
}

Adam::Adam(std::vector<Expr> parameters, double learning_rate, double beta1, double beta2, double epsilon)
    : Optimizer(std::move(parameters), learning_rate), beta1_(beta1), beta2_(beta2), epsilon_(epsilon) {
  if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
    throw Error(fmt::format("Adam: betas must be in [0, 1), not {} and {}", beta1, beta2));
  }
  if (!(epsilon >= 0)) throw Error(fmt::format("Adam: epsilon must be >= 0, not {}", epsilon));
  first_moment_ = zero_state(this->parameters());
  second_moment_ = zero_state(this->parameters());
  steps_.assign(this->parameters().size(), 0);
}

void Adam::update(std::size_t index, const TensorView& w, const TensorView& g) {
  const double t = double(++steps_[index]);
  // PyTorch's arrangement: step = lr / bc1, denominator sqrt(v) / sqrt(bc2) + eps.
  const double bias_correction1 = 1 - std::pow(beta1_, t);
  const double bias_correction2_sqrt = std::sqrt(1 - std::pow(beta2_, t));
  const double step_size = learning_rate() / bias_correction1;
  visit_dtype(w.dtype(), [&]<class T>() {
    Vector<T> weights = vector_of<T>(w);
    ConstVector<T> grad(g.data<T>(), g.size());
    Vector<T> m = vector_of<T>(first_moment_[index]);
    Vector<T> v = vector_of<T>(second_moment_[index]);
    m = T(beta1_) * m + T(1 - beta1_) * grad;
    v = T(beta2_) * v + T(1 - beta2_) * grad.square();
    weights -= T(step_size) * m / (v.sqrt() / T(bias_correction2_sqrt) + T(epsilon_));
  });
}

}  // namespace dagrad
