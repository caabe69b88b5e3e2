// y = zeros with `length` entries along axis, y[:, indices[k]] += g[:, k]; dg = index_select(dy, indices, axis)
//
// The adjoint of index_select (PyTorch's index_add into zeros), so that index_select's, slice's and
// embedding's gradients are ops that differentiate again. g has index_select's output shape: the
// axis holds one entry per index (rank-0 or rank-1 indices, checked in forward as index_select
// checks them: whole numbers 0 to length - 1 stored as floats); a repeated index adds up.
#include "dagrad/ops.hpp"
#include "dagrad/structure.hpp"
#include "scatter_gradient.hpp"

namespace {
using namespace dagrad;

class IndexAdd final : public TypedOp<IndexAdd> {
 public:
  explicit IndexAdd(const Attrs& attrs) {
    attrs.expect_only("index_add", {"axis", "length"});
    axis_ = attrs.get_int("index_add", "axis"), length_ = attrs.get_int("index_add", "length");
    if (length_ < 0) throw ShapeError(fmt::format("index_add: length {} is negative", length_));
  }

  std::string_view name() const override { return "index_add"; }
  Attrs attrs() const override { return {{"axis", axis_}, {"length", length_}}; }
  std::string label() const override { return fmt::format("index_add axis={} length={}", axis_, length_); }
  int arity() const override { return 2; }
  bool differentiable(int input_index) const override { return input_index == 0; }
  Shape infer_shape(std::span<const Shape> inputs) const override {
    const Shape &g = inputs[0], &indices = inputs[1];
    if (g.rank() == 0) throw ShapeError("cannot add along an axis of a rank-0 input");
    if (indices.rank() > 1) throw ShapeError(fmt::format("indices must have rank 0 or 1, got shape {}", indices));
    const int axis = normalize_axis(axis_, g.rank(), g);
    if (g[axis] != indices.elements()) {
      throw ShapeError(fmt::format("g of shape {} has {} entries along axis {}, but there are {} indices", g, g[axis],
                                   axis_, indices.elements()));
    }
    return g.with_dim(axis, length_);
  }
  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView output) {
    const AxisSplit split = split_of(output.shape());
    read_axis_indices(inputs[1], length_, axis_, output.shape(), indices_);
    flat<T>(output).setZero();
    scatter_add_along_axis(inputs[0].data<T>(), split, indices_, output.data<T>());
  }
  // Each g element lands on exactly one y element: dg is a gather, written in place or added.
  template <class T>
  void backward_as(std::span<const TensorView>, const TensorView&, const TensorView& dy,
                   std::span<GradientSlot> grads) {
    write_gradient_through<T>(grads[0], gathered_,
                              [&](T* dg) { gather_along_axis(dy.data<T>(), split_of(dy.shape()), indices_, dg); });
  }
  std::vector<Expr> symbolic_backward(Graph&, std::span<const Expr> x, const Expr&, const Expr& dy,
                                      std::span<const bool>) const override {
    return {index_select(dy, x[1], axis_), Expr()};
  }

  // Repeated, missing and reordered indices on each axis (negative too), a rank-0 index, no index.
  static std::vector<OpExample> examples(Rng& rng) {
    auto add = [&](Shape shape, Tensor indices, std::int64_t axis, std::int64_t length) {
      return OpExample{{random_normal(shape, rng), std::move(indices)}, {{"axis", axis}, {"length", length}}, {}};
    };
    return {add({4}, Tensor{4, 0, 4, 2}, 0, 5),           add({3, 4}, Tensor{2, 2, 0}, 0, 3),
            add({3, 2}, Tensor{3, 1}, 1, 4),              add({2, 4, 4}, Tensor{1, 0, 1, 1}, -2, 3),
            add({2, 3, 1}, Tensor::scalar(1), -1, 2),     add({0, 2}, Tensor(Shape{0}), 0, 3)};
  }

 private:
  AxisSplit split_of(const Shape& y) const { return split_at_axis(y, normalize_axis(axis_, y.rank(), y)); }

  std::int64_t axis_ = 0, length_ = 0;
  std::vector<std::int64_t> indices_;  // the validated indices, sized once
  Tensor gathered_;                    // dg before it is added to an accumulating slot; sized once
  std::int64_t scratch_bytes() const override { return scratch_bytes_of(indices_, gathered_); }
};
}  // namespace

DAGRAD_REGISTER_OP(index_add, IndexAdd)
