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

// The attribute, kernels, symbolic backward and builder are JoinOp's.
class Concat final : public JoinOp<Concat> {
 public:
  static constexpr std::string_view op_name = "concat";
  static constexpr int new_axes = 0;
  using JoinOp::JoinOp;

  Shape infer_shape(std::span<const Shape> inputs) const override { return concat_shape(inputs, axis_); }

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
};
}  // namespace

namespace dagrad {
Expr concat(const std::vector<Expr>& inputs, std::int64_t axis, std::string name) {
  return Concat::add_to(inputs, axis, std::move(name));
}
}  // namespace dagrad

DAGRAD_REGISTER_OP(concat, Concat)
