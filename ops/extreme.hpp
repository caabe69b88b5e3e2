// What max.cpp and min.cpp share: PyTorch's amax / amin over every element
// or one axis, two ops that differ only in which extreme they take (the
// kernels are dagrad/reduction.hpp's extreme, spread_to_extremes and
// extreme_kink_offset, with `largest` the template argument).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "dagrad/ops.hpp"
#include "dagrad/reduction.hpp"

namespace dagrad::extreme {

// The attributes, label, examples and builder are ReductionOp's.
template <bool Largest>
class ExtremeOp final : public ReductionOp<ExtremeOp<Largest>> {
  using ReductionOp<ExtremeOp>::reduction_;

 public:
  static constexpr std::string_view op_name = Largest ? "max" : "min";
  using ReductionOp<ExtremeOp>::ReductionOp;

  Shape infer_shape(std::span<const Shape> inputs) const override {
    reduction_.expect_elements(op_name, inputs[0]);
    return reduction_.result_shape(inputs[0]);
  }
  // The kernels dispatch on the dtype themselves (dagrad/reduction.hpp).
  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView output) {
    reduction_.extreme(inputs[0], output, Largest);
  }
  template <class T>
  void backward_as(std::span<const TensorView> inputs, const TensorView& y, const TensorView& dy,
                   std::span<GradientSlot> grads) {
    reduction_.spread_to_extremes(inputs[0], y, dy, grads[0]);
  }
  std::vector<Expr> symbolic_backward(Graph&, std::span<const Expr> x, const Expr& y, const Expr& dy,
                                      std::span<const bool>) const override {
    return {reduction_.spread_to_extremes(x[0], y, dy)};
  }
  bool has_kinks() const override { return true; }
  double kink_offset(std::span<const TensorView> inputs, std::int64_t element) const override {
    return reduction_.extreme_kink_offset(inputs[0], element, Largest);
  }
};

}  // namespace dagrad::extreme
