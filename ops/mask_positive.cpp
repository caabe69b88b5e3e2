// y = g where x > 0, else 0 (elementwise, equal shapes); dg = dy where x > 0, else 0; x takes no gradient
//
// relu's gradient as an op (relu's symbolic backward is mask_positive(dy, x)),
// so that it can be differentiated again: linear in g, and piecewise
// constant in x, whose derivative is 0 away from x = 0 (PyTorch's relu
// convention: at x = 0 nothing passes). The op around the mask is
// kink_at_zero.hpp's.
#include "kink_at_zero.hpp"

namespace {
using namespace dagrad;

class MaskPositive final : public kink_at_zero::GradientMaskOp<MaskPositive> {
 public:
  static constexpr std::string_view op_name = "mask_positive";
  template <class T>
  static auto mask(const auto& g, const auto& x) {
    return (x > T(0)).select(g, T(0));
  }
};
}  // namespace

DAGRAD_REGISTER_OP(mask_positive, MaskPositive)
