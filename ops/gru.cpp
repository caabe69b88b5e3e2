// (r z) = σ(x_t W_i^T + b_i + h_{t-1} W_h^T + b_h); n = tanh(x_t W_in^T + b_in + r (h_{t-1} W_hn^T + b_hn)); h_t = (1 - z) n + z h_{t-1}
//
// PyTorch's nn.GRU (one layer, one direction, seq-first): weight_ih (3h, in)
// and weight_hh (3h, h) stack the gates r, z, n in that order, and b_hn
// sits inside r (...), as in PyTorch (not the variant with r applied to h
// before the product). Inputs x (seq, batch, in), h0 (batch, h), weight_ih,
// weight_hh, bias_ih, bias_hh (3h); the output is every h_t, (seq, batch, h).
// Backward through time from the gates and h_{t-1} W_hn^T + b_hn kept from forward.
#include "recurrent.hpp"

namespace {
using namespace dagrad;
using namespace dagrad::recurrent;

class Gru final : public TypedOp<Gru> {
 public:
  std::string_view name() const override { return "gru"; }
  int arity() const override { return 6; }
  Shape infer_shape(std::span<const Shape> inputs) const override { return check_shapes(inputs, 3, false); }
  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView output) {
    const Sizes n(inputs);
    const Eigen::Index h = n.hidden, b = n.batch;
    gates_.resize(Shape{n.rows(), 3 * h}, dtype_of<T>);
    hidden_n_.resize(Shape{n.rows(), h}, dtype_of<T>);
    step_.resize(Shape{b, 3 * h}, dtype_of<T>);
    auto gates = matrix<T>(gates_, n.rows(), 3 * h);
    auto y = matrix<T>(output, n.rows(), h);
    project_inputs<T>(inputs, 2, gates, /*add_hidden_bias=*/false);
    auto w_hh = matrix<T>(inputs[3], 3 * h, h);
    auto step = matrix<T>(step_, b, 3 * h);
    for (Eigen::Index t = 0, r = 0; t < n.seq; ++t, r += b) {
      ConstMatrix<T> h_prev(t == 0 ? inputs[1].data<T>() : output.data<T>() + (r - b) * h, b, h);
      parallel_kernels::product(step, h_prev, w_hh.transpose());
      step.rowwise() += row_vector<T>(inputs[5]);
      auto g = gates.middleRows(r, b).array();
      g.leftCols(2 * h) = sigmoid(g.leftCols(2 * h) + step.leftCols(2 * h).array());
      auto hidden_n = matrix<T>(hidden_n_, n.rows(), h).middleRows(r, b).array();
      hidden_n = step.rightCols(h).array();
      vector_math::tanh_rows(g.rightCols(h) += g.leftCols(h) * hidden_n, g.rightCols(h));  // n, in place
      y.middleRows(r, b).array() = g.rightCols(h) + g.middleCols(h, h) * (h_prev.array() - g.rightCols(h));
    }
  }
  template <class T>
  void backward_as(std::span<const TensorView> inputs, const TensorView& output, const TensorView& dy,
                   std::span<GradientSlot> grads) {
    const Sizes n(inputs);
    const Eigen::Index h = n.hidden, b = n.batch;
    input_grads_.resize(Shape{n.rows(), 3 * h}, dtype_of<T>), hidden_grads_.resize(Shape{n.rows(), 3 * h}, dtype_of<T>);
    dh_.resize(Shape{b, h}, dtype_of<T>);
    auto dh = matrix<T>(dh_, b, h);
    dh.setZero();
    auto w_hh = matrix<T>(inputs[3], 3 * h, h);
    for (Eigen::Index t = n.seq - 1, r = t * b; t >= 0; --t, r -= b) {
      ConstMatrix<T> h_prev(t == 0 ? inputs[1].data<T>() : output.data<T>() + (r - b) * h, b, h);
      auto g = matrix<T>(gates_, n.rows(), 3 * h).middleRows(r, b).array();
      auto reset = g.leftCols(h), update = g.middleCols(h, h), candidate = g.rightCols(h);
      auto hidden_n = matrix<T>(hidden_n_, n.rows(), h).middleRows(r, b).array();
      auto dx_side = matrix<T>(input_grads_, n.rows(), 3 * h).middleRows(r, b).array();
      auto dh_side = matrix<T>(hidden_grads_, n.rows(), 3 * h).middleRows(r, b);
      dh += matrix<T>(dy, n.rows(), h).middleRows(r, b);
      dx_side.rightCols(h) = dh.array() * (T(1) - update) * (T(1) - candidate.square());
      dx_side.middleCols(h, h) = dh.array() * (h_prev.array() - candidate) * update * (T(1) - update);
      dx_side.leftCols(h) = dx_side.rightCols(h) * hidden_n * reset * (T(1) - reset);
      dh_side.leftCols(2 * h) = dx_side.leftCols(2 * h).matrix();
      dh_side.rightCols(h).array() = dx_side.rightCols(h) * reset;
      dh.array() *= update;
      parallel_kernels::product(dh, dh_side, w_hh, /*accumulate=*/true);
    }
    if (grads[1].needed) write_gradient(grads[1], dh.array());
    write_parameter_gradients<T>(inputs, output, 2, input_grads_, hidden_grads_, grads);
  }
  std::vector<Expr> symbolic_backward(Graph&, std::span<const Expr> in, const Expr&, const Expr& dy, std::span<const bool> needed) const override {
    return unrolled_backward(in, dy, needed, /*lstm=*/false);
  }
  static std::vector<OpExample> examples(Rng& rng) { return recurrent_examples(rng, 3, false); }

 private:
  Tensor gates_, hidden_n_, step_;               // activated (r z n), h W_hn^T + b_hn per step; step scratch
  Tensor input_grads_, hidden_grads_, dh_;       // backward's scratch: sized once
  std::int64_t scratch_bytes() const override { return scratch_bytes_of(gates_, hidden_n_, step_, input_grads_, hidden_grads_, dh_); }
};
}  // namespace
namespace dagrad {
Expr gru(Expr x, Expr h0, Expr weight_ih, Expr weight_hh, Expr bias_ih, Expr bias_hh, std::string name) {
  return x.graph().add_op(std::make_unique<Gru>(), {x, h0, weight_ih, weight_hh, bias_ih, bias_hh}, std::move(name));
}
}  // namespace dagrad

DAGRAD_REGISTER_OP(gru, Gru)
