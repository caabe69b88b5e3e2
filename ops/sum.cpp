// y = sum of x over every element or over one axis; dx = dy repeated over the summed elements
//
// Attributes {"axis": k, "keepdims": bool}, as NumPy's sum(x, axis, keepdims);
// no axis reduces every element (a rank-0 result). The shape rule and
// kernels are dagrad/reduction.hpp's, shared with the other reduction op.
#include "dagrad/autodiff.hpp"
#include "dagrad/ops.hpp"
#include "dagrad/reduction.hpp"

namespace {
using namespace dagrad;

class Sum final : public TypedOp<Sum> {
 public:
  Sum() = default;
  explicit Sum(const Attrs& attrs) : reduction_(AxisReduction::from_attrs("sum", attrs)) {}
  explicit Sum(AxisReduction reduction) : reduction_(reduction) {}

  std::string_view name() const override { return "sum"; }
  Attrs attrs() const override { return reduction_.attrs(); }
  std::string label() const override { return reduction_.label("sum"); }
  int arity() const override { return 1; }
  Shape infer_shape(std::span<const Shape> inputs) const override { return reduction_.result_shape(inputs[0]); }
  // The kernels dispatch on the dtype themselves (dagrad/reduction.hpp).
  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView output) {
    reduction_.sum(inputs[0], output, 1.0);
  }
  template <class T>
  void backward_as(std::span<const TensorView>, const TensorView&, const TensorView& dy,
                   std::span<GradientSlot> grads) {
    reduction_.spread(dy, grads[0], 1.0);
  }
  std::vector<Expr> symbolic_backward(Graph&, std::span<const Expr> x, const Expr&, const Expr& dy,
                                      std::span<const bool>) const override {
    return {broadcast_to_shape(reshape_to(dy, reduction_.kept_shape(x[0].shape())), x[0].shape())};
  }

  static std::vector<OpExample> examples(Rng& rng) { return AxisReduction::examples(rng); }

 private:
  AxisReduction reduction_;
};
}  // namespace

namespace dagrad {
Expr sum(Expr x, std::string name) { return x.graph().add_op(std::make_unique<Sum>(), {x}, std::move(name)); }
Expr sum(Expr x, std::int64_t axis, bool keepdims, std::string name) {
  return x.graph().add_op(std::make_unique<Sum>(AxisReduction(axis, keepdims)), {x}, std::move(name));
}
}  // namespace dagrad

DAGRAD_REGISTER_OP(sum, Sum)
