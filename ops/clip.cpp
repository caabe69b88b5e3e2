// y = min(max(x, low), high); dx = dy where low <= x <= high, else 0  (PyTorch's clamp)
//
// PyTorch's clamp passes the gradient at the bounds themselves (its backward
// masks with x >= min and x <= max), and so does this op: the kinks at
// x = low and x = high get dy. NaN stays NaN, as in clamp. Attributes
// {"min": low, "max": high}, both required, finite and low <= high.
#include <algorithm>
#include <cmath>

#include "dagrad/autodiff.hpp"
#include "dagrad/eigen.hpp"
#include "dagrad/ops.hpp"

namespace {
using namespace dagrad;

class Clip final : public ElementwiseOp<Clip> {
 public:
  explicit Clip(const Attrs& attrs) {
    attrs.expect_only("clip", {"min", "max"});
    for (const char* key : {"min", "max"}) {
      if (!attrs.has(key)) throw Error(fmt::format("clip: missing attribute \"{}\"", key));
    }
    low_ = attrs.get_double("clip", "min", 0.0);
    high_ = attrs.get_double("clip", "max", 0.0);
    if (!std::isfinite(low_) || !std::isfinite(high_) || low_ > high_) {
      throw Error(fmt::format("clip: needs finite bounds with min <= max, got min {} and max {}", low_, high_));
    }
  }

  std::string_view name() const override { return "clip"; }
  Attrs attrs() const override { return {{"min", low_}, {"max", high_}}; }
  std::string label() const override { return fmt::format("clip [{}, {}]", low_, high_); }
  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView y) {
    const T low = T(low_), high = T(high_);
    flat<T>(y) = flat<T>(inputs[0]).unaryExpr([=](T x) { return x < low ? low : x > high ? high : x; });
  }
  template <class T>
  void backward_as(std::span<const TensorView> inputs, const TensorView&, const TensorView& dy,
                   std::span<GradientSlot> grads) {
    const T low = T(low_), high = T(high_);
    write_gradient(grads[0], flat<T>(dy).binaryExpr(flat<T>(inputs[0]), [=](T g, T x) {
      return x >= low && x <= high ? g : T(0);
    }));
  }
  // low <= x <= high exactly where y == x (the bounds included; NaN never).
  std::vector<Expr> symbolic_backward(Graph&, std::span<const Expr> x, const Expr& y, const Expr& dy,
                                      std::span<const bool>) const override {
    return {where_or_zero(equal(y, x[0]), dy)};
  }
  // Two kinks: the signed distance to the nearer bound, positive inside
  // [low, high] and negative outside, changes sign at each of them.
  bool has_kinks() const override { return true; }
  double kink_offset(std::span<const TensorView> inputs, std::int64_t element) const override {
    const double x = inputs[0].get(element);
    return std::min(x - low_, high_ - x);
  }

  // Bounds [-0.5, 0.7]; inputs in [-2, 2] at least 0.05 away from both, so
  // each example has elements below, inside and above the range.
  static std::vector<OpExample> examples(Rng& rng) {
    std::vector<OpExample> cases;
    for (const Shape& shape : standard_shapes(rng)) {
      Tensor x = random_uniform(shape, rng, -2.0, 2.0);
      for (double& v : x) {
        if (std::abs(v + 0.5) < 0.05 || std::abs(v - 0.7) < 0.05) v += 0.1;
      }
      cases.push_back({{std::move(x)}, {{"min", -0.5}, {"max", 0.7}}, {}});
    }
    return cases;
  }

 private:
  double low_ = 0.0, high_ = 0.0;
};
}  // namespace

namespace dagrad {
Expr clip(Expr x, double min, double max, std::string name) {
  return x.graph().add_op(std::make_unique<Clip>(Attrs{{"min", min}, {"max", max}}), {x}, std::move(name));
}
}  // namespace dagrad

DAGRAD_REGISTER_OP(clip, Clip)
