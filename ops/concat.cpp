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
  Shape infer_shape(std::span<const Shape> inputs) const override {
    if (inputs.empty()) throw ShapeError("needs at least one input");
    const Shape& first = inputs[0];
    if (first.rank() == 0) throw ShapeError("cannot join rank-0 inputs: they have no axis");
    const int axis = normalize_axis(axis_, first.rank(), first);
    std::int64_t length = 0;
    for (std::size_t k = 0; k < inputs.size(); ++k) {
      const Shape& shape = inputs[k];
      bool fits = shape.rank() == first.rank();
      for (int a = 0; fits && a < shape.rank(); ++a) fits = a == axis || shape[a] == first[a];
      if (!fits) {
        throw ShapeError(fmt::format("input {} has shape {}, which does not fit input 0's {}: shapes must agree "
                                     "on every axis but axis {}",
                                     k, shape, first, axis_));
      }
      length += shape[axis];
    }
    return first.with_dim(axis, length);
  }
  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView output) {
    join_rows<T>(inputs, outer(inputs[0].shape()), output);
  }
  template <class T>
  void backward_as(std::span<const TensorView> inputs, const TensorView&, const TensorView& dy,
                   std::span<GradientSlot> grads) {
    split_rows<T>(inputs, dy, outer(inputs[0].shape()), grads);
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
