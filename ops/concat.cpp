// y = the inputs joined along `axis` (NumPy's concatenate); dx_k = the block of dy at input k's place
//
// Any number of inputs (at least one) of equal rank whose shapes agree on
// every axis but `axis`; a negative axis counts from the end. Seen as rows
// of the axes before `axis`, each output row is the inputs' rows side by
// side: one block copy per input (dagrad/structure.hpp).
#include "dagrad/ops.hpp"
#include "dagrad/structure.hpp"

namespace {
using namespace dagrad;

class Concat final : public TypedOp<Concat> {
 public:
  explicit Concat(const Attrs& attrs) {
    attrs.expect_only("concat", {"axis"});
    axis_ = attrs.get_int("concat", "axis");
  }

  std::string_view name() const override { return "concat"; }
  Attrs attrs() const override { return {{"axis", axis_}}; }
  std::string label() const override { return fmt::format("concat axis={}", axis_); }
  Shape infer_shape(std::span<const Shape> inputs) const override { return concat_shape(inputs, axis_); }
  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView output) {
    join_rows<T>(inputs, outer(inputs[0].shape()), output);
  }
  template <class T>
  void backward_as(std::span<const TensorView> inputs, const TensorView&, const TensorView& dy,
                   std::span<GradientSlot> grads) {
    split_rows<T>(inputs, dy, outer(inputs[0].shape()), grads);
  }
  // dx_k = the slice of dy along axis at input k's place (slice's own adjoint is index_add).
  std::vector<Expr> symbolic_backward(Graph&, std::span<const Expr> x, const Expr&, const Expr& dy,
                                      std::span<const bool> needed) const override {
    const auto axis = std::size_t(normalize_axis(axis_, dy.shape().rank(), dy.shape()));
    std::vector<std::int64_t> begin(axis + 1, 0), end(axis + 1, INT64_MAX);
    std::vector<Expr> dx;
    for (std::size_t k = 0; k < x.size(); ++k, begin[axis] = end[axis]) {
      end[axis] = begin[axis] + x[k].shape()[int(axis)];
      dx.push_back(needed[k] ? slice(dy, begin, end) : Expr());
    }
    return dx;
  }

  // Two to four inputs along each axis (negative too), equal shapes, an empty input, one input.
  static std::vector<OpExample> examples(Rng& rng) {
    auto join = [&](std::vector<Shape> shapes, std::int64_t axis) {
      OpExample example{{}, {{"axis", axis}}, {}};
      for (const Shape& shape : shapes) example.inputs.push_back(random_normal(shape, rng));
      return example;
    };
    return {join({{2, 3}, {4, 3}}, 0),           join({{2, 3}, {2, 1}, {2, 2}}, 1),
            join({{2, 3}, {2, 2}}, -1),          join({{2, 1, 3}, {2, 2, 3}, {2, 1, 3}, {2, 3, 3}}, 1),
            join({{3}, {0}, {2}}, 0),            join({{2, 3, 1}}, 2),
            join({{1, 2, 2}, {3, 2, 2}}, -3), join({{2, 2}, {2, 2}}, 0)};
  }

 private:
  // The output as rows of the axes before `axis`.
  std::int64_t outer(const Shape& first) const {
    return split_at_axis(first, normalize_axis(axis_, first.rank(), first)).outer;
  }

  std::int64_t axis_ = 0;
};
}  // namespace

namespace dagrad {
Expr concat(const std::vector<Expr>& inputs, std::int64_t axis, std::string name) {
  if (inputs.empty()) throw ShapeError("concat: needs at least one input");
  return inputs[0].graph().add_op(std::make_unique<Concat>(Attrs{{"axis", axis}}), inputs, std::move(name));
}
}  // namespace dagrad

DAGRAD_REGISTER_OP(concat, Concat)
