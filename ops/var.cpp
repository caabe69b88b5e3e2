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

class Var final : public TypedOp<Var> {
 public:
  Var() = default;
  explicit Var(const Attrs& attrs) : reduction_(VarianceReduction::from_attrs("var", attrs)) {}
  explicit Var(VarianceReduction reduction) : reduction_(reduction) {}

  std::string_view name() const override { return "var"; }
  Attrs attrs() const override { return reduction_.attrs(); }
  std::string label() const override { return reduction_.label("var"); }
  int arity() const override { return 1; }
  Shape infer_shape(std::span<const Shape> inputs) const override { return reduction_.result_shape(inputs[0]); }
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

  static std::vector<OpExample> examples(Rng& rng) { return VarianceReduction::examples(rng); }

 private:
  VarianceReduction reduction_;
};
}  // namespace

namespace dagrad {
Expr var(Expr x, std::string name) { return x.graph().add_op(std::make_unique<Var>(), {x}, std::move(name)); }
Expr var(Expr x, std::int64_t axis, bool keepdims, std::int64_t correction, std::string name) {
  return x.graph().add_op(std::make_unique<Var>(VarianceReduction("var", AxisReduction(axis, keepdims), correction)),
                          {x}, std::move(name));
}
}  // namespace dagrad

DAGRAD_REGISTER_OP(var, Var)
