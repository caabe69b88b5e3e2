// y = x - (m + log(sum(e^(x - m)))) per row (last axis), m the row maximum; dx = dy - e^y * sum(dy)
//
// The log-sum-exp with the maximum taken out never overflows, and y is
// computed directly rather than as log(softmax(x)), which would give -inf
// where softmax underflows to 0 (log_softmax([1000, 0]) is [0, -1000]).
#include <cmath>

#include "dagrad/eigen.hpp"
#include "dagrad/ops.hpp"

namespace {
using namespace dagrad;

class LogSoftmax final : public Op {
 public:
  std::string_view name() const override { return "log_softmax"; }
  Shape infer_shape(std::span<const Shape> inputs) const override {
    if (inputs.size() != 1) throw ShapeError(fmt::format("takes 1 input, got {}", inputs.size()));
    return inputs[0];
  }
  // Row by row: each row stays in cache between its passes.
  void forward(std::span<const TensorView> inputs, TensorView output) override {
    auto x = rows(inputs[0]);
    auto y = rows(output);
    if (x.cols() == 0) return;  // an empty last axis: an empty result (no maximum to take)
    for (Eigen::Index r = 0; r < x.rows(); ++r) {
      const double max = x.row(r).maxCoeff();
      y.row(r) = x.row(r) - max;
      y.row(r) -= std::log(y.row(r).exp().sum());
    }
  }
  void backward(std::span<const TensorView>, const TensorView& output, const TensorView& output_grad,
                std::span<GradientSlot> grads) override {
    auto y = rows(output);
    auto dy = rows(output_grad);
    auto dx = rows(grads[0].grad);
    for (Eigen::Index r = 0; r < y.rows(); ++r) {
      auto contribution = dy.row(r) - y.row(r).exp() * dy.row(r).sum();
      if (grads[0].accumulate) dx.row(r) += contribution; else dx.row(r) = contribution;
    }
  }
};
}  // namespace

namespace dagrad {
Expr log_softmax(Expr x, std::string name) {
  return x.graph().add(std::make_unique<LogSoftmax>(), {x}, std::move(name));
}
}  // namespace dagrad

DAGRAD_REGISTER_OP(log_softmax, LogSoftmax)
