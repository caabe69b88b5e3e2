// y = sqrt(sum((x - mean)^2) / (n - correction)) over every element or one axis; dx = dy (x - mean) / ((n - correction) y)
//
// PyTorch's std(x, dim, correction, keepdim), with its gradient at y = 0 (a
// constant lane, where sqrt has its kink): 0, where the formula gives 0/0
// (PyTorch masks it to 0). Attributes as var's: {"axis": k, "keepdims":
// bool, "correction": c}, c an integer >= 0, default 1 (PyTorch's unbiased
// default); n <= correction is an error unless the result is empty.
#include "dagrad/eigen.hpp"
#include "dagrad/autodiff.hpp"
#include "dagrad/ops.hpp"
#include "dagrad/reduction.hpp"

namespace {
using namespace dagrad;

// The attributes, label, examples and builder are ReductionOp's.
class Std final : public ReductionOp<Std, VarianceReduction> {
 public:
  static constexpr std::string_view op_name = "std";
  using ReductionOp::ReductionOp;

  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView output) {
    reduction_.variance(inputs[0], output);
    flat<T>(output) = flat<T>(output).sqrt();
  }
  template <class T>
  void backward_as(std::span<const TensorView> inputs, const TensorView& output, const TensorView& dy,
                   std::span<GradientSlot> grads) {
    const T divisor = T(reduction_.divisor(inputs[0].shape()));
    const T* y = output.data<T>();
    reduction_.axes().spread_deviations<T>(inputs[0], grads[0], [&](std::int64_t lane) {
      return y[lane] == 0 ? T(0) : dy.data<T>()[lane] / (divisor * y[lane]);
    });
  }
  // The weight is 0 where y == 0, as the kernel's; y is replaced by 1 there
  // before dividing, so that no infinity meets the zero gradient where()
  // sends back to the unselected branch.
  std::vector<Expr> symbolic_backward(Graph& graph, std::span<const Expr> x, const Expr& y, const Expr& dy,
                                      std::span<const bool>) const override {
    const AxisReduction& axes = reduction_.axes();
    const Expr safe_y = where(y, y, graph.constant(Tensor::scalar(1.0, y.dtype())));
    const Expr weight = where_or_zero(y, dy / (safe_y * double(reduction_.divisor(x[0].shape()))));
    return {(x[0] - axes.apply_kept("mean", x[0])) * axes.kept(weight, x[0].shape())};
  }
  // The kink at a constant lane: element e's offset is its lane's variance.
  bool has_kinks() const override { return true; }
  double kink_offset(std::span<const TensorView> inputs, std::int64_t element) const override {
    return reduction_.lane_variance(inputs[0], element);
  }
};
}  // namespace

namespace dagrad {
Expr std(Expr x, std::string name) { return Std::add_to(x, {}, std::move(name)); }
Expr std(Expr x, std::int64_t axis, bool keepdims, std::int64_t correction, std::string name) {
  return Std::add_to(x, VarianceReduction("std", AxisReduction(axis, keepdims), correction), std::move(name));
}
}  // namespace dagrad

DAGRAD_REGISTER_OP(std, Std)
