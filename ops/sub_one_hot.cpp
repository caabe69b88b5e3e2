// y = p - onehot(labels) for p (batch, classes) and class labels (batch) or (batch, 1); dp = dy; labels take no gradient
//
// The softmax_cross_entropy gradient's label term as an op (its symbolic
// backward is (dL / batch) * sub_one_hot(softmax(z), labels)). Labels are
// checked as softmax_cross_entropy checks them (dagrad/class_labels.hpp).
#include "dagrad/class_labels.hpp"
#include "dagrad/eigen.hpp"
#include "dagrad/ops.hpp"

namespace {
using namespace dagrad;

class SubOneHot final : public TypedOp<SubOneHot> {
 public:
  std::string_view name() const override { return "sub_one_hot"; }
  int arity() const override { return 2; }
  Shape infer_shape(std::span<const Shape> inputs) const override {
    check_label_shape(inputs[0], inputs[1]);
    return inputs[0];
  }
  bool differentiable(int input_index) const override { return input_index == 0; }
  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView y) {
    flat<T>(y) = flat<T>(inputs[0]);
    auto rows = as_rows<T>(y);
    const T* labels = inputs[1].data<T>();
    for (Eigen::Index r = 0; r < rows.rows(); ++r) {
      rows(r, Eigen::Index(class_index(double(labels[r]), r, rows.cols()))) -= T(1);
    }
  }
  template <class T>
  void backward_as(std::span<const TensorView>, const TensorView&, const TensorView& dy,
                   std::span<GradientSlot> grads) {
    write_gradient(grads[0], flat<T>(dy));
  }
  std::vector<Expr> symbolic_backward(Graph&, std::span<const Expr>, const Expr&, const Expr& dy,
                                      std::span<const bool>) const override {
    return {dy, Expr()};
  }

  static std::vector<OpExample> examples(Rng& rng) { return class_label_examples(rng); }
};
}  // namespace

DAGRAD_REGISTER_OP(sub_one_hot, SubOneHot)
