// y = x without its axis `axis` of length 1 (NumPy's squeeze with an axis); dx = dy (the same elements, in order)
//
// `axis` is -rank to rank - 1, negative from the end; squeezing an axis
// whose length is not 1 is an error, as in NumPy. Values are copied.
#include "dagrad/ops.hpp"
#include "dagrad/structure.hpp"

namespace {
using namespace dagrad;

class Squeeze final : public TypedOp<Squeeze> {
 public:
  explicit Squeeze(const Attrs& attrs) {
    attrs.expect_only("squeeze", {"axis"});
    axis_ = attrs.get_int("squeeze", "axis");
  }

  std::string_view name() const override { return "squeeze"; }
  Attrs attrs() const override { return {{"axis", axis_}}; }
  std::string label() const override { return fmt::format("squeeze axis={}", axis_); }
  int arity() const override { return 1; }
  Shape infer_shape(std::span<const Shape> inputs) const override {
    const Shape& x = inputs[0];
    const int axis = normalize_axis(axis_, x.rank(), x);
    if (x[axis] != 1) {
      throw ShapeError(fmt::format("cannot squeeze axis {} of shape {}: its length is {}, not 1", axis_, x, x[axis]));
    }
    std::vector<std::int64_t> dims(x.dims().begin(), x.dims().end());
    dims.erase(dims.begin() + axis);
    return Shape(std::span<const std::int64_t>(dims.data(), dims.size()));
  }
  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView output) {
    flat<T>(output) = flat<T>(inputs[0]);
  }
  template <class T>
  void backward_as(std::span<const TensorView>, const TensorView&, const TensorView& dy,
                   std::span<GradientSlot> grads) {
    write_gradient(grads[0], flat<T>(dy));
  }

  // Each axis of length 1 (negative too), down to a scalar, and an empty input.
  static std::vector<OpExample> examples(Rng& rng) {
    auto squeeze = [&](Shape shape, std::int64_t axis) {
      return OpExample{{random_normal(shape, rng)}, {{"axis", axis}}, {}};
    };
    return {squeeze({1, 3}, 0), squeeze({3, 1}, 1), squeeze({2, 1, 3}, -2), squeeze({1}, 0), squeeze({1, 1}, -1),
            squeeze({0, 1}, 1)};
  }

 private:
  std::int64_t axis_ = 0;
};
}  // namespace

namespace dagrad {
Expr squeeze(Expr x, std::int64_t axis, std::string name) {
  return x.graph().add_op(std::make_unique<Squeeze>(Attrs{{"axis", axis}}), {x}, std::move(name));
}
}  // namespace dagrad

DAGRAD_REGISTER_OP(squeeze, Squeeze)
