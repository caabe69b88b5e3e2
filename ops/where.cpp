// y = a where condition != 0, else b (NumPy broadcasting of all three); da = dy where condition != 0, db = dy where condition == 0, each summed to its input's shape
//
// As torch.where and numpy.where, with dagrad's floating-point conditions
// (from greater, less or equal): any non-zero value, NaN included, selects
// a. The condition takes no gradient.
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
    // One odometer over the output, each input's offset advanced by its
    // broadcast strides.
    const Shape& shape = y.shape();
    std::array<std::array<std::int64_t, Shape::max_rank>, 3> strides;
    std::array<const T*, 3> data;
    for (int k = 0; k < 3; ++k) {
      strides[k] = broadcast_strides(inputs[k].shape(), shape);
      data[k] = inputs[k].data<T>();
    }
    std::array<std::int64_t, Shape::max_rank> index{};
    std::array<std::int64_t, 3> offset{};
    T* out = y.data<T>();
    for (std::int64_t i = 0; i < shape.elements(); ++i) {
      out[i] = data[0][offset[0]] != T(0) ? data[1][offset[1]] : data[2][offset[2]];
      for (int axis = shape.rank() - 1; axis >= 0; --axis) {
        for (int k = 0; k < 3; ++k) offset[k] += strides[k][axis];
        if (++index[axis] < shape[axis]) break;
        for (int k = 0; k < 3; ++k) offset[k] -= strides[k][axis] * shape[axis];
        index[axis] = 0;
      }
    }
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
};
}  // namespace

namespace dagrad {
Expr where(Expr condition, Expr a, Expr b, std::string name) {
  return a.graph().add_op(std::make_unique<Where>(), {condition, a, b}, std::move(name));
}
}  // namespace dagrad

DAGRAD_REGISTER_OP(where, Where)
