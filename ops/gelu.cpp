// y = x * Phi(x) = x/2 * erfc(-x/sqrt(2)); dx = dy * (Phi(x) + x * e^(-x^2/2) / sqrt(2 pi))  (PyTorch's exact GELU)
//
// PyTorch's gelu with approximate='none' writes Phi(x) as (1 + erf(x/sqrt(2)))/2,
// which is the same function; erfc(-x/sqrt(2)) keeps its precision in the
// left tail, where 1 + erf(...) cancels to 0 (PyTorch's gelu(-10) is -0,
// this op's is -7.6e-23). Elsewhere the two agree to rounding.
#include <cmath>
#include <numbers>

#include "dagrad/autodiff.hpp"
#include "dagrad/eigen.hpp"
#include "dagrad/ops.hpp"

namespace {
using namespace dagrad;

class Gelu final : public ElementwiseOp<Gelu> {
 public:
  std::string_view name() const override { return "gelu"; }
  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView y) {
    flat<T>(y) = flat<T>(inputs[0]).unaryExpr([](T x) { return T(0.5) * x * std::erfc(-x * inverse_sqrt2<T>); });
  }
  template <class T>
  void backward_as(std::span<const TensorView> inputs, const TensorView&, const TensorView& dy,
                   std::span<GradientSlot> grads) {
    write_gradient(grads[0], flat<T>(dy).binaryExpr(flat<T>(inputs[0]), [](T g, T x) {
      const T cdf = T(0.5) * std::erfc(-x * inverse_sqrt2<T>);
      const T density = std::exp(T(-0.5) * x * x) * inverse_sqrt2<T> * std::numbers::inv_sqrtpi_v<T>;
      return g * (cdf + x * density);
    }));
  }
  // Phi as (1 + erf(x / sqrt(2))) / 2, PyTorch's form: in the far left tail
  // it cancels to 0 where the kernel's erfc keeps ~1e-23, far below the
  // checks' tolerance.
  std::vector<Expr> symbolic_backward(Graph&, std::span<const Expr> x, const Expr&, const Expr& dy,
                                      std::span<const bool>) const override {
    const Expr cdf = 0.5 * (1.0 + erf(x[0] * inverse_sqrt2<double>));
    const Expr density = exp(-0.5 * square(x[0])) * (inverse_sqrt2<double> * std::numbers::inv_sqrtpi);
    return {dy * (cdf + x[0] * density)};
  }

 private:
  template <class T>
  static constexpr T inverse_sqrt2 = std::numbers::sqrt2_v<T> / T(2);
};
}  // namespace

namespace dagrad {
Expr gelu(Expr x, std::string name) { return x.graph().add_op(std::make_unique<Gelu>(), {x}, std::move(name)); }
}  // namespace dagrad

DAGRAD_REGISTER_OP(gelu, Gelu)
