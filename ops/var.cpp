// y = sum((x - mean)^2) / (n - correction) over every element or one axis; dx = dy * 2 (x - mean) / (n - correction)
//
// PyTorch's var(x, dim, correction, keepdim). Attributes {"axis": k,
// "keepdims": bool} as sum's, and {"correction": c}, an integer >= 0,
// default 1: PyTorch's unbiased default (Bessel's n - 1); 0 gives the
// population variance, NumPy's default. n <= correction (one element with
// the default, or an empty axis) divides by zero or less, where PyTorch
// gives NaN or inf: an error here, unless the result itself is empty.
#include "dagrad/autodiff.hpp"
#include "dagrad/ops.hpp"
#include "dagrad/reduction.hpp"

namespace {
using namespace dagrad;

// The attributes, label, examples and builder are ReductionOp's.
class Var final : public ReductionOp<Var, VarianceReduction> {
 public:
  static constexpr std::string_view op_name = "var";
  using ReductionOp::ReductionOp;

  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView output) {
    reduction_.variance(inputs[0], output);
  }
  template <class T>
  void backward_as(std::span<const TensorView> inputs, const TensorView&, const TensorView& dy,
                   std::span<GradientSlot> grads) {
    const T scale = T(2) / T(reduction_.divisor(inputs[0].shape()));
    reduction_.axes().spread_deviations<T>(inputs[0], grads[0],
                                           [&](std::int64_t lane) { return dy.data<T>()[lane] * scale; });
  }

  std::vector<Expr> symbolic_backward(Graph&, std::span<const Expr> x, const Expr&, const Expr& dy,
                                      std::span<const bool>) const override {
    const AxisReduction& axes = reduction_.axes();
    const Expr deviations = x[0] - axes.apply_kept("mean", x[0]);
    return {deviations * axes.kept(dy * (2.0 / double(reduction_.divisor(x[0].shape()))), x[0].shape())};
  }
};
}  // namespace

namespace dagrad {
Expr var(Expr x, std::string name) { return Var::add_to(x, {}, std::move(name)); }
Expr var(Expr x, std::int64_t axis, bool keepdims, std::int64_t correction, std::string name) {
  return Var::add_to(x, VarianceReduction("var", AxisReduction(axis, keepdims), correction), std::move(name));
}
}  // namespace dagrad

DAGRAD_REGISTER_OP(var, Var)
