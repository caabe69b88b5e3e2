// y = e^(x - max x) / sum(e^(x - max x)) per row (last axis); dx = y * (dy - sum(dy * y))
//
// Subtracting the row maximum keeps e^x from overflowing: softmax([1000, 0])
// is [1, e^-1000] where the course's naive version gives NaN.
#include "dagrad/eigen.hpp"
#include "dagrad/ops.hpp"

namespace {
using namespace dagrad;

class Softmax final : public Op {
 public:
  std::string_view name() const override { return "softmax"; }
  Shape infer_shape(std::span<const Shape> inputs) const override {
    if (inputs.size() != 1) throw ShapeError(fmt::format("takes 1 input, got {}", inputs.size()));
    return inputs[0];
  }
  // Row by row: each row stays in cache between its passes. Multiplying by
  // 1 / sum instead of dividing each element is much cheaper (a division
  // costs about ten multiplications) and changes the result by at most an ulp.
  void forward(std::span<const TensorView> inputs, TensorView output) override {
    auto x = rows(inputs[0]);
    auto y = rows(output);
    if (x.cols() == 0) return;  // an empty last axis: an empty result (no maximum to take)
    for (Eigen::Index r = 0; r < x.rows(); ++r) {
      y.row(r) = (x.row(r) - x.row(r).maxCoeff()).exp();
      y.row(r) *= 1.0 / y.row(r).sum();
    }
  }
  void backward(std::span<const TensorView>, const TensorView& output, const TensorView& output_grad,
                std::span<GradientSlot> grads) override {
    auto y = rows(output);
    auto dy = rows(output_grad);
    auto dx = rows(grads[0].grad);
    for (Eigen::Index r = 0; r < y.rows(); ++r) {
      auto contribution = y.row(r) * (dy.row(r) - (dy.row(r) * y.row(r)).sum());
      if (grads[0].accumulate) dx.row(r) += contribution; else dx.row(r) = contribution;
    }
  }
};
}  // namespace

namespace dagrad {
Expr softmax(Expr x, std::string name) { return x.graph().add(std::make_unique<Softmax>(), {x}, std::move(name)); }
}  // namespace dagrad

DAGRAD_REGISTER_OP(softmax, Softmax)
