// y = m + log(sum(e^(x - m))) over every element or one axis, m the lane's maximum; dx = dy * e^(x - y)
//
// PyTorch's logsumexp(x, dim, keepdim): subtracting the maximum keeps e^x
// from overflowing (logsumexp([1000, 1000]) is 1000 + log 2), and an
// infinite maximum is replaced by 0 as PyTorch does, so a lane of -inf gives
// -inf, one holding +inf gives +inf, and an empty lane gives log 0 = -inf.
// The gradient there follows PyTorch's formula too: e^(-inf - (-inf)) is NaN.
// Attributes {"axis": k, "keepdims": bool} as sum's.
#include <algorithm>
#include <cmath>
#include <limits>

#include "dagrad/autodiff.hpp"
#include "dagrad/ops.hpp"
#include "dagrad/reduction.hpp"

namespace {
using namespace dagrad;

// The attributes, label, examples and builder are ReductionOp's.
class LogSumExp final : public ReductionOp<LogSumExp> {
 public:
  static constexpr std::string_view op_name = "logsumexp";
  using ReductionOp::ReductionOp;

  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView output) {
    reduction_.reduce_lanes<T>(inputs[0], output, [](auto at, std::int64_t length) {
      T shift = -std::numeric_limits<T>::infinity();
      for (std::int64_t k = 0; k < length; ++k) shift = std::max(shift, at(k));
      if (std::isinf(shift)) shift = T(0);
      T total = 0;
      for (std::int64_t k = 0; k < length; ++k) total += std::exp(at(k) - shift);
      return std::log(total) + shift;
    });
  }
  template <class T>
  void backward_as(std::span<const TensorView> inputs, const TensorView& output, const TensorView& output_grad,
                   std::span<GradientSlot> grads) {
    const AxisReduction::Lanes lanes = reduction_.lanes(inputs[0].shape());
    const T* x = inputs[0].data<T>();
    const T* y = output.data<T>();
    const T* dy = output_grad.data<T>();
    T* dx = grads[0].grad.data<T>();
    for (std::int64_t lane = 0; lane < lanes.count; ++lane) {
      const std::int64_t start = lanes.start(lane);
      for (std::int64_t k = 0; k < lanes.length; ++k) {
        const std::int64_t e = start + k * lanes.stride;
        assign_or_add(dx[e], dy[lane] * std::exp(x[e] - y[lane]), grads[0].accumulate);
      }
    }
  }

  std::vector<Expr> symbolic_backward(Graph&, std::span<const Expr> x, const Expr& y, const Expr& dy,
                                      std::span<const bool>) const override {
    return {reduction_.kept(dy, x[0].shape()) * exp(x[0] - reduction_.kept(y, x[0].shape()))};
  }
};
}  // namespace

namespace dagrad {
Expr logsumexp(Expr x, std::string name) { return LogSumExp::add_to(x, {}, std::move(name)); }
Expr logsumexp(Expr x, std::int64_t axis, bool keepdims, std::string name) {
  return LogSumExp::add_to(x, AxisReduction(axis, keepdims), std::move(name));
}
}  // namespace dagrad

DAGRAD_REGISTER_OP(logsumexp, LogSumExp)
