// y = x without its axis `axis` of length 1 (NumPy's squeeze with an axis); dx = dy (the same elements, in order)
//
// `axis` is -rank to rank - 1, negative from the end; squeezing an axis
// whose length is not 1 is an error, as in NumPy. Values are copied; the
// rest of the op is unit_axis.hpp's, shared with expand_dims.
#include "unit_axis.hpp"

namespace {
using namespace dagrad;

class Squeeze final : public unit_axis::UnitAxisOp<Squeeze> {
 public:
  static constexpr std::string_view op_name = "squeeze";
  using UnitAxisOp::UnitAxisOp;

  Shape infer_shape(std::span<const Shape> inputs) const override {
    const Shape& x = inputs[0];
    const int axis = normalize_axis(axis_, x.rank(), x);
    if (x[axis] != 1) {
      throw ShapeError(fmt::format("cannot squeeze axis {} of shape {}: its length is {}, not 1", axis_, x, x[axis]));
    }
    std::vector<std::int64_t> dims(x.dims().begin(), x.dims().end());
    dims.erase(dims.begin() + axis);
    return Shape(std::span<const std::int64_t>(dims.data(), dims.size()));
  }

  // Each axis of length 1 (negative too), down to a scalar, and an empty input.
  static std::vector<OpExample> examples(Rng& rng) {
    auto squeeze = [&](Shape shape, std::int64_t axis) {
      return OpExample{{random_normal(shape, rng)}, {{"axis", axis}}, {}};
    };
    return {squeeze({1, 3}, 0), squeeze({3, 1}, 1), squeeze({2, 1, 3}, -2), squeeze({1}, 0), squeeze({1, 1}, -1),
            squeeze({0, 1}, 1)};
  }
};
}  // namespace

namespace dagrad {
Expr squeeze(Expr x, std::int64_t axis, std::string name) { return Squeeze::add_to(x, axis, std::move(name)); }
}  // namespace dagrad

DAGRAD_REGISTER_OP(squeeze, Squeeze)
