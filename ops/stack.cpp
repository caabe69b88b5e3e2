// y = the inputs stacked along a new axis `axis` (NumPy's stack); dx_k = dy's slice k along that axis
//
// Any number of inputs (at least one) of one shape s; the output has shape
// s with len(inputs) inserted at `axis`, which may be -rank(s)-1 to rank(s)
// (negative counts from the end of the output's axes). Seen as rows of the
// axes before `axis`, each output row is the inputs' rows side by side, as
// in concat (dagrad/structure.hpp).
#include "dagrad/autodiff.hpp"
#include "dagrad/ops.hpp"
#include "dagrad/structure.hpp"

namespace {
using namespace dagrad;

class Stack final : public TypedOp<Stack> {
 public:
  explicit Stack(const Attrs& attrs) {
    attrs.expect_only("stack", {"axis"});
    axis_ = attrs.get_int("stack", "axis");
  }

  std::string_view name() const override { return "stack"; }
  Attrs attrs() const override { return {{"axis", axis_}}; }
  std::string label() const override { return fmt::format("stack axis={}", axis_); }
  Shape infer_shape(std::span<const Shape> inputs) const override { return stack_shape(inputs, axis_); }
  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView output) {
    join_rows<T>(inputs, outer(inputs[0].shape()), output);
  }
  template <class T>
  void backward_as(std::span<const TensorView> inputs, const TensorView&, const TensorView& dy,
                   std::span<GradientSlot> grads) {
    split_rows<T>(inputs, dy, outer(inputs[0].shape()), grads);
  }
  // dx_k = dy[..., k:k+1, ...] along the new axis, reshaped to x_k's shape (slice's adjoint is index_add).
  std::vector<Expr> symbolic_backward(Graph&, std::span<const Expr> x, const Expr&, const Expr& dy,
                                      std::span<const bool> needed) const override {
    const auto axis = std::size_t(normalize_axis(axis_, dy.shape().rank(), dy.shape()));
    std::vector<std::int64_t> begin(axis + 1, 0), end(axis + 1, INT64_MAX);
    std::vector<Expr> dx;
    for (std::size_t k = 0; k < x.size(); ++k) {
      begin[axis] = std::int64_t(k), end[axis] = std::int64_t(k) + 1;
      dx.push_back(needed[k] ? reshape_to(slice(dy, begin, end), x[k].shape()) : Expr());
    }
    return dx;
  }

  // Every new axis of rank-1 and rank-2 inputs (negative too), one input,
  // rank-0 inputs and empty ones.
  static std::vector<OpExample> examples(Rng& rng) {
    auto stack = [&](Shape shape, int count, std::int64_t axis) {
      OpExample example{{}, {{"axis", axis}}, {}};
      for (int k = 0; k < count; ++k) example.inputs.push_back(random_normal(shape, rng));
      return example;
    };
    return {stack({3}, 2, 0),    stack({3}, 3, 1),     stack({2, 3}, 2, 0), stack({2, 3}, 3, 1),
            stack({2, 3}, 2, 2), stack({2, 3}, 2, -1), stack({2, 3}, 1, -3), stack({}, 3, 0),
            stack({2, 0}, 2, 1)};
  }

 private:
  // The output as rows of the input axes before `axis`.
  std::int64_t outer(const Shape& first) const {
    const int axis = normalize_axis(axis_, first.rank() + 1, first);
    std::int64_t rows = 1;
    for (int a = 0; a < axis; ++a) rows *= first[a];
    return rows;
  }

  std::int64_t axis_ = 0;
};
}  // namespace

namespace dagrad {
Expr stack(const std::vector<Expr>& inputs, std::int64_t axis, std::string name) {
  if (inputs.empty()) throw ShapeError("stack: needs at least one input");
  return inputs[0].graph().add_op(std::make_unique<Stack>(Attrs{{"axis", axis}}), inputs, std::move(name));
}
}  // namespace dagrad

DAGRAD_REGISTER_OP(stack, Stack)
