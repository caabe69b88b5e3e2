// y[:, k] = x[:, indices[k]] along axis (PyTorch's index_select); dx[:, i] = sum of dy[:, k] over k with indices[k] = i
//
// indices: rank 0 or 1, whole numbers stored as floats (like softmax_cross_entropy's labels), 0 to
// length - 1 as in PyTorch (no negative ones), checked in forward; they take no gradient. The output
// is x's shape with the axis' length replaced by the index count. A repeated index adds its gradients.
#include "dagrad/ops.hpp"
#include "dagrad/structure.hpp"
#include "scatter_gradient.hpp"

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
    read_axis_indices(inputs[1], split.length, axis_, inputs[0].shape(), indices_);
    gather_along_axis(inputs[0].data<T>(), split, indices_, output.data<T>());
  }
  template <class T>
  void backward_as(std::span<const TensorView> inputs, const TensorView&, const TensorView& dy,
                   std::span<GradientSlot> grads) {
    // A scatter-add: repeated indices accumulate.
    scatter_add_along_axis(dy.data<T>(), split_of(inputs[0].shape()), indices_, scatter_target<T>(grads[0]));
  }
  // dx = index_add(dy, indices): the scatter-add above as an op, whose own adjoint is index_select.
  std::vector<Expr> symbolic_backward(Graph& graph, std::span<const Expr> x, const Expr&, const Expr& dy,
                                      std::span<const bool>) const override {
    const std::int64_t length = split_of(x[0].shape()).length;
    return {graph.apply("index_add", {dy, x[1]}, {{"axis", axis_}, {"length", length}}), Expr()};
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
  std::int64_t scratch_bytes() const override { return scratch_bytes_of(indices_); }
};
}  // namespace

namespace dagrad {
Expr index_select(Expr x, Expr indices, std::int64_t axis, std::string name) {
  return x.graph().add_op(std::make_unique<IndexSelect>(Attrs{{"axis", axis}}), {x, indices}, std::move(name));
}
}  // namespace dagrad

DAGRAD_REGISTER_OP(index_select, IndexSelect)
