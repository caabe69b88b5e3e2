// y = x with before_k and after_k elements of `value` around axis k (NumPy's constant pad); dx = dy's inner box
//
// Attributes "pads": (before_0, after_0, before_1, after_1, ...), two
// non-negative integers per axis, in NumPy's ((before, after), ...) order;
// "value" (default 0). The padding is constant, so it takes no gradient.
#include "dagrad/ops.hpp"
#include "dagrad/structure.hpp"

namespace {
using namespace dagrad;

class Pad final : public TypedOp<Pad> {
 public:
  explicit Pad(const Attrs& attrs) {
    attrs.expect_only("pad", {"pads", "value"});
    pads_ = attrs.get_ints("pad", "pads");
    value_ = attrs.get_double("pad", "value", 0.0);
    if (pads_.size() % 2 != 0) throw ShapeError(fmt::format("pad: pads hold {} numbers, not 2 per axis", pads_.size()));
    for (std::int64_t p : pads_) {
      if (p < 0 || p > Shape::max_elements) {
        throw ShapeError(fmt::format("pad: pads ({}) include {}: negative or too large", fmt::join(pads_, ", "), p));
      }
    }
  }

  std::string_view name() const override { return "pad"; }
  Attrs attrs() const override { return {{"pads", pads_}, {"value", value_}}; }
  std::string label() const override { return fmt::format("pad ({}) value={}", fmt::join(pads_, ", "), value_); }
  int arity() const override { return 1; }
  Shape infer_shape(std::span<const Shape> inputs) const override {
    const Shape& x = inputs[0];
    if (pads_.size() != 2 * std::size_t(x.rank())) {
      throw ShapeError(fmt::format("pads ({}) hold {} numbers; shape {} needs two per axis, {}", fmt::join(pads_, ", "),
                                   pads_.size(), x, 2 * x.rank()));
    }
    std::vector<std::int64_t> dims;
    for (int a = 0; a < x.rank(); ++a) dims.push_back(pads_[2 * std::size_t(a)] + x[a] + pads_[2 * std::size_t(a) + 1]);
    return Shape(std::span<const std::int64_t>(dims.data(), dims.size()));
  }
  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView output) {
    flat<T>(output).setConstant(T(value_));
    for_each_in_box(inner_box(inputs[0].shape(), output.shape()),
                    [x = inputs[0].data<T>(), y = output.data<T>()](std::int64_t offset) mutable { y[offset] = *x++; });
  }
  template <class T>
  void backward_as(std::span<const TensorView> inputs, const TensorView&, const TensorView& dy,
                   std::span<GradientSlot> grads) {
    T* dx = grads[0].grad.data<T>();
    for_each_in_box(inner_box(inputs[0].shape(), dy.shape()), [&, g = dy.data<T>()](std::int64_t offset) {
      assign_or_add(*dx++, g[offset], grads[0].accumulate);
    });
  }
  // dx = dy's inner box, the slice [before_k, before_k + x_k) of every axis (slice's adjoint is index_add).
  std::vector<Expr> symbolic_backward(Graph&, std::span<const Expr> x, const Expr&, const Expr& dy,
                                      std::span<const bool>) const override {
    std::vector<std::int64_t> begin, end;
    for (int a = 0; a < x[0].shape().rank(); ++a) {
      begin.push_back(pads_[2 * std::size_t(a)]), end.push_back(begin.back() + x[0].shape()[a]);
    }
    return {slice(dy, begin, end)};
  }

  // One axis or every axis padded, uneven and zero pads, a non-zero value,
  // and an empty input padded into a non-empty output.
  static std::vector<OpExample> examples(Rng& rng) {
    auto pad = [&](Shape shape, std::vector<std::int64_t> pads, double value) {
      return OpExample{{random_normal(shape, rng)}, {{"pads", pads}, {"value", value}}, {}};
    };
    return {pad({3}, {1, 2}, 0.0),       pad({2, 3}, {0, 0, 2, 1}, 1.5),   pad({2, 3}, {1, 1, 1, 1}, -1.0),
            pad({2, 1, 3}, {1, 0, 0, 2, 3, 0}, 0.0), pad({0, 2}, {1, 1, 0, 0}, 2.0), pad({1, 1}, {0, 0, 0, 0}, 0.0)};
  }

 private:
  StridedBox inner_box(const Shape& x, const Shape& padded) const { return padded_inner_box(x, padded, pads_); }
  std::vector<std::int64_t> pads_;
  double value_ = 0.0;
};
}  // namespace

namespace dagrad {
Expr pad(Expr x, std::vector<std::int64_t> pads, double value, std::string name) {
  return x.graph().add_op(std::make_unique<Pad>(Attrs{{"pads", pads}, {"value", value}}), {x}, std::move(name));
}
}  // namespace dagrad

DAGRAD_REGISTER_OP(pad, Pad)
