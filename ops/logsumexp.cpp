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

class LogSumExp final : public TypedOp<LogSumExp> {
 public:
  LogSumExp() = default;
  explicit LogSumExp(const Attrs& attrs) : reduction_(AxisReduction::from_attrs("logsumexp", attrs)) {}
  explicit LogSumExp(AxisReduction reduction) : reduction_(reduction) {}

  std::string_view name() const override { return "logsumexp"; }
  Attrs attrs() const override { return reduction_.attrs(); }
  std::string label() const override { return reduction_.label("logsumexp"); }
  int arity() const override { return 1; }
  Shape infer_shape(std::span<const Shape> inputs) const override { return reduction_.result_shape(inputs[0]); }
  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView output) {
    const AxisReduction::Lanes lanes = reduction_.lanes(inputs[0].shape());
    const T* x = inputs[0].data<T>();
    T* y = output.data<T>();
    for (std::int64_t lane = 0; lane < lanes.count; ++lane) {
      const T* first = x + lanes.start(lane);
      T shift = -std::numeric_limits<T>::infinity();
      for (std::int64_t k = 0; k < lanes.length; ++k) shift = std::max(shift, first[k * lanes.stride]);
      if (std::isinf(shift)) shift = T(0);
      T total = 0;
      for (std::int64_t k = 0; k < lanes.length; ++k) total += std::exp(first[k * lanes.stride] - shift);
      y[lane] = std::log(total) + shift;
    }
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
        const T contribution = dy[lane] * std::exp(x[e] - y[lane]);
        dx[e] = grads[0].accumulate ? dx[e] + contribution : contribution;
      }
    }
  }

  std::vector<Expr> symbolic_backward(Graph&, std::span<const Expr> x, const Expr& y, const Expr& dy,
                                      std::span<const bool>) const override {
    return {reduction_.kept(dy, x[0].shape()) * exp(x[0] - reduction_.kept(y, x[0].shape()))};
  }

  static std::vector<OpExample> examples(Rng& rng) { return AxisReduction::examples(rng); }

 private:
  AxisReduction reduction_;
};
}  // namespace

namespace dagrad {
Expr logsumexp(Expr x, std::string name) {
  return x.graph().add_op(std::make_unique<LogSumExp>(), {x}, std::move(name));
}
Expr logsumexp(Expr x, std::int64_t axis, bool keepdims, std::string name) {
  return x.graph().add_op(std::make_unique<LogSumExp>(AxisReduction(axis, keepdims)), {x}, std::move(name));
}
}  // namespace dagrad

DAGRAD_REGISTER_OP(logsumexp, LogSumExp)
