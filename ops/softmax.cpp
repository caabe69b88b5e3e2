// y = e^(x - max x) / sum(e^(x - max x)) per row (last axis); dx = y * (dy - sum(dy * y))
//
// Subtracting the row maximum keeps e^x from overflowing: softmax([1000, 0])
// is [1, e^-1000] where the course's naive version gives NaN. An empty last
// axis gives an empty result.
#include "dagrad/autodiff.hpp"
#include "dagrad/eigen.hpp"
#include "dagrad/ops.hpp"

namespace {
using namespace dagrad;

class Softmax final : public UnaryOp<Softmax> {
 public:
  std::string_view name() const override { return "softmax"; }
  // Row by row: each row stays in cache between its passes. Multiplying by
  // 1 / sum instead of dividing each element is much cheaper (a division
  // costs about ten multiplications) and changes the result by at most an ulp.
  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView output) {
    auto x = as_rows<T>(inputs[0]);
    auto y = as_rows<T>(output);
    if (x.cols() == 0) return;
    for (Eigen::Index r = 0; r < x.rows(); ++r) {
      y.row(r) = (x.row(r) - x.row(r).maxCoeff()).exp();
      y.row(r) *= T(1) / y.row(r).sum();
    }
  }
  template <class T>
  void backward_as(std::span<const TensorView>, const TensorView& output, const TensorView& output_grad,
                   std::span<GradientSlot> grads) {
    auto y = as_rows<T>(output);
    auto dy = as_rows<T>(output_grad);
    write_gradient_by_rows<T>(grads[0], [&](Eigen::Index r) { return y.row(r) * (dy.row(r) - (dy.row(r) * y.row(r)).sum()); });
  }
  std::vector<Expr> symbolic_backward(Graph&, std::span<const Expr>, const Expr& y, const Expr& dy,
                                      std::span<const bool>) const override {
    return {y * (dy - row_sums(dy * y))};
  }
};
}  // namespace

namespace dagrad {
Expr softmax(Expr x, std::string name) { return x.graph().add_op(std::make_unique<Softmax>(), {x}, std::move(name)); }
}  // namespace dagrad

DAGRAD_REGISTER_OP(softmax, Softmax)
