// y[:, k] = x[:, indices[k]] along axis (PyTorch's index_select); dx[:, i] = sum of dy[:, k] over k with indices[k] = i
//
// indices: rank 0 or 1, whole numbers stored as floats (like softmax_cross_entropy's labels), 0 to
// length - 1 as in PyTorch (no negative ones), checked in forward; they take no gradient. The output
// is x's shape with the axis' length replaced by the index count. A repeated index adds its gradients.
#include <algorithm>
#include <cmath>

#include "dagrad/ops.hpp"
#include "dagrad/structure.hpp"

namespace {
using namespace dagrad;

class IndexSelect final : public TypedOp<IndexSelect> {
 public:
  explicit IndexSelect(const Attrs& attrs) {
    attrs.expect_only("index_select", {"axis"});
    axis_ = attrs.get_int("index_select", "axis");
  }

  std::string_view name() const override { return "index_select"; }
  Attrs attrs() const override { return {{"axis", axis_}}; }
  std::string label() const override { return fmt::format("index_select axis={}", axis_); }
  int arity() const override { return 2; }
  bool differentiable(int input_index) const override { return input_index == 0; }
  Shape infer_shape(std::span<const Shape> inputs) const override {
    const Shape &x = inputs[0], &indices = inputs[1];
    if (x.rank() == 0) throw ShapeError("cannot select from a rank-0 input: it has no axis");
    if (indices.rank() > 1) throw ShapeError(fmt::format("indices must have rank 0 or 1, got shape {}", indices));
    return x.with_dim(normalize_axis(axis_, x.rank(), x), indices.elements());
  }
  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView output) {
    const AxisSplit split = split_of(inputs[0].shape());
    const T* values = inputs[1].data<T>();
    indices_.resize(std::size_t(inputs[1].size()));
    for (std::size_t k = 0; k < indices_.size(); ++k) {
      const double index = double(values[k]);
      if (!(index >= 0 && index < double(split.length) && index == std::floor(index))) {  // NaN fails too
        throw Error(fmt::format("index {} at position {} is not a whole number from 0 to {} (axis {} of shape {})",
                                index, k, split.length - 1, axis_, inputs[0].shape()));
      }
      indices_[k] = index;
    }
    const T* x = inputs[0].data<T>();
    T* y = output.data<T>();
    for (std::int64_t o = 0; o < split.outer; ++o, x += split.length * split.inner) {
      for (std::int64_t index : indices_) y = std::copy_n(x + index * split.inner, split.inner, y);
    }
  }
  template <class T>
  void backward_as(std::span<const TensorView> inputs, const TensorView&, const TensorView& dy,
                   std::span<GradientSlot> grads) {
    const AxisSplit split = split_of(inputs[0].shape());
    if (!grads[0].accumulate) flat<T>(grads[0].grad).setZero();  // then scatter-add: repeated indices accumulate
    T* dx = grads[0].grad.data<T>();
    const T* g = dy.data<T>();
    for (std::int64_t o = 0; o < split.outer; ++o, dx += split.length * split.inner) {
      for (std::int64_t index : indices_) {
        for (std::int64_t j = 0; j < split.inner; ++j) dx[index * split.inner + j] += *g++;
      }
    }
  }

  // Repeated and reordered indices on each axis (negative too), a rank-0 index, no index.
  static std::vector<OpExample> examples(Rng& rng) {
    auto select = [&](Shape shape, Tensor indices, std::int64_t axis) {
      return OpExample{{random_normal(shape, rng), std::move(indices)}, {{"axis", axis}}, {}};
    };
    return {select({5}, Tensor{4, 0, 4, 2}, 0),        select({3, 4}, Tensor{2, 2, 0}, 0),
            select({3, 4}, Tensor{3, 1}, 1),           select({2, 3, 4}, Tensor{1, 0, 1, 1}, -2),
            select({2, 3, 2}, Tensor::scalar(1), -1), select({3, 2}, Tensor(Shape{0}), 0)};
  }

 private:
  AxisSplit split_of(const Shape& x) const { return split_at_axis(x, normalize_axis(axis_, x.rank(), x)); }

  std::int64_t axis_ = 0;
  std::vector<std::int64_t> indices_;  // the validated indices, sized once
};
}  // namespace

namespace dagrad {
Expr index_select(Expr x, Expr indices, std::int64_t axis, std::string name) {
  return x.graph().add_op(std::make_unique<IndexSelect>(Attrs{{"axis", axis}}), {x, indices}, std::move(name));
}
}  // namespace dagrad

DAGRAD_REGISTER_OP(index_select, IndexSelect)
