// y = x / max(||x||, 1e-12) per row (last axis); dx = (dy - y * sum(dy * y)) / ||x||, or dy / 1e-12 where clamped
//
// The clamp is PyTorch's F.normalize convention: a zero row gives zeros and a
// finite gradient instead of 0/0.
#include <cmath>

#include "dagrad/eigen.hpp"
#include "dagrad/ops.hpp"

namespace {
using namespace dagrad;

constexpr double min_norm = 1e-12;

class NormalizeRows final : public UnaryOp<NormalizeRows> {
 public:
  std::string_view name() const override { return "normalize_rows"; }
  // One pass per row while it is in cache; the row norms are kept for
  // backward. Rows are multiplied by 1 / norm rather than divided element by
  // element: a division costs about ten multiplications.
  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView output) {
    auto x = as_rows<T>(inputs[0]);
    auto y = as_rows<T>(output);
    norms_.resize(x.rows());
    for (Eigen::Index r = 0; r < x.rows(); ++r) {
      norms_(r) = std::sqrt(double(x.row(r).square().sum()));
      y.row(r) = x.row(r) * T(1.0 / std::max(norms_(r), min_norm));
    }
  }
  template <class T>
  void backward_as(std::span<const TensorView>, const TensorView& output, const TensorView& output_grad,
                   std::span<GradientSlot> grads) {
    auto y = as_rows<T>(output);
    auto dy = as_rows<T>(output_grad);
    // Clamped rows (norm <= 1e-12) are y = x / 1e-12: the derivative is 1 / 1e-12.
    write_gradient_by_rows<T>(grads[0], [&](Eigen::Index r) {
      const bool clamped = !(norms_(r) > min_norm);
      const T along = clamped ? T(0) : (dy.row(r) * y.row(r)).sum();
      return (dy.row(r) - y.row(r) * along) * T(1.0 / std::max(norms_(r), min_norm));
    });
  }

 private:
  Eigen::ArrayXd norms_;
};
}  // namespace

namespace dagrad {
Expr normalize_rows(Expr x, std::string name) {
  return x.graph().add_op(std::make_unique<NormalizeRows>(), {x}, std::move(name));
}
}  // namespace dagrad

DAGRAD_REGISTER_OP(normalize_rows, NormalizeRows)
