// y = x - (m + log(sum(e^(x - m)))) per row (last axis), m the row maximum; dx = dy - e^y * sum(dy)
//
// The log-sum-exp with the maximum taken out never overflows, and y is
// computed directly rather than as log(softmax(x)), which would give -inf
// where softmax underflows to 0 (log_softmax([1000, 0]) is [0, -1000]). An
// empty last axis gives an empty result. The row loops are rowwise.hpp's.
#include <cmath>

#include "dagrad/autodiff.hpp"
#include "rowwise.hpp"

namespace {
using namespace dagrad;

class LogSoftmax final : public rowwise::RowwiseOp<LogSoftmax> {
 public:
  std::string_view name() const override { return "log_softmax"; }
  template <class T>
  void forward_row(auto x, auto y, Eigen::Index) {
    y = x - x.maxCoeff();
    y -= std::log(y.exp().sum());
  }
  template <class T>
  auto backward_row(auto y, auto dy, Eigen::Index) const {
    return dy - y.exp() * dy.sum();
  }
  std::vector<Expr> symbolic_backward(Graph&, std::span<const Expr>, const Expr& y, const Expr& dy,
                                      std::span<const bool>) const override {
    return {dy - exp(y) * row_sums(dy)};
  }
};
}  // namespace

namespace dagrad {
Expr log_softmax(Expr x, std::string name) { return LogSoftmax::add_to(x, std::move(name)); }
}  // namespace dagrad

DAGRAD_REGISTER_OP(log_softmax, LogSoftmax)
