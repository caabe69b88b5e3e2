// y = x where x > 0, else negative_slope * x; dx = dy where x > 0, else negative_slope * dy  (PyTorch: the slope at x = 0)
//
// PyTorch's leaky_relu and its backward test x > 0, so at the kink x = 0 the
// gradient is negative_slope * dy. Attribute {"negative_slope": s}, default
// 0.01 as PyTorch, finite.
#include <cmath>

#include "dagrad/autodiff.hpp"
#include "kink_at_zero.hpp"

namespace {
using namespace dagrad;

// The kink offset and the gradient-check inputs are kink_at_zero.hpp's.
class LeakyRelu final : public kink_at_zero::KinkAtZeroOp<LeakyRelu> {
 public:
  explicit LeakyRelu(const Attrs& attrs) {
    attrs.expect_only("leaky_relu", {"negative_slope"});
    slope_ = attrs.get_double("leaky_relu", "negative_slope", 0.01);
    if (!std::isfinite(slope_)) throw Error(fmt::format("leaky_relu: negative_slope must be finite, got {}", slope_));
  }

  std::string_view name() const override { return "leaky_relu"; }
  Attrs attrs() const override { return {{"negative_slope", slope_}}; }
  std::string label() const override { return fmt::format("leaky_relu {}", slope_); }
  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView y) {
    const T slope = T(slope_);
    flat<T>(y) = flat<T>(inputs[0]).unaryExpr([slope](T x) { return x > 0 ? x : slope * x; });
  }
  template <class T>
  void backward_as(std::span<const TensorView> inputs, const TensorView&, const TensorView& dy,
                   std::span<GradientSlot> grads) {
    const T slope = T(slope_);
    write_gradient(grads[0], flat<T>(dy).binaryExpr(flat<T>(inputs[0]), [slope](T g, T x) {
      return x > 0 ? g : slope * g;
    }));
  }
  std::vector<Expr> symbolic_backward(Graph& graph, std::span<const Expr> x, const Expr&, const Expr& dy,
                                      std::span<const bool>) const override {
    const Expr zero = graph.constant(Tensor::scalar(0.0, x[0].dtype()));
    return {where(greater(x[0], zero), dy, dy * slope_)};
  }

  // Inputs away from the kink with the default slope and a steeper one.
  static std::vector<OpExample> examples(Rng& rng) {
    std::vector<OpExample> cases = examples_with(rng, {{"negative_slope", 0.01}});
    for (OpExample& steeper : examples_with(rng, {{"negative_slope", 0.3}})) cases.push_back(std::move(steeper));
    return cases;
  }

 private:
  double slope_ = 0.01;
};
}  // namespace

namespace dagrad {
Expr leaky_relu(Expr x, double negative_slope, std::string name) {
  return x.graph().add_op(std::make_unique<LeakyRelu>(Attrs{{"negative_slope", negative_slope}}), {x},
                          std::move(name));
}
}  // namespace dagrad

DAGRAD_REGISTER_OP(leaky_relu, LeakyRelu)
