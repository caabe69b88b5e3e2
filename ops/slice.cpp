// y = x[b0:e0:s0, b1:e1:s1, ...] (NumPy's basic slicing); dx = dy at the picked elements, 0 elsewhere
//
// Attributes "begin", "end", "step" (optional, all 1): one integer per leading axis (the rest are
// taken whole). Indices follow Python exactly, negative steps included: negative counts from the end,
// out of range clamps, so INT64_MAX reads "to the end" and INT64_MIN "past the start" (step < 0).
#include <algorithm>

#include "dagrad/ops.hpp"
#include "dagrad/structure.hpp"

namespace {
using namespace dagrad;

class Slice final : public TypedOp<Slice> {
 public:
  explicit Slice(const Attrs& attrs) {
    attrs.expect_only("slice", {"begin", "end", "step"});
    begin_ = attrs.get_ints("slice", "begin"), end_ = attrs.get_ints("slice", "end");
    step_ = attrs.has("step") ? attrs.get_ints("slice", "step") : std::vector<std::int64_t>(begin_.size(), 1);
    if (end_.size() != begin_.size() || step_.size() != begin_.size()) {
      throw ShapeError(fmt::format("slice: begin, end and step need one entry per axis, got {}, {} and {}",
                                   begin_.size(), end_.size(), step_.size()));
    }
    auto zero = std::find(step_.begin(), step_.end(), 0);  // NumPy: "slice step cannot be zero"
    if (zero != step_.end()) throw ShapeError(fmt::format("slice: the step of axis {} is 0", zero - step_.begin()));
  }

  std::string_view name() const override { return "slice"; }
  Attrs attrs() const override { return {{"begin", begin_}, {"end", end_}, {"step", step_}}; }
  std::string label() const override {
    return fmt::format("slice ({}):({}):({})", fmt::join(begin_, ", "), fmt::join(end_, ", "), fmt::join(step_, ", "));
  }
  int arity() const override { return 1; }
  Shape infer_shape(std::span<const Shape> inputs) const override {
    const Shape& x = inputs[0];
    if (int(begin_.size()) > x.rank()) throw ShapeError(fmt::format("slices {} axes of shape {}", begin_.size(), x));
    return Shape(std::span<const std::int64_t>(box(x).extent.data(), std::size_t(x.rank())));
  }
  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView output) {
    for_each_in_box(box(inputs[0].shape()),
                    [x = inputs[0].data<T>(), y = output.data<T>()](std::int64_t offset) mutable { *y++ = x[offset]; });
  }
  template <class T>
  void backward_as(std::span<const TensorView> inputs, const TensorView&, const TensorView& dy,
                   std::span<GradientSlot> grads) {
    if (!grads[0].accumulate) flat<T>(grads[0].grad).setZero();  // the picked elements are distinct: += assigns
    auto add_dy = [g = dy.data<T>(), dx = grads[0].grad.data<T>()](std::int64_t offset) mutable { dx[offset] += *g++; };
    for_each_in_box(box(inputs[0].shape()), add_dy);
  }

  // Reversed, every other, both signs of step, an axis left whole, an empty slice, clamped indices.
  static std::vector<OpExample> examples(Rng& rng) {
    using Ints = std::vector<std::int64_t>;
    auto slice = [&](Shape shape, Ints begin, Ints end, Ints step) {
      return OpExample{{random_normal(shape, rng)}, {{"begin", begin}, {"end", end}, {"step", step}}, {}};
    };
    return {slice({5}, {1}, {4}, {1}),           slice({6}, {-1}, {INT64_MIN}, {-2}),
            slice({3, 4}, {-1, -1}, {-4, INT64_MIN}, {-1, -3}), slice({3, 4}, {0, 1}, {INT64_MAX, 3}, {1, 1}),
            slice({2, 3, 4}, {1}, {2}, {1}),     slice({2, 3, 4}, {0, 0, 1}, {2, 3, 4}, {1, 2, 2}),
            slice({4, 3}, {2, 0}, {2, 3}, {1, 1}), slice({3, 2}, {-10, 0}, {10, 2}, {1, 1})};
  }

 private:
  // The picked elements as a box of x's buffer (extent: count per axis; stride: step times x's stride).
  StridedBox box(const Shape& shape) const {
    StridedBox result{shape.rank(), {}, row_major_strides(shape), 0};
    for (int a = 0; a < shape.rank(); ++a) result.extent[std::size_t(a)] = shape[a];
    for (std::size_t a = 0; a < begin_.size(); ++a) {
      const SliceRange range = slice_range(begin_[a], end_[a], step_[a], shape[int(a)]);
      result.offset += range.count == 0 ? 0 : range.start * result.stride[a];
      result.stride[a] *= step_[a];
      result.extent[a] = range.count;
    }
    return result;
  }

  std::vector<std::int64_t> begin_, end_, step_;
};
}  // namespace

namespace dagrad {
Expr slice(Expr x, std::vector<std::int64_t> begin, std::vector<std::int64_t> end, std::vector<std::int64_t> step,
           std::string name) {
  if (step.empty()) step.assign(begin.size(), 1);  // all 1
  return x.graph().add_op(std::make_unique<Slice>(Attrs{{"begin", begin}, {"end", end}, {"step", step}}), {x}, name);
}
}  // namespace dagrad

DAGRAD_REGISTER_OP(slice, Slice)
