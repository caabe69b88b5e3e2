// Dropout's run state and the op its symbolic backward adds (ops/dropout.cpp).
//
// dx = dy * m / (1 - p) is dy sent through the mask the forward run drew.
// That mask cannot be recovered from the node's values (y / x is lost
// wherever x = 0), so the gradient graph gets a DropoutReplay node sharing
// the dropout node's run state: it applies exactly the mask (or identity)
// of the dropout node's last forward run and never draws one. Its second
// input, the dropout node's output y, takes no gradient: it makes the
// dropout node run before the replay in every plan that evaluates the
// replay, so the mask replayed is the one that run drew, even when dy does
// not depend on y. Not registered: its mask lives in another node, so it
// cannot be rebuilt from attributes (a graph file holding one does not
// load, and ONNX export names it as unmapped).
#pragma once

#include <memory>
#include <utility>

#include "dagrad/eigen.hpp"
#include "dagrad/ops.hpp"

namespace dagrad::dropout_detail {

// What a dropout node's last forward run did: the identity (evaluation
// mode, p = 0) or output = input * scaled_mask, with scaled_mask m / (1 - p).
struct Run {
  bool identity = true;
  Eigen::ArrayXd scaled_mask;

  // The forward of that run, and its gradient (the same map, linear).
  template <class T>
  void apply(const TensorView& input, TensorView output) const {
    if (identity) {
      flat<T>(output) = flat<T>(input);
    } else {
      flat<T>(output) = flat<T>(input) * scaled_mask.cast<T>();
    }
  }
  template <class T>
  void apply_gradient(const TensorView& dy, GradientSlot& slot) const {
    identity ? write_gradient(slot, flat<T>(dy)) : write_gradient(slot, flat<T>(dy) * scaled_mask.cast<T>());
  }
};

// z = g through the shared run's mask; inputs (g, the dropout node's y).
class DropoutReplay final : public TypedOp<DropoutReplay> {
 public:
  explicit DropoutReplay(std::shared_ptr<const Run> run) : run_(std::move(run)) {}
  std::string_view name() const override { return "dropout_replay"; }
  int arity() const override { return 2; }
  bool differentiable(int input_index) const override { return input_index == 0; }
  Shape infer_shape(std::span<const Shape> inputs) const override {
    if (inputs[0] != inputs[1]) throw ShapeError(fmt::format("input shapes {} and {} differ", inputs[0], inputs[1]));
    return inputs[0];
  }
  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView output) {
    run_->apply<T>(inputs[0], output);
  }
  template <class T>
  void backward_as(std::span<const TensorView>, const TensorView&, const TensorView& dz,
                   std::span<GradientSlot> grads) {
    run_->apply_gradient<T>(dz, grads[0]);
  }
  std::vector<Expr> symbolic_backward(Graph& graph, std::span<const Expr> x, const Expr&, const Expr& dz,
                                      std::span<const bool>) const override {
    return {graph.add_op(std::make_unique<DropoutReplay>(run_), {dz, x[1]}), Expr()};
  }

 private:
  std::shared_ptr<const Run> run_;
};

}  // namespace dagrad::dropout_detail
