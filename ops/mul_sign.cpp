// y = g * sign(x) (elementwise, equal shapes; sign(0) = 0, as PyTorch); dg = dy * sign(x); x takes no gradient
//
// The gradient of |x| as an op (l1's symbolic backward), so that it can be
// differentiated again: linear in g, and piecewise constant in x, whose
// derivative is 0 away from x = 0. The op around the mask is
// kink_at_zero.hpp's.
#include "kink_at_zero.hpp"

namespace {
using namespace dagrad;

class MulSign final : public kink_at_zero::GradientMaskOp<MulSign> {
 public:
  static constexpr std::string_view op_name = "mul_sign";
  template <class T>
  static auto mask(const auto& g, const auto& x) {
    return (x > T(0)).select(g, (x < T(0)).select(-g, T(0)));
  }
};
}  // namespace

DAGRAD_REGISTER_OP(mul_sign, MulSign)
