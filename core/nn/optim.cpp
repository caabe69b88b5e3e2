// SGD (with optional momentum), Adam and AdamW over a list of parameter
// nodes, learning-rate schedules and gradient clipping. Updates run in place
// over each parameter's buffer, fused by Eigen into one loop per parameter,
// with no allocation.
#include "dagrad/optim.hpp"

#include <cmath>
#include <numbers>

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

namespace {
void check_weight_decay(std::string_view optimizer, double weight_decay) {
  if (!(weight_decay >= 0) || !std::isfinite(weight_decay)) {
    throw Error(fmt::format("{}: weight_decay must be a finite number >= 0, not {}", optimizer, weight_decay));
  }
}
}  // namespace

SGD::SGD(std::vector<Expr> parameters, double learning_rate, double momentum, double weight_decay)
    : Optimizer(std::move(parameters), learning_rate), momentum_(momentum), weight_decay_(weight_decay) {
  if (!(momentum >= 0 && momentum < 1)) {
    throw Error(fmt::format("SGD: momentum must be in [0, 1), not {}", momentum));
  }
  check_weight_decay("SGD", weight_decay);
  if (momentum_ > 0) velocity_ = zero_state(this->parameters());
}

void SGD::update(std::size_t index, const TensorView& w, const TensorView& g) {
  visit_dtype(w.dtype(), [&]<class T>() {
    Vector<T> weights = vector_of<T>(w);
    ConstVector<T> grad(g.data<T>(), g.size());
    const T lr = T(learning_rate()), decay = T(weight_decay_);
    // Every expression reads w before it is written (elementwise, no aliasing).
    if (momentum_ == 0) {
      weights -= lr * (grad + decay * weights);
      return;
    }
    Vector<T> velocity = vector_of<T>(velocity_[index]);
    velocity = T(momentum_) * velocity + grad + decay * weights;
    weights -= lr * velocity;
  });
}

Adam::Adam(std::vector<Expr> parameters, double learning_rate, double beta1, double beta2, double epsilon,
           double weight_decay)
    : Adam(std::move(parameters), learning_rate, beta1, beta2, epsilon, weight_decay, Decay::coupled) {}

Adam::Adam(std::vector<Expr> parameters, double learning_rate, double beta1, double beta2, double epsilon,
           double weight_decay, Decay decay)
    : Optimizer(std::move(parameters), learning_rate),
      beta1_(beta1),
      beta2_(beta2),
      epsilon_(epsilon),
      weight_decay_(weight_decay),
      decay_(decay) {
  const char* name = decay == Decay::coupled ? "Adam" : "AdamW";
  if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
    throw Error(fmt::format("{}: betas must be in [0, 1), not {} and {}", name, beta1, beta2));
  }
  if (!(epsilon >= 0)) throw Error(fmt::format("{}: epsilon must be >= 0, not {}", name, epsilon));
  check_weight_decay(name, weight_decay);
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
    if (decay_ == Decay::decoupled) {
      if (weight_decay_ != 0) weights *= T(1 - learning_rate() * weight_decay_);
      m = T(beta1_) * m + T(1 - beta1_) * grad;
      v = T(beta2_) * v + T(1 - beta2_) * grad.square();
    } else {
      // The coupled penalty: g + lambda * w, read before w moves.
      const T decay = T(weight_decay_);
      m = T(beta1_) * m + T(1 - beta1_) * (grad + decay * weights);
      v = T(beta2_) * v + T(1 - beta2_) * (grad + decay * weights).square();
    }
    weights -= T(step_size) * m / (v.sqrt() / T(bias_correction2_sqrt) + T(epsilon_));
  });
}

AdamW::AdamW(std::vector<Expr> parameters, double learning_rate, double beta1, double beta2, double epsilon,
             double weight_decay)
    : Adam(std::move(parameters), learning_rate, beta1, beta2, epsilon, weight_decay, Decay::decoupled) {}

// ---- learning-rate schedules ----

LearningRateSchedule::LearningRateSchedule(Optimizer& optimizer)
    : optimizer_(optimizer), base_(optimizer.learning_rate()) {}

void LearningRateSchedule::step() {
  ++epoch_;
  optimizer_.set_learning_rate(learning_rate_at(epoch_));
}

StepLR::StepLR(Optimizer& optimizer, std::int64_t step_size, double gamma)
    : LearningRateSchedule(optimizer), step_size_(step_size), gamma_(gamma) {
  if (step_size < 1) throw Error(fmt::format("StepLR: step_size must be at least 1, not {}", step_size));
  if (!(gamma >= 0) || !std::isfinite(gamma)) {
    throw Error(fmt::format("StepLR: gamma must be a finite number >= 0, not {}", gamma));
  }
}

double StepLR::learning_rate_at(std::int64_t epoch) const {
  return base_learning_rate() * std::pow(gamma_, double(epoch / step_size_));
}

CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, std::int64_t t_max, double eta_min)
    : LearningRateSchedule(optimizer), t_max_(t_max), eta_min_(eta_min) {
  if (t_max < 1) throw Error(fmt::format("CosineAnnealingLR: T_max must be at least 1, not {}", t_max));
  if (!(eta_min >= 0) || !std::isfinite(eta_min)) {
    throw Error(fmt::format("CosineAnnealingLR: eta_min must be a finite number >= 0, not {}", eta_min));
  }
}

double CosineAnnealingLR::learning_rate_at(std::int64_t epoch) const {
  const double base = base_learning_rate();
  return eta_min_ + (base - eta_min_) * (1 + std::cos(std::numbers::pi * double(epoch) / double(t_max_))) / 2;
}

// ---- gradient clipping ----

double clip_grad_norm(Graph& graph, const std::vector<Expr>& parameters, double max_norm) {
  if (!(max_norm >= 0) || !std::isfinite(max_norm)) {
    throw Error(fmt::format("clip_grad_norm: max_norm must be a finite number >= 0, not {}", max_norm));
  }
  double squares = 0;
  for (const Expr& p : parameters) {
    if (!p.valid() || &p.graph() != &graph) {
      throw Error("clip_grad_norm: a parameter handle is empty or belongs to another graph");
    }
    if (!graph.grad_is_fresh(p)) continue;
    const TensorView& grad = graph.node(p).grad();
    double sum = 0;
    visit_dtype(grad.dtype(), [&]<class T>() {
      sum = ConstVector<T>(grad.data<T>(), grad.size()).template cast<double>().square().sum();
    });
    if (!std::isfinite(sum)) {
      throw Error(fmt::format("clip_grad_norm: the gradient of \"{}\" has norm {}, so the total norm is not finite",
                              p.name(), std::sqrt(sum)));
    }
    squares += sum;
  }
  const double total = std::sqrt(squares);
  const double scale = max_norm / (total + 1e-6);
  if (scale >= 1) return total;
  for (const Expr& p : parameters) {
    if (!graph.grad_is_fresh(p)) continue;
    // A leaf's gradient is its node's own storage: scaled in place, as
    // PyTorch's grad.mul_(scale), keeping its generation (still fresh).
    const TensorView& grad = graph.node(p).grad();
    visit_dtype(grad.dtype(), [&]<class T>() { vector_of<T>(grad) *= T(scale); });
  }
  return total;
}

}  // namespace dagrad
