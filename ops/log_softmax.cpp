// y = x - (m + log(sum(e^(x - m)))) per row (last axis), m the row maximum; dx = dy - e^y * sum(dy)
//
// The log-sum-exp with the maximum taken out never overflows, and y is
// computed directly rather than as log(softmax(x)), which would give -inf
// where softmax underflows to 0 (log_softmax([1000, 0]) is [0, -1000]). An
// empty last axis gives an empty result.
#include <cmath>

#include "dagrad/autodiff.hpp"
#include "dagrad/eigen.hpp"
#include "dagrad/ops.hpp"

namespace {
using namespace dagrad;

class LogSoftmax final : public UnaryOp<LogSoftmax> {
 public:
  std::string_view name() const override { return "log_softmax"; }
  // Row by row: each row stays in cache between its passes.
  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView output) {
    auto x = as_rows<T>(inputs[0]);
    auto y = as_rows<T>(output);
    if (x.cols() == 0) return;
    for (Eigen::Index r = 0; r < x.rows(); ++r) {
      y.row(r) = x.row(r) - x.row(r).maxCoeff();
      y.row(r) -= std::log(y.row(r).exp().sum());
    }
  }
  template <class T>
  void backward_as(std::span<const TensorView>, const TensorView& output, const TensorView& output_grad,
                   std::span<GradientSlot> grads) {
    auto y = as_rows<T>(output);
    auto dy = as_rows<T>(output_grad);
    write_gradient_by_rows<T>(grads[0], [&](Eigen::Index r) { return dy.row(r) - y.row(r).exp() * dy.row(r).sum(); });
  }
  std::vector<Expr> symbolic_backward(Graph&, std::span<const Expr>, const Expr& y, const Expr& dy,
                                      std::span<const bool>) const override {
    return {dy - exp(y) * row_sums(dy)};
  }
};
}  // namespace

namespace dagrad {
Expr log_softmax(Expr x, std::string name) {
  return x.graph().add_op(std::make_unique<LogSoftmax>(), {x}, std::move(name));
}
}  // namespace dagrad

DAGRAD_REGISTER_OP(log_softmax, LogSoftmax)
