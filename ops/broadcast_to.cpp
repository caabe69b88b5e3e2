// y = x repeated to `shape` by NumPy's broadcasting (NumPy's broadcast_to); dx = dy summed back to x's shape
//
// Attribute "shape": the target. x must broadcast to it exactly: x's axes
// are aligned at the last one, and each must be 1 or equal the target's.
// The backward is broadcast.hpp's sum_to_shape, as for add's operands.
#include "dagrad/autodiff.hpp"
#include "dagrad/broadcast.hpp"
#include "dagrad/ops.hpp"
#include "dagrad/structure.hpp"

namespace {
using namespace dagrad;

class BroadcastTo final : public TypedOp<BroadcastTo> {
 public:
  explicit BroadcastTo(const Attrs& attrs) {
    attrs.expect_only("broadcast_to", {"shape"});
    const std::vector<std::int64_t> dims = attrs.get_ints("broadcast_to", "shape");
    try {
      target_ = Shape(std::span<const std::int64_t>(dims.data(), dims.size()));
    } catch (const ShapeError& error) {
      throw ShapeError(fmt::format("broadcast_to: {}", error.what()));
    }
  }

  std::string_view name() const override { return "broadcast_to"; }
  Attrs attrs() const override {
    return {{"shape", std::vector<std::int64_t>(target_.dims().begin(), target_.dims().end())}};
  }
  std::string label() const override { return fmt::format("broadcast_to {}", target_); }
  int arity() const override { return 1; }
  Shape infer_shape(std::span<const Shape> inputs) const override {
    const Shape& x = inputs[0];
    bool fits = x.rank() <= target_.rank();
    for (int a = 1; fits && a <= x.rank(); ++a) {
      fits = x[x.rank() - a] == 1 || x[x.rank() - a] == target_[target_.rank() - a];
    }
    if (!fits) throw ShapeError(fmt::format("shape {} cannot broadcast to {}", x, target_));
    return target_;
  }
  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView output) {
    // x's strides along the target's axes are 0 where x is repeated.
    StridedBox repeated{target_.rank(), {}, broadcast_strides(inputs[0].shape(), target_), 0};
    for (int a = 0; a < target_.rank(); ++a) repeated.extent[std::size_t(a)] = target_[a];
    auto copy = [x = inputs[0].data<T>(), y = output.data<T>()](std::int64_t offset) mutable { *y++ = x[offset]; };
    for_each_in_box(repeated, copy);
  }
  template <class T>
  void backward_as(std::span<const TensorView>, const TensorView&, const TensorView& dy,
                   std::span<GradientSlot> grads) {
    sum_to_shape(dy, grads[0]);
  }
  std::vector<Expr> symbolic_backward(Graph&, std::span<const Expr> x, const Expr&, const Expr& dy,
                                      std::span<const bool>) const override {
    return {sum_to_shape(dy, x[0].shape())};
  }

  // broadcast.hpp's operand pairs: the first operand repeated to the pair's
  // broadcast shape (scalars, rows, columns, rank-3), plus an empty target.
  static std::vector<OpExample> examples(Rng& rng) {
    std::vector<OpExample> cases;
    for (const auto& [a, b] : broadcast_example_shapes(rng)) {
      const Shape target = broadcast_shapes(a, b);
      const std::vector<std::int64_t> dims(target.dims().begin(), target.dims().end());
      cases.push_back({{random_normal(a, rng)}, {{"shape", dims}}, {}});
    }
    cases.push_back({{random_normal(Shape{1, 3}, rng)}, {{"shape", std::vector<std::int64_t>{0, 3}}}, {}});
    return cases;
  }

 private:
  Shape target_;
};
}  // namespace

namespace dagrad {
Expr broadcast_to(Expr x, std::vector<std::int64_t> shape, std::string name) {
  return x.graph().add_op(std::make_unique<BroadcastTo>(Attrs{{"shape", std::move(shape)}}), {x}, std::move(name));
}
}  // namespace dagrad

DAGRAD_REGISTER_OP(broadcast_to, BroadcastTo)
