// Optimizers: SGD, SGD with momentum, and Adam, with PyTorch's update rules.
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
class SGD : public Optimizer {
 public:
  SGD(std::vector<Expr> parameters, double learning_rate, double momentum = 0.0);
  double momentum() const { return momentum_; }

 protected:
  void update(std::size_t index, const TensorView& w, const TensorView& g) override;

 private:
  double momentum_;
  std::vector<Tensor> velocity_;  // empty without momentum
};

// Kingma & Ba (2015), as PyTorch's Adam:
//   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  t = t + 1
//   w -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
// t counts the steps each parameter has taken.
class Adam : public Optimizer {
 public:
  Adam(std::vector<Expr> parameters, double learning_rate = 0.001, double beta1 = 0.9, double beta2 = 0.999,
       double epsilon = 1e-8);

 protected:
  void update(std::size_t index, const TensorView& w, const TensorView& g) override;

 private:
  double beta1_;
  double beta2_;
  double epsilon_;
  std::vector<Tensor> first_moment_;
  std::vector<Tensor> second_moment_;
  std::vector<std::int64_t> steps_;
};

}  // namespace dagrad
