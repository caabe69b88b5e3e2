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

// The attribute, kernels, symbolic backward and builder are JoinOp's.
class Stack final : public JoinOp<Stack> {
 public:
  static constexpr std::string_view op_name = "stack";
  static constexpr int new_axes = 1;
  using JoinOp::JoinOp;

  Shape infer_shape(std::span<const Shape> inputs) const override { return stack_shape(inputs, axis_); }

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
};
}  // namespace

namespace dagrad {
Expr stack(const std::vector<Expr>& inputs, std::int64_t axis, std::string name) {
  return Stack::add_to(inputs, axis, std::move(name));
}
}  // namespace dagrad

DAGRAD_REGISTER_OP(stack, Stack)
