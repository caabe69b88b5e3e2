// y = (x - mean) / sqrt(var + eps) * w + b over the last axis; dx = r (g - mean(g) - xh mean(g xh)), g = dy w
//
// PyTorch's F.layer_norm, normalized_shape = the last dimension D: var is biased (divided by D), r = 1 /
// sqrt(var + eps), xh = (x - mean) r; w and b are (D,), dw = sum over rows of dy xh, db = sum of dy.
// Two passes per row (no cancellation); row means and r are kept for backward.
#include "dagrad/autodiff.hpp"
#include "dagrad/eigen.hpp"
#include "dagrad/ops.hpp"

namespace {
using namespace dagrad;

class LayerNorm final : public TypedOp<LayerNorm> {
 public:
  explicit LayerNorm(double eps = 1e-5) : eps_(eps) {}
  explicit LayerNorm(const Attrs& attrs)
      : eps_((attrs.expect_only("layer_norm", {"eps"}), attrs.get_double("layer_norm", "eps", 1e-5))) {}

  std::string_view name() const override { return "layer_norm"; }
  Attrs attrs() const override { return {{"eps", eps_}}; }
  int arity() const override { return 3; }
  Shape infer_shape(std::span<const Shape> inputs) const override {
    const Shape& x = inputs[0];
    if (x.rank() == 0) throw ShapeError("needs an input of rank 1 or more (normalized over its last axis), got a scalar");
    for (int i : {1, 2})
      if (inputs[i] != Shape{x.last()}) throw ShapeError(fmt::format("{} must have shape ({},) to match the last axis of x {}, got {}", i == 1 ? "weight" : "bias", x.last(), x, inputs[i]));
    if (!(eps_ > 0.0)) throw ShapeError(fmt::format("eps must be positive, got {}", eps_));
    return x;
  }
  static std::vector<OpExample> examples(Rng& rng) {
    std::vector<OpExample> cases;
    for (Shape shape : {Shape{5}, Shape{1, 4}, Shape{3, 1}, Shape{4, 6}, Shape{2, 3, 5}})
      cases.push_back({{random_normal(shape, rng), random_normal(Shape{shape.last()}, rng), random_normal(Shape{shape.last()}, rng)}, {}, {}});
    return cases;
  }
  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView output) {
    auto x = as_rows<T>(inputs[0]);
    auto w = flat<T>(inputs[1]).transpose(), b = flat<T>(inputs[2]).transpose();
    auto y = as_rows<T>(output);
    means_.resize(x.rows()), inverse_deviations_.resize(x.rows());
    for (Eigen::Index r = 0; r < x.rows(); ++r) {
      const double mean = double(x.row(r).sum()) / double(x.cols());  // an empty row's NaN reaches no element
      const double variance = double((x.row(r) - T(mean)).square().sum()) / double(x.cols());
      means_(r) = mean, inverse_deviations_(r) = 1.0 / std::sqrt(variance + eps_);
      y.row(r) = (x.row(r) - T(mean)) * T(inverse_deviations_(r)) * w + b;
    }
  }
  template <class T>
  void backward_as(std::span<const TensorView> inputs, const TensorView&, const TensorView& output_grad,
                   std::span<GradientSlot> grads) {
    auto x = as_rows<T>(inputs[0]), dy = as_rows<T>(output_grad);
    auto w = flat<T>(inputs[1]).transpose();
    auto normalized = [&](Eigen::Index r) { return (x.row(r) - T(means_(r))) * T(inverse_deviations_(r)); };
    const T count = T(x.cols());
    if (grads[0].needed) write_gradient_by_rows<T>(grads[0], [&](Eigen::Index r) {
      const T mean_g = (dy.row(r) * w).sum() / count, mean_g_xh = (dy.row(r) * w * normalized(r)).sum() / count;
      return (dy.row(r) * w - mean_g - normalized(r) * mean_g_xh) * T(inverse_deviations_(r));
    });
    if (grads[1].needed || grads[2].needed) {
      column_sums_.setZero(2, x.cols());
      for (Eigen::Index r = 0; r < x.rows(); ++r) {
        column_sums_.row(0) += (dy.row(r) * normalized(r)).template cast<double>();
        column_sums_.row(1) += dy.row(r).template cast<double>();
      }
      for (int i : {1, 2}) if (grads[i].needed) write_gradient(grads[i], column_sums_.row(i - 1).transpose().template cast<T>());
    }
  }
  // By decomposition (dagrad/autodiff.hpp): the forward as mean, sub, square, sqrt, div, mul and add.
  std::vector<Expr> symbolic_backward(Graph&, std::span<const Expr> x, const Expr&, const Expr& dy, std::span<const bool> needed) const override {
    return backward_by_decomposition(x, dy, needed, [eps = eps_](std::span<const Expr> v) {
      Expr centered = v[0] - mean(v[0], -1, true);
      return centered / sqrt(mean(square(centered), -1, true) + eps) * v[1] + v[2];
    });
  }

 private:
  double eps_;
  Eigen::ArrayXd means_, inverse_deviations_;
  Eigen::Array<double, 2, Eigen::Dynamic, Eigen::RowMajor> column_sums_;
  std::int64_t scratch_bytes() const override { return scratch_bytes_of(means_) + scratch_bytes_of(inverse_deviations_) + scratch_bytes_of(column_sums_); }
};
}  // namespace
namespace dagrad {
Expr layer_norm(Expr x, Expr weight, Expr bias, double eps, std::string name) {
  return x.graph().add_op(std::make_unique<LayerNorm>(eps), {x, weight, bias}, std::move(name));
}
}  // namespace dagrad

DAGRAD_REGISTER_OP(layer_norm, LayerNorm)
