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

template <bool Largest>
class ExtremeOp final : public TypedOp<ExtremeOp<Largest>> {
 public:
  static constexpr std::string_view op_name = Largest ? "max" : "min";

  ExtremeOp() = default;
  explicit ExtremeOp(const Attrs& attrs) : reduction_(AxisReduction::from_attrs(op_name, attrs)) {}
  explicit ExtremeOp(AxisReduction reduction) : reduction_(reduction) {}

  std::string_view name() const override { return op_name; }
  Attrs attrs() const override { return reduction_.attrs(); }
  std::string label() const override { return reduction_.label(op_name); }
  int arity() const override { return 1; }
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

  static std::vector<OpExample> examples(Rng& rng) { return AxisReduction::examples(rng); }

  // The builders' node: over everything, or over one axis.
  static Expr add_to(Expr x, std::optional<AxisReduction> reduction, std::string name) {
    auto op = reduction ? std::make_unique<ExtremeOp>(*reduction) : std::make_unique<ExtremeOp>();
    return x.graph().add_op(std::move(op), {x}, std::move(name));
  }

 private:
  AxisReduction reduction_;
};

}  // namespace dagrad::extreme
