// y = a where condition != 0, else b (NumPy broadcasting of all three); da = dy where condition != 0, db = dy where condition == 0, each summed to its input's shape
//
// As torch.where and numpy.where, with dagrad's floating-point conditions
// (from greater, less or equal): any non-zero value, NaN included, selects
// a. The condition takes no gradient.
#include "dagrad/autodiff.hpp"
#include "dagrad/elementwise.hpp"
#include "dagrad/ops.hpp"

namespace {
using namespace dagrad;

class Where final : public TypedOp<Where> {
 public:
  std::string_view name() const override { return "where"; }
  int arity() const override { return 3; }
  bool differentiable(int input_index) const override { return input_index != 0; }
  Shape infer_shape(std::span<const Shape> inputs) const override {
    try {
      return broadcast_shapes(broadcast_shapes(inputs[0], inputs[1]), inputs[2]);
    } catch (const ShapeError&) {
      throw ShapeError(fmt::format("condition {}, a {} and b {} cannot broadcast", inputs[0], inputs[1], inputs[2]));
    }
  }
  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView y) {
    const T *condition = inputs[0].data<T>(), *a = inputs[1].data<T>(), *b = inputs[2].data<T>();
    T* out = y.data<T>();
    for_each_broadcast<3>({inputs[0].shape(), inputs[1].shape(), inputs[2].shape()}, y.shape(),
                          [&](std::int64_t i, const std::array<std::int64_t, 3>& at) {
                            out[i] = condition[at[0]] != T(0) ? a[at[1]] : b[at[2]];
                          });
  }
  template <class T>
  void backward_as(std::span<const TensorView> inputs, const TensorView&, const TensorView& dy,
                   std::span<GradientSlot> grads) {
    auto when = [](bool selected) {
      return pairwise([selected](T g, T condition) { return (condition != T(0)) == selected ? g : T(0); });
    };
    if (grads[1].needed) write_broadcast_gradient<T>(dy, inputs[0], grads[1], scratch_, when(true));
    if (grads[2].needed) write_broadcast_gradient<T>(dy, inputs[0], grads[2], scratch_, when(false));
  }
  std::vector<Expr> symbolic_backward(Graph& graph, std::span<const Expr> x, const Expr&, const Expr& dy,
                                      std::span<const bool> needed) const override {
    // condition == 0 is false at a NaN, which selects a, as in forward.
    const Expr selects_b = equal(x[0], graph.constant(Tensor::scalar(0.0, x[0].dtype())));
    return {Expr(), needed[1] ? sum_to_shape(where_or_zero(x[0], dy), x[1].shape()) : Expr(),
            needed[2] ? sum_to_shape(where_or_zero(selects_b, dy), x[2].shape()) : Expr()};
  }

  // A 0/1 condition with each of a and b in turn broadcast over it, and a
  // condition broadcast over both.
  static std::vector<OpExample> examples(Rng& rng) {
    std::vector<OpExample> cases;
    std::bernoulli_distribution coin(0.5);
    auto condition = [&](const Shape& shape) {
      Tensor c(shape);
      for (double& v : c) v = coin(rng) ? 1.0 : 0.0;
      return c;
    };
    for (const auto& [big, small] : broadcast_example_shapes(rng)) {
      const Shape full = broadcast_shapes(big, small);
      cases.push_back({{condition(full), random_normal(big, rng), random_normal(small, rng)}, {}, {}});
      cases.push_back({{condition(small), random_normal(full, rng), random_normal(full, rng)}, {}, {}});
    }
    return cases;
  }

 private:
  Tensor scratch_;  // dy masked at the output's shape, when a or b is broadcast; sized once
  std::int64_t scratch_bytes() const override { return scratch_bytes_of(scratch_); }
};
}  // namespace

namespace dagrad {
Expr where(Expr condition, Expr a, Expr b, std::string name) {
  return a.graph().add_op(std::make_unique<Where>(), {condition, a, b}, std::move(name));
}
}  // namespace dagrad

DAGRAD_REGISTER_OP(where, Where)
