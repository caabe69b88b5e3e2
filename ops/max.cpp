// y = max of x over every element or over one axis; dx = dy / t at the t elements equal to y, 0 elsewhere
//
// PyTorch's amax(x, dim, keepdim): tied maxima share the gradient evenly
// (max([1, 3, 3]) sends dy / 2 to each 3), and a NaN in the lane gives NaN.
// Attributes {"axis": k, "keepdims": bool} as sum's; no axis reduces every
// element. A non-empty result over an empty axis is an error (NumPy and
// PyTorch refuse it too). Kinks: where an element ties the largest of the
// others (dagrad/reduction.hpp's extreme_kink_offset), skipped by checks.
#include "dagrad/ops.hpp"
#include "dagrad/reduction.hpp"

namespace {
using namespace dagrad;

class Max final : public TypedOp<Max> {
 public:
  Max() = default;
  explicit Max(const Attrs& attrs) : reduction_(AxisReduction::from_attrs("max", attrs)) {}
  explicit Max(AxisReduction reduction) : reduction_(reduction) {}

  std::string_view name() const override { return "max"; }
  Attrs attrs() const override { return reduction_.attrs(); }
  std::string label() const override { return reduction_.label("max"); }
  int arity() const override { return 1; }
  Shape infer_shape(std::span<const Shape> inputs) const override {
    reduction_.expect_elements("max", inputs[0]);
    return reduction_.result_shape(inputs[0]);
  }
  // The kernels dispatch on the dtype themselves (dagrad/reduction.hpp).
  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView output) {
    reduction_.extreme(inputs[0], output, /*largest=*/true);
  }
  template <class T>
  void backward_as(std::span<const TensorView> inputs, const TensorView& y, const TensorView& dy,
                   std::span<GradientSlot> grads) {
    reduction_.spread_to_extremes(inputs[0], y, dy, grads[0]);
  }
  bool has_kinks() const override { return true; }
  double kink_offset(std::span<const TensorView> inputs, std::int64_t element) const override {
    return reduction_.extreme_kink_offset(inputs[0], element, /*largest=*/true);
  }

  static std::vector<OpExample> examples(Rng& rng) { return AxisReduction::examples(rng); }

 private:
  AxisReduction reduction_;
};
}  // namespace

namespace dagrad {
Expr max(Expr x, std::string name) { return x.graph().add_op(std::make_unique<Max>(), {x}, std::move(name)); }
Expr max(Expr x, std::int64_t axis, bool keepdims, std::string name) {
  return x.graph().add_op(std::make_unique<Max>(AxisReduction(axis, keepdims)), {x}, std::move(name));
}
}  // namespace dagrad

DAGRAD_REGISTER_OP(max, Max)
