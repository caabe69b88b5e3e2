// y = x[b0:e0:s0, b1:e1:s1, ...] (NumPy's basic slicing); dx = dy at the picked elements, 0 elsewhere
//
// Attributes "begin", "end", "step" (optional, all 1): one integer per leading axis (the rest are
// taken whole). Indices follow Python exactly, negative steps included: negative counts from the end,
// out of range clamps, so INT64_MAX reads "to the end" and INT64_MIN "past the start" (step < 0).
#include <algorithm>

#include "dagrad/ops.hpp"
#include "dagrad/structure.hpp"
#include "scatter_gradient.hpp"

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
  std::string label() const override { return fmt::format("slice ({}):({}):({})", fmt::join(begin_, ", "), fmt::join(end_, ", "), fmt::join(step_, ", ")); }
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
    auto add_dy = [g = dy.data<T>(), dx = scatter_target<T>(grads[0])](std::int64_t offset) mutable { dx[offset] += *g++; };
    for_each_in_box(box(inputs[0].shape()), add_dy);
  }
  // dx = dy scattered into zeros of x's shape: one index_add (adjoint: index_select) per sliced axis.
  std::vector<Expr> symbolic_backward(Graph& graph, std::span<const Expr> x, const Expr&, const Expr& dy,
                                      std::span<const bool>) const override {
    Expr dx = dy;
    for (std::size_t a = 0; a < begin_.size(); ++a) {
      const std::int64_t length = x[0].shape()[int(a)];
      const SliceRange range = slice_range(begin_[a], end_[a], step_[a], length);
      if (range.count == length && step_[a] == 1) continue;  // the whole axis
      Tensor picked(Shape{range.count}, dy.dtype());
      for (std::int64_t k = 0; k < range.count; ++k) picked.set(k, double(range.start + k * step_[a]));
      dx = graph.apply("index_add", {dx, graph.constant(picked)}, {{"axis", std::int64_t(a)}, {"length", length}});
    }
    return {dx};
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
  StridedBox box(const Shape& shape) const { return slice_box(shape, begin_, end_, step_); }
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
