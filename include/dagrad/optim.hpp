// Optimizers: SGD, SGD with momentum, Adam and AdamW, with PyTorch's update
// rules; learning-rate schedules (StepLR, CosineAnnealingLR) and gradient
// clipping by global norm (clip_grad_norm).
//
// An optimizer holds a list of parameter nodes (model.parameters()) and its
// own state for each (a velocity, Adam's moments, in the parameter's dtype),
// sized when it is built. step() reads each parameter's gradient from the
// last Graph::backward and updates its value in place through
// Graph::write_value; it allocates nothing. A parameter without a fresh
// gradient (one the last backward did not reach: Graph::grad_is_fresh) is
// left alone, as PyTorch skips parameters whose .grad is None; skipped()
// names them.
//
// Graph::backward replaces leaf gradients on every pass, so zero_grad() is
// needed only when accumulating gradients over several passes
// (BackwardOptions::accumulate).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dagrad/graph.hpp"

namespace dagrad {

class Optimizer {
 public:
  // Throws Error if a node is not a parameter of a graph, or if the nodes
  // belong to different graphs.
  Optimizer(std::vector<Expr> parameters, double learning_rate);
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // One update of every parameter that has a gradient.
  void step();
  // Sets the gradients of the parameters' graph to zero (Graph::zero_grad:
  // every leaf that takes a gradient, not only these parameters).
  void zero_grad();

  double learning_rate() const { return learning_rate_; }
  // For schedules: takes effect at the next step.
  void set_learning_rate(double learning_rate);
  const std::vector<Expr>& parameters() const { return parameters_; }
  // The parameters the last step() left alone: no fresh gradient.
  std::vector<std::string> skipped() const;

 protected:
  // Updates parameter `index` (value w, gradient g: same shape and dtype).
  virtual void update(std::size_t index, const TensorView& w, const TensorView& g) = 0;

 private:
  std::vector<std::size_t> skipped_;  // sized once: step() allocates nothing
  std::size_t skipped_count_ = 0;
  std::vector<Expr> parameters_;
  std::vector<Shape> shapes_;  // as when built: state is sized for these
  std::vector<const Node*> nodes_;  // the parameters' nodes (a graph never moves its nodes)
  Graph* graph_ = nullptr;
  double learning_rate_;
};

// PyTorch's SGD. Plain (momentum 0): w -= lr * g. With momentum mu:
//   v = mu * v + g;  w -= lr * v
// (v starts at 0, so the first step is a plain one; no dampening, no Nesterov.)
// weight_decay lambda is PyTorch's L2 penalty, coupled to the gradient: g is
// replaced by g + lambda * w before the rule above (the gradient of
// lambda / 2 * |w|^2 added to the loss's).
class SGD : public Optimizer {
 public:
  SGD(std::vector<Expr> parameters, double learning_rate, double momentum = 0.0, double weight_decay = 0.0);
  double momentum() const { return momentum_; }
  double weight_decay() const { return weight_decay_; }

 protected:
  void update(std::size_t index, const TensorView& w, const TensorView& g) override;

 private:
  double momentum_;
  double weight_decay_;
  std::vector<Tensor> velocity_;  // empty without momentum
};

// Kingma & Ba (2015), as PyTorch's Adam:
//   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  t = t + 1
//   w -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
// t counts the steps each parameter has taken. weight_decay lambda is
// PyTorch's coupled L2 penalty: g is replaced by g + lambda * w first, so it
// passes through the moments (AdamW decouples it).
class Adam : public Optimizer {
 public:
  Adam(std::vector<Expr> parameters, double learning_rate = 0.001, double beta1 = 0.9, double beta2 = 0.999,
       double epsilon = 1e-8, double weight_decay = 0.0);
  double weight_decay() const { return weight_decay_; }

 protected:
  // For AdamW: decoupled weight decay instead of the coupled penalty.
  enum class Decay { coupled, decoupled };
  Adam(std::vector<Expr> parameters, double learning_rate, double beta1, double beta2, double epsilon,
       double weight_decay, Decay decay);
  void update(std::size_t index, const TensorView& w, const TensorView& g) override;

 private:
  double beta1_;
  double beta2_;
  double epsilon_;
  double weight_decay_;
  Decay decay_;
  std::vector<Tensor> first_moment_;
  std::vector<Tensor> second_moment_;
  std::vector<std::int64_t> steps_;
};

// Loshchilov & Hutter (2019), as PyTorch's AdamW: the weight decay is
// decoupled from the gradient, applied to the weights before Adam's step:
//   w *= 1 - lr * lambda;  then Adam's update with the plain gradient g.
// PyTorch's defaults: lr 1e-3, betas (0.9, 0.999), eps 1e-8, lambda 1e-2.
class AdamW : public Adam {
 public:
  AdamW(std::vector<Expr> parameters, double learning_rate = 0.001, double beta1 = 0.9, double beta2 = 0.999,
        double epsilon = 1e-8, double weight_decay = 0.01);
};

// Learning-rate schedules, as PyTorch's closed forms: built on an optimizer,
// they take its learning rate as the base (epoch 0); each step() advances one
// epoch and sets the optimizer's rate for the next optimizer steps. Call it
// once per epoch, after that epoch's optimizer steps, as in PyTorch.
class LearningRateSchedule {
 public:
  explicit LearningRateSchedule(Optimizer& optimizer);
  virtual ~LearningRateSchedule() = default;
  LearningRateSchedule(const LearningRateSchedule&) = delete;
  LearningRateSchedule& operator=(const LearningRateSchedule&) = delete;

  void step();
  std::int64_t epoch() const { return epoch_; }
  double base_learning_rate() const { return base_; }
  // The schedule's rate at `epoch` (what step() sets at that epoch).
  virtual double learning_rate_at(std::int64_t epoch) const = 0;

 private:
  Optimizer& optimizer_;
  double base_;
  std::int64_t epoch_ = 0;
};

// lr = base * gamma^floor(epoch / step_size): the rate drops by gamma every
// step_size epochs (PyTorch's StepLR; gamma defaults to 0.1 as there).
class StepLR : public LearningRateSchedule {
 public:
  StepLR(Optimizer& optimizer, std::int64_t step_size, double gamma = 0.1);
  double learning_rate_at(std::int64_t epoch) const override;

 private:
  std::int64_t step_size_;
  double gamma_;
};

// lr = eta_min + (base - eta_min) (1 + cos(pi epoch / T_max)) / 2: half a
// cosine from base down to eta_min at epoch T_max (PyTorch's closed form,
// which past T_max climbs back up).
class CosineAnnealingLR : public LearningRateSchedule {
 public:
  CosineAnnealingLR(Optimizer& optimizer, std::int64_t t_max, double eta_min = 0.0);
  double learning_rate_at(std::int64_t epoch) const override;

 private:
  std::int64_t t_max_;
  double eta_min_;
};

// Gradient clipping by global norm, as PyTorch's clip_grad_norm_: the total
// norm is the L2 norm of all the parameters' gradients taken together; when
// it exceeds max_norm, every gradient is scaled by max_norm / (total + 1e-6)
// (the 1e-6 is PyTorch's). Returns the total norm before clipping. Only
// fresh gradients count and are scaled (stale ones are skipped, as PyTorch
// skips a .grad of None); the sum runs in double for float32 gradients too.
// A non-finite total norm throws Error naming the first parameter whose
// gradient is not finite (PyTorch's error_if_nonfinite=True), rather than
// scaling every gradient to NaN or 0. Allocates nothing.
double clip_grad_norm(Graph& graph, const std::vector<Expr>& parameters, double max_norm);

}  // namespace dagrad
