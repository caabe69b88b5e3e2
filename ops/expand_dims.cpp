// y = x with a new axis of length 1 at `axis` (NumPy's expand_dims); dx = dy (the same elements in the same order)
//
// `axis` counts the output's axes: -rank(x)-1 to rank(x), negative from the
// end. Values are copied (the elements keep their order); the rest of the
// op is unit_axis.hpp's, shared with squeeze.
#include "unit_axis.hpp"

namespace {
using namespace dagrad;

class ExpandDims final : public unit_axis::UnitAxisOp<ExpandDims> {
 public:
  static constexpr std::string_view op_name = "expand_dims";
  using UnitAxisOp::UnitAxisOp;

  Shape infer_shape(std::span<const Shape> inputs) const override {
    const Shape& x = inputs[0];
    if (x.rank() == Shape::max_rank) throw ShapeError(fmt::format("shape {} already has the most axes", x));
    const int axis = normalize_axis(axis_, x.rank() + 1, x);
    std::vector<std::int64_t> dims(x.dims().begin(), x.dims().end());
    dims.insert(dims.begin() + axis, 1);
    return Shape(std::span<const std::int64_t>(dims.data(), dims.size()));
  }

  // Every new axis of a rank-2 input (negative too), a scalar, an empty input.
  static std::vector<OpExample> examples(Rng& rng) {
    std::vector<OpExample> cases;
    for (std::int64_t axis : {0, 1, 2, -1, -3}) {
      cases.push_back({{random_normal(Shape{2, 3}, rng)}, {{"axis", axis}}, {}});
    }
    cases.push_back({{random_normal(Shape{}, rng)}, {{"axis", std::int64_t{0}}}, {}});
    cases.push_back({{random_normal(Shape{0, 2}, rng)}, {{"axis", std::int64_t{1}}}, {}});
    return cases;
  }
};
}  // namespace

namespace dagrad {
Expr expand_dims(Expr x, std::int64_t axis, std::string name) { return ExpandDims::add_to(x, axis, std::move(name)); }
}  // namespace dagrad

DAGRAD_REGISTER_OP(expand_dims, ExpandDims)
