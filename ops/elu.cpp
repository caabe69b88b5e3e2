// y = x where x > 0, else alpha * (e^x - 1); dx = dy where x > 0, else dy * alpha * e^x  (PyTorch: alpha * dy at x = 0)
//
// e^x - 1 is computed as expm1(x), exact for small |x|, as PyTorch does.
// PyTorch's backward takes the exponential branch for x <= 0, so at x = 0
// the gradient is alpha * dy; for alpha != 1 that is a kink. Attribute
// {"alpha": a}, default 1 as PyTorch, finite.
#include <cmath>

#include "dagrad/autodiff.hpp"
#include "dagrad/eigen.hpp"
#include "dagrad/ops.hpp"

namespace {
using namespace dagrad;

class Elu final : public ElementwiseOp<Elu> {
 public:
  explicit Elu(const Attrs& attrs) {
    attrs.expect_only("elu", {"alpha"});
    alpha_ = attrs.get_double("elu", "alpha", 1.0);
    if (!std::isfinite(alpha_)) throw Error(fmt::format("elu: alpha must be finite, got {}", alpha_));
  }

  std::string_view name() const override { return "elu"; }
  Attrs attrs() const override { return {{"alpha", alpha_}}; }
  std::string label() const override { return fmt::format("elu {}", alpha_); }
  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView y) {
    const T alpha = T(alpha_);
    flat<T>(y) = flat<T>(inputs[0]).unaryExpr([alpha](T x) { return x > 0 ? x : alpha * std::expm1(x); });
  }
  template <class T>
  void backward_as(std::span<const TensorView> inputs, const TensorView&, const TensorView& dy,
                   std::span<GradientSlot> grads) {
    const T alpha = T(alpha_);
    write_gradient(grads[0], flat<T>(dy).binaryExpr(flat<T>(inputs[0]), [alpha](T g, T x) {
      return x > 0 ? g : g * alpha * std::exp(x);
    }));
  }
  // alpha e^x = y + alpha for x <= 0, from the saved output (as PyTorch's
  // elu_backward): unlike e^x it stays finite on the branch where() drops,
  // so the dropped branch's zero gradient never meets an infinity.
  std::vector<Expr> symbolic_backward(Graph& graph, std::span<const Expr> x, const Expr& y, const Expr& dy,
                                      std::span<const bool>) const override {
    const Expr zero = graph.constant(Tensor::scalar(0.0, x[0].dtype()));
    return {where(greater(x[0], zero), dy, dy * (y + alpha_))};
  }
  // The slope jumps from alpha to 1 at x = 0 unless alpha is 1.
  bool has_kinks() const override { return alpha_ != 1.0; }
  double kink_offset(std::span<const TensorView> inputs, std::int64_t element) const override {
    return inputs[0].get(element);
  }

  // Normal inputs with the default alpha (smooth at 0); alpha 0.5 with
  // inputs at least 0.1 away from the kink.
  static std::vector<OpExample> examples(Rng& rng) {
    std::vector<OpExample> cases = same_shape_examples(rng, 1);
    std::bernoulli_distribution negative(0.5);
    for (const Shape& shape : standard_shapes(rng)) {
      Tensor x = random_uniform(shape, rng, 0.1, 3.0);
      for (double& v : x) v = negative(rng) ? -v : v;
      cases.push_back({{std::move(x)}, {{"alpha", 0.5}}, {}});
    }
    return cases;
  }

 private:
  double alpha_ = 1.0;
};
}  // namespace

namespace dagrad {
Expr elu(Expr x, double alpha, std::string name) {
  return x.graph().add_op(std::make_unique<Elu>(Attrs{{"alpha", alpha}}), {x}, std::move(name));
}
}  // namespace dagrad

DAGRAD_REGISTER_OP(elu, Elu)
