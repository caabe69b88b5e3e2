// y = x^p for a scalar exponent p; dx = dy * p * x^(p-1)  (dx = 0 for p = 0, as PyTorch)
//
// PyTorch's conventions: at x = 0 the gradient is p * 0^(p-1), so 0 for
// p > 1, dy for p = 1 and inf for 0 < p < 1; a negative x with a non-integer
// p gives NaN (as std::pow). Attribute {"exponent": p}, required and finite.
#include <cmath>

#include "dagrad/autodiff.hpp"
#include "dagrad/eigen.hpp"
#include "dagrad/ops.hpp"

namespace {
using namespace dagrad;

class Pow final : public ElementwiseOp<Pow> {
 public:
  explicit Pow(const Attrs& attrs) {
    attrs.expect_only("pow", {"exponent"});
    if (!attrs.has("exponent")) throw Error("pow: missing attribute \"exponent\"");
    exponent_ = attrs.get_double("pow", "exponent", 1.0);
    if (!std::isfinite(exponent_)) throw Error(fmt::format("pow: the exponent must be finite, got {}", exponent_));
  }

  std::string_view name() const override { return "pow"; }
  Attrs attrs() const override { return {{"exponent", exponent_}}; }
  std::string label() const override { return fmt::format("pow {}", exponent_); }
  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView y) {
    const T p = T(exponent_);
    flat<T>(y) = flat<T>(inputs[0]).unaryExpr([p](T x) { return std::pow(x, p); });
  }
  template <class T>
  void backward_as(std::span<const TensorView> inputs, const TensorView&, const TensorView& dy,
                   std::span<GradientSlot> grads) {
    const T p = T(exponent_);
    if (p == T(0)) return write_gradient(grads[0], FlatArray<T>::Zero(dy.size()));
    write_gradient(grads[0], flat<T>(dy) * flat<T>(inputs[0]).unaryExpr([p](T x) { return p * std::pow(x, p - 1); }));
  }
  std::vector<Expr> symbolic_backward(Graph& graph, std::span<const Expr> x, const Expr&, const Expr& dy,
                                      std::span<const bool>) const override {
    if (exponent_ == 0.0) return {graph.constant(Tensor(x[0].shape(), x[0].dtype()))};
    return {dy * (exponent_ * pow(x[0], exponent_ - 1.0))};
  }

  // Integer exponents at x of both signs (|x| in [0.5, 2)); non-integer
  // ones at x in [0.5, 2), where x^p is real.
  static std::vector<OpExample> examples(Rng& rng) {
    const double exponents[] = {2.0, 3.0, -1.0, 0.5, 1.7, -2.5};
    std::vector<OpExample> cases;
    std::bernoulli_distribution negative(0.5);
    std::size_t next = 0;
    for (const Shape& shape : standard_shapes(rng)) {
      for (int repeat = 0; repeat < 2; ++repeat) {
        const double p = exponents[next++ % std::size(exponents)];
        Tensor x = random_uniform(shape, rng, 0.5, 2.0);
        if (p == std::round(p)) {
          for (double& v : x) v = negative(rng) ? -v : v;
        }
        cases.push_back({{std::move(x)}, {{"exponent", p}}, {}});
      }
    }
    return cases;
  }

 private:
  double exponent_ = 1.0;
};
}  // namespace

namespace dagrad {
Expr pow(Expr x, double exponent, std::string name) {
  return x.graph().add_op(std::make_unique<Pow>(Attrs{{"exponent", exponent}}), {x}, std::move(name));
}
}  // namespace dagrad

DAGRAD_REGISTER_OP(pow, Pow)
