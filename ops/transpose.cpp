// y = x with its axes reversed (NumPy's x.T: y[i, j] = x[j, i]); dx = dy with its axes reversed
//
// Rank 0 and 1 are copies, as in NumPy. Rank 2 is Eigen's transpose;
// higher ranks walk the output in order with the input's reversed strides.
#include <array>

#include "dagrad/autodiff.hpp"
#include "dagrad/eigen.hpp"
#include "dagrad/ops.hpp"

namespace {
using namespace dagrad;

// target = source with reversed axes (target += when accumulate); `source`
// has shape s, `target` the reversed shape.
template <class T>
void reverse_axes(const TensorView& source, TensorView target, bool accumulate) {
  const Shape& shape = source.shape();
  const int rank = shape.rank();
  if (rank <= 1) return assign_or_add(flat<T>(target), flat<T>(source), accumulate);
  if (rank == 2) {
    Eigen::Map<const RowMajorArray<T>> x(source.data<T>(), shape[0], shape[1]);
    Eigen::Map<RowMajorArray<T>> y(target.data<T>(), shape[1], shape[0]);
    return assign_or_add(y, x.transpose(), accumulate);
  }
  // Target axis k is source axis rank-1-k; source strides in target order.
  std::array<std::int64_t, Shape::max_rank> source_stride{}, extent{}, index{};
  std::int64_t stride = 1;
  for (int axis = rank - 1; axis >= 0; --axis) {
    source_stride[std::size_t(rank - 1 - axis)] = stride;
    extent[std::size_t(rank - 1 - axis)] = shape[axis];
    stride *= shape[axis];
  }
  std::int64_t offset = 0;
  const T* from = source.data<T>();
  T* to = target.data<T>();
  for (std::int64_t i = 0; i < target.size(); ++i) {
    assign_or_add(to[i], from[offset], accumulate);
    for (int axis = rank - 1; axis >= 0; --axis) {
      offset += source_stride[std::size_t(axis)];
      if (++index[std::size_t(axis)] < extent[std::size_t(axis)]) break;
      offset -= source_stride[std::size_t(axis)] * extent[std::size_t(axis)];
      index[std::size_t(axis)] = 0;
    }
  }
}

class Transpose final : public TypedOp<Transpose> {
 public:
  std::string_view name() const override { return "transpose"; }
  int arity() const override { return 1; }
  Shape infer_shape(std::span<const Shape> inputs) const override {
    std::array<std::int64_t, Shape::max_rank> dims{};
    const int rank = inputs[0].rank();
    for (int axis = 0; axis < rank; ++axis) dims[std::size_t(axis)] = inputs[0][rank - 1 - axis];
    return Shape(std::span<const std::int64_t>(dims.data(), std::size_t(rank)));
  }
  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView output) {
    reverse_axes<T>(inputs[0], output, false);
  }
  template <class T>
  void backward_as(std::span<const TensorView>, const TensorView&, const TensorView& dy,
                   std::span<GradientSlot> grads) {
    reverse_axes<T>(dy, grads[0].grad, grads[0].accumulate);
  }
  std::vector<Expr> symbolic_backward(Graph&, std::span<const Expr>, const Expr&, const Expr& dy,
                                      std::span<const bool>) const override {
    return {transpose(dy)};
  }

  // The standard shapes, plus rank 1 (a copy) and rank 4.
  static std::vector<OpExample> examples(Rng& rng) {
    std::vector<OpExample> cases;
    for (const Shape& shape : standard_shapes(rng)) cases.push_back({{random_normal(shape, rng)}, {}, {}});
    cases.push_back({{random_normal(Shape{4}, rng)}, {}, {}});
    cases.push_back({{random_normal(Shape{2, 3, 1, 4}, rng)}, {}, {}});
    return cases;
  }
};
}  // namespace

namespace dagrad {
Expr transpose(Expr x, std::string name) {
  return x.graph().add_op(std::make_unique<Transpose>(), {x}, std::move(name));
}
}  // namespace dagrad

DAGRAD_REGISTER_OP(transpose, Transpose)
