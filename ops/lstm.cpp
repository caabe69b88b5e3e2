// (i f g o) = (σ, σ, tanh, σ)(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh); c_t = f c_{t-1} + i g; h_t = o tanh(c_t)
//
// PyTorch's nn.LSTM (one layer, one direction, seq-first; gates stacked i, f, g, o): x (seq, batch, in),
// h0, c0 (batch, h), weight_ih (4h, in), weight_hh (4h, h), bias_ih, bias_hh (4h); the output is every
// h_t (seq, batch, h), the final cell state is not an output. Backward through time:
// dc_t = dc_{t+1} f_{t+1} + dh_t o (1 - tanh²c_t), from the gates and tanh(c_t) kept from forward.
#include "recurrent.hpp"

namespace {
using namespace dagrad;
using namespace dagrad::recurrent;

class Lstm final : public TypedOp<Lstm> {
 public:
  std::string_view name() const override { return "lstm"; }
  int arity() const override { return 7; }
  Shape infer_shape(std::span<const Shape> inputs) const override { return check_shapes(inputs, 4, true); }
  template <class T>
  void forward_as(std::span<const TensorView> inputs, TensorView output) {
    const Sizes n(inputs);
    const Eigen::Index h = n.hidden, b = n.batch;
    gates_.resize(Shape{n.rows(), 4 * h}, dtype_of<T>);
    cells_.resize(Shape{n.rows(), h}, dtype_of<T>), tanh_cells_.resize(Shape{n.rows(), h}, dtype_of<T>);
    auto gates = matrix<T>(gates_, n.rows(), 4 * h);
    auto y = matrix<T>(output, n.rows(), h);
    project_inputs<T>(inputs, 3, gates, /*add_hidden_bias=*/true);
    auto w_hh = matrix<T>(inputs[4], 4 * h, h);
    for (Eigen::Index t = 0, r = 0; t < n.seq; ++t, r += b) {
      ConstMatrix<T> h_prev(t == 0 ? inputs[1].data<T>() : output.data<T>() + (r - b) * h, b, h);
      ConstMatrix<T> c_prev(t == 0 ? inputs[2].data<T>() : cells_.data<T>() + (r - b) * h, b, h);
      auto g = gates.middleRows(r, b);
      parallel_kernels::product(g, h_prev, w_hh.transpose(), /*accumulate=*/true);
      vector_math::sigmoid_rows(g.leftCols(2 * h), g.leftCols(2 * h));
      vector_math::tanh_rows(g.middleCols(2 * h, h), g.middleCols(2 * h, h));
      vector_math::sigmoid_rows(g.rightCols(h), g.rightCols(h));
      auto c = matrix<T>(cells_, n.rows(), h).middleRows(r, b).array();
      c = g.middleCols(h, h).array() * c_prev.array() + g.leftCols(h).array() * g.middleCols(2 * h, h).array();
      auto tanh_c = matrix<T>(tanh_cells_, n.rows(), h).middleRows(r, b);
      vector_math::tanh_rows(matrix<T>(cells_, n.rows(), h).middleRows(r, b), tanh_c);
      y.middleRows(r, b).array() = g.rightCols(h).array() * tanh_c.array();
    }
  }
  template <class T>
  void backward_as(std::span<const TensorView> inputs, const TensorView& output, const TensorView& dy,
                   std::span<GradientSlot> grads) {
    const Sizes n(inputs);
    const Eigen::Index h = n.hidden, b = n.batch;
    gate_grads_.resize(Shape{n.rows(), 4 * h}, dtype_of<T>);
    dh_.resize(Shape{b, h}, dtype_of<T>), dc_.resize(Shape{b, h}, dtype_of<T>);
    auto dgates = matrix<T>(gate_grads_, n.rows(), 4 * h);
    auto dh = matrix<T>(dh_, b, h), dc = matrix<T>(dc_, b, h);
    dh.setZero(), dc.setZero();
    auto w_hh = matrix<T>(inputs[4], 4 * h, h);
    for (Eigen::Index t = n.seq - 1, r = t * b; t >= 0; --t, r -= b) {
      ConstMatrix<T> c_prev(t == 0 ? inputs[2].data<T>() : cells_.data<T>() + (r - b) * h, b, h);
      auto g = matrix<T>(gates_, n.rows(), 4 * h).middleRows(r, b).array();
      auto i = g.leftCols(h), f = g.middleCols(h, h), cell_in = g.middleCols(2 * h, h), o = g.rightCols(h);
      auto tanh_c = matrix<T>(tanh_cells_, n.rows(), h).middleRows(r, b).array();
      auto d = dgates.middleRows(r, b).array();
      dh += matrix<T>(dy, n.rows(), h).middleRows(r, b);
      dc.array() += dh.array() * o * (T(1) - tanh_c.square());
      d.leftCols(h) = dc.array() * cell_in * i * (T(1) - i);
      d.middleCols(h, h) = dc.array() * c_prev.array() * f * (T(1) - f);
      d.middleCols(2 * h, h) = dc.array() * i * (T(1) - cell_in.square());
      d.rightCols(h) = dh.array() * tanh_c * o * (T(1) - o);
      dc.array() *= f;
      parallel_kernels::product(dh, dgates.middleRows(r, b), w_hh);
    }
    if (grads[1].needed) write_gradient(grads[1], dh.array());
    if (grads[2].needed) write_gradient(grads[2], dc.array());
    write_parameter_gradients<T>(inputs, output, 3, gate_grads_, gate_grads_, grads);
  }
  std::vector<Expr> symbolic_backward(Graph&, std::span<const Expr> in, const Expr&, const Expr& dy, std::span<const bool> needed) const override {
    return unrolled_backward(in, dy, needed, /*lstm=*/true);
  }
  static std::vector<OpExample> examples(Rng& rng) { return recurrent_examples(rng, 4, true); }
 private:
  Tensor gates_, cells_, tanh_cells_;  // activated (i f g o), c_t and tanh(c_t) of every step, from forward
  Tensor gate_grads_, dh_, dc_;        // backward's scratch: sized once
  std::int64_t scratch_bytes() const override { return scratch_bytes_of(gates_, cells_, tanh_cells_, gate_grads_, dh_, dc_); }
};
}  // namespace
namespace dagrad {
Expr lstm(Expr x, Expr h0, Expr c0, Expr weight_ih, Expr weight_hh, Expr bias_ih, Expr bias_hh, std::string name) {
  return x.graph().add_op(std::make_unique<Lstm>(), {x, h0, c0, weight_ih, weight_hh, bias_ih, bias_hh},
                          std::move(name));
}
}  // namespace dagrad

DAGRAD_REGISTER_OP(lstm, Lstm)
