// y = erf(x) = 2/sqrt(pi) * integral of e^(-t^2) dt from 0 to x; dx = dy * 2/sqrt(pi) * e^(-x^2)
//
// std::erf, as torch.erf and ONNX's Erf. gelu's symbolic backward writes
// the normal CDF with it, Phi(x) = (1 + erf(x / sqrt(2))) / 2, so that gelu
// can be differentiated twice.
#include <cmath>
#include <numbers>

#include "dagrad/autodiff.hpp"
#include "dagrad/eigen.hpp"
#include "dagrad/ops.hpp"

namespace {
using namespace dagrad;

template <class T>
constexpr T two_over_sqrtpi = T(2) * std::numbers::inv_sqrtpi_v<T>;

class Erf final : public ElementwiseOp<Erf> {
 public:
  std::string_view name() const override { return "erf"; }
  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView y) {
    flat<T>(y) = flat<T>(inputs[0]).unaryExpr([](T x) { return std::erf(x); });
  }
  template <class T>
  void backward_as(std::span<const TensorView> inputs, const TensorView&, const TensorView& dy,
                   std::span<GradientSlot> grads) {
    write_gradient(grads[0], flat<T>(dy) * (-flat<T>(inputs[0]).square()).exp() * two_over_sqrtpi<T>);
  }
  std::vector<Expr> symbolic_backward(Graph&, std::span<const Expr> x, const Expr&, const Expr& dy,
                                      std::span<const bool>) const override {
    return {dy * exp(-square(x[0])) * two_over_sqrtpi<double>};
  }
};
}  // namespace

namespace dagrad {
Expr erf(Expr x, std::string name) { return x.graph().add_op(std::make_unique<Erf>(), {x}, std::move(name)); }
}  // namespace dagrad

DAGRAD_REGISTER_OP(erf, Erf)
