// y = mean of x over every element or over one axis; dx = dy / count repeated over the averaged elements
//
// Attributes {"axis": k, "keepdims": bool}, as NumPy's mean(x, axis, keepdims);
// no axis reduces every element (a rank-0 result). The shape rule and
// kernels are dagrad/reduction.hpp's, shared with the other reduction op.
#include "dagrad/autodiff.hpp"
#include "dagrad/ops.hpp"
#include "dagrad/reduction.hpp"

namespace {
using namespace dagrad;

// The attributes, label, examples and builder are ReductionOp's.
class Mean final : public ReductionOp<Mean> {
 public:
  static constexpr std::string_view op_name = "mean";
  using ReductionOp::ReductionOp;

  Shape infer_shape(std::span<const Shape> inputs) const override {
    Shape result = reduction_.result_shape(inputs[0]);
    // The mean of no elements has no value (NumPy and PyTorch give NaN
    // with a warning): an error, as for every op over empty tensors where
    // the math has no answer. An empty result is fine.
    if (reduction_.count(inputs[0]) == 0 && result.elements() > 0) {
      throw ShapeError(fmt::format("the mean of input shape {} averages over no elements", inputs[0]));
    }
    return result;
  }
  // The kernels dispatch on the dtype themselves (dagrad/reduction.hpp).
  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView output) {
    reduction_.sum(inputs[0], output, 1.0 / double(reduction_.count(inputs[0].shape())));
  }
  template <class T>
  void backward_as(std::span<const TensorView> inputs, const TensorView&, const TensorView& dy,
                   std::span<GradientSlot> grads) {
    reduction_.spread(dy, grads[0], 1.0 / double(reduction_.count(inputs[0].shape())));
  }
  std::vector<Expr> symbolic_backward(Graph&, std::span<const Expr> x, const Expr&, const Expr& dy,
                                      std::span<const bool>) const override {
    const double scale = 1.0 / double(reduction_.count(x[0].shape()));
    return {broadcast_to_shape(reshape_to(dy * scale, reduction_.kept_shape(x[0].shape())), x[0].shape())};
  }
};
}  // namespace

namespace dagrad {
Expr mean(Expr x, std::string name) { return Mean::add_to(x, {}, std::move(name)); }
Expr mean(Expr x, std::int64_t axis, bool keepdims, std::string name) {
  return Mean::add_to(x, AxisReduction(axis, keepdims), std::move(name));
}
}  // namespace dagrad

DAGRAD_REGISTER_OP(mean, Mean)
