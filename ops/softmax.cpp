// y = e^(x - max x) / sum(e^(x - max x)) per row (last axis); dx = y * (dy - sum(dy * y))
//
// Subtracting the row maximum keeps e^x from overflowing: softmax([1000, 0])
// is [1, e^-1000] where the course's naive version gives NaN. An empty last
// axis gives an empty result. The row loops are rowwise.hpp's.
#include "dagrad/autodiff.hpp"
#include "rowwise.hpp"
#include "vector_exp.hpp"

namespace {
using namespace dagrad;

class Softmax final : public rowwise::RowwiseOp<Softmax> {
 public:
  std::string_view name() const override { return "softmax"; }
  // Multiplying by 1 / sum instead of dividing each element is much cheaper
  // (a division costs about ten multiplications) and changes the result by
  // at most an ulp.
  template <class T>
  void forward_row(auto x, auto y, Eigen::Index) {
    vector_math::exp_into(x.data(), y.data(), y.size(), x.maxCoeff());  // rows are contiguous
    y *= T(1) / y.sum();
  }
  template <class T>
  auto backward_row(auto y, auto dy, Eigen::Index) const {
    return y * (dy - (dy * y).sum());
  }
  std::vector<Expr> symbolic_backward(Graph&, std::span<const Expr>, const Expr& y, const Expr& dy,
                                      std::span<const bool>) const override {
    return {y * (dy - row_sums(dy * y))};
  }
};
}  // namespace

namespace dagrad {
Expr softmax(Expr x, std::string name) { return Softmax::add_to(x, std::move(name)); }
}  // namespace dagrad

DAGRAD_REGISTER_OP(softmax, Softmax)
