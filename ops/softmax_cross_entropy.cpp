// L = mean over rows b of (logsumexp(z_b) - z_b[label_b]); dz = dL * (softmax(z) - onehot(label)) / batch
//
// PyTorch's F.cross_entropy(logits, labels) with its default mean reduction.
// Labels are class indices stored as doubles, shape (batch) or (batch, 1);
// they take no gradient. Forward keeps softmax(z) for backward (the op
// contract's saved state), so backward is one pass.
#include <cmath>

#include "dagrad/class_labels.hpp"
#include "dagrad/eigen.hpp"
#include "dagrad/ops.hpp"

namespace {
using namespace dagrad;

class SoftmaxCrossEntropy final : public TypedOp<SoftmaxCrossEntropy> {
 public:
  std::string_view name() const override { return "softmax_cross_entropy"; }
  int arity() const override { return 2; }
  Shape infer_shape(std::span<const Shape> inputs) const override {
    check_label_shape(inputs[0], inputs[1]);
    return Shape{};
  }
  bool differentiable(int input_index) const override { return input_index == 0; }
  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView output) {
    auto z = as_rows<T>(inputs[0]);
    const T* labels = inputs[1].data<T>();
    const Eigen::Index batch = z.rows(), classes = z.cols();
    probabilities_.resize(inputs[0].shape(), dtype_of<T>);
    labels_.resize(std::size_t(batch));
    auto p = as_rows<T>(probabilities_.view());
    double total = 0;
    for (Eigen::Index r = 0; r < batch; ++r) {
      const auto index = Eigen::Index(class_index(double(labels[r]), r, classes));
      labels_[std::size_t(r)] = index;
      const T max = z.row(r).maxCoeff();
      p.row(r) = (z.row(r) - max).exp();
      const T row_sum = p.row(r).sum();
      p.row(r) /= row_sum;
      // logsumexp(z) - z[label] = (max - z[label]) + log(row_sum): the shifted
      // label logit first, so no large terms cancel.
      total += double(max - z(r, index)) + std::log(double(row_sum));
    }
    output.data<T>()[0] = T(batch == 0 ? 0.0 : total / double(batch));
  }

  template <class T>
  void backward_as(std::span<const TensorView>, const TensorView&, const TensorView& dy,
                   std::span<GradientSlot> grads) {
    GradientSlot& slot = grads[0];
    const T scale = dy.data<T>()[0] / T(labels_.size());
    write_gradient(slot, scale * flat<T>(probabilities_));
    auto dz = as_rows<T>(slot.grad);
    for (std::size_t r = 0; r < labels_.size(); ++r) dz(Eigen::Index(r), labels_[r]) -= scale;
  }

  std::vector<Expr> symbolic_backward(Graph& graph, std::span<const Expr> x, const Expr&, const Expr& dy,
                                      std::span<const bool>) const override {
    const double batch = double(x[0].shape()[0]);
    return {(dy * (1.0 / batch)) * graph.apply("sub_one_hot", {softmax(x[0]), x[1]}), Expr()};
  }

  static std::vector<OpExample> examples(Rng& rng) { return class_label_examples(rng); }

 private:
  Tensor probabilities_;                 // softmax(z), kept from forward; sized once
  std::vector<Eigen::Index> labels_;     // the validated class indices
  std::int64_t scratch_bytes() const override { return scratch_bytes_of(probabilities_, labels_); }
};
}  // namespace

namespace dagrad {
Expr softmax_cross_entropy(Expr logits, Expr labels, std::string name) {
  return logits.graph().add_op(std::make_unique<SoftmaxCrossEntropy>(), {logits, labels}, std::move(name));
}
}  // namespace dagrad

DAGRAD_REGISTER_OP(softmax_cross_entropy, SoftmaxCrossEntropy)
