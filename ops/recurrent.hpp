// The math shared by the fused recurrent ops (lstm.cpp, gru.cpp): their
// shape rule (PyTorch's nn.LSTM / nn.GRU parameter layout, gates stacked in
// the rows of weight_ih and weight_hh) and the time loops forward and
// through time backward.
//
// Speed: the input projections of all time steps are one GEMM before the
// loop (x (seq*batch, in) times W_ih^T), and the weight gradients one GEMM
// each after the backward loop; inside the loop only the (batch, hidden)
// by (hidden, gates*hidden) recurrent product remains. Every buffer is a
// member sized on the first run: no allocation per time step or once warm.
// Large products, including the recurrent one, are split over threads
// (parallel_product.hpp).
#pragma once

#include <cstdint>
#include <span>

#include "dagrad/autodiff.hpp"
#include "dagrad/eigen.hpp"
#include "parallel_product.hpp"
#include "dagrad/ops.hpp"
#include "vector_exp.hpp"
#include "vector_tanh.hpp"

namespace dagrad::recurrent {

template <class T>
using Matrix = Eigen::Map<RowMajorMatrix<T>>;
template <class T>
using ConstMatrix = Eigen::Map<const RowMajorMatrix<T>>;

template <class T>
Matrix<T> matrix(Tensor& t, Eigen::Index rows, Eigen::Index cols) { return {t.data<T>(), rows, cols}; }
template <class T>
Matrix<T> matrix(TensorView& t, Eigen::Index rows, Eigen::Index cols) { return {t.data<T>(), rows, cols}; }
template <class T>
ConstMatrix<T> matrix(const TensorView& t, Eigen::Index rows, Eigen::Index cols) { return {t.data<T>(), rows, cols}; }
template <class T>
Eigen::Map<const Eigen::Matrix<T, 1, Eigen::Dynamic>> row_vector(const TensorView& t) { return {t.data<T>(), t.size()}; }

template <class X>
auto sigmoid(const X& x) { return (typename X::Scalar(1) + (-x).exp()).inverse(); }

// The sizes of one run, read off x (seq, batch, in) and h0 (batch, hidden).
struct Sizes {
  Eigen::Index seq, batch, in, hidden;
  explicit Sizes(std::span<const TensorView> inputs)
      : seq(inputs[0].shape()[0]), batch(inputs[0].shape()[1]), in(inputs[0].shape()[2]),
        hidden(inputs[1].shape()[1]) {}
  Eigen::Index rows() const { return seq * batch; }
};

// Inputs x (seq, batch, in), h0 (batch, hidden), [c0 (batch, hidden)],
// weight_ih (gates*hidden, in), weight_hh (gates*hidden, hidden), bias_ih and
// bias_hh (gates*hidden); output every hidden state, (seq, batch, hidden).
// An empty sequence is refused, as PyTorch refuses it.
inline Shape check_shapes(std::span<const Shape> inputs, std::int64_t gates, bool with_cell) {
  const Shape& x = inputs[0];
  const Shape& h0 = inputs[1];
  if (x.rank() != 3 || x[0] == 0) {
    throw ShapeError(fmt::format("x must be (seq, batch, input_size) with seq > 0, got shape {}", x));
  }
  if (h0.rank() != 2 || h0[0] != x[1]) {
    throw ShapeError(fmt::format("h0 must be (batch, hidden_size) with batch {} as in x {}, got shape {}", x[1], x, h0));
  }
  const std::int64_t hidden = h0[1];
  auto expect = [&](std::size_t i, const Shape& wanted, const char* what) {
    if (inputs[i] == wanted) return;
    throw ShapeError(fmt::format("{} must be {} for input size {} and hidden size {} ({} gates), got shape {}", what,
                                 wanted, x[2], hidden, gates, inputs[i]));
  };
  const std::size_t weights = with_cell ? 3 : 2;
  if (with_cell) expect(2, h0, "c0");
  expect(weights, Shape{gates * hidden, x[2]}, "weight_ih");
  expect(weights + 1, Shape{gates * hidden, hidden}, "weight_hh");
  expect(weights + 2, Shape{gates * hidden}, "bias_ih");
  expect(weights + 3, Shape{gates * hidden}, "bias_hh");
  return Shape{x[0], x[1], hidden};
}

// x W_ih^T + b_ih (+ b_hh, when `add_hidden_bias`) for every time step at
// once, into `projections` (seq*batch, gates*hidden).
template <class T>
void project_inputs(std::span<const TensorView> inputs, std::size_t weights, Matrix<T> projections, bool add_hidden_bias) {
  const Sizes n(inputs);
  auto x = matrix<T>(inputs[0], n.rows(), n.in);
  auto w_ih = matrix<T>(inputs[weights], projections.cols(), n.in);
  parallel_kernels::product(projections, x, w_ih.transpose());
  if (add_hidden_bias) {
    // Row by row: `rowwise() +=` a sum of two vectors would evaluate the sum into a malloc'd temporary.
    for (Eigen::Index r = 0; r < projections.rows(); ++r) {
      projections.row(r) += row_vector<T>(inputs[weights + 2]) + row_vector<T>(inputs[weights + 3]);
    }
  } else {
    projections.rowwise() += row_vector<T>(inputs[weights + 2]);
  }
}

// After the loop, from the pre-activation gradients of every step: dx =
// dG_x W_ih, dW_ih = dG_x^T x, db_ih = sum of dG_x over rows; dW_hh = dG_h^T
// h_prev with h_prev = (h0, y[0 .. seq-2]) taken as two blocks, db_hh = sum
// of dG_h. (For an LSTM dG_x and dG_h are the same buffer.)
template <class T>
void write_parameter_gradients(std::span<const TensorView> inputs, const TensorView& y, std::size_t weights,
                               const Tensor& input_side, const Tensor& hidden_side, std::span<GradientSlot> grads) {
  const Sizes n(inputs);
  const Eigen::Index rows = input_side.shape()[1];
  ConstMatrix<T> dgx(input_side.data<T>(), n.rows(), rows), dgh(hidden_side.data<T>(), n.rows(), rows);
  GradientSlot& dx = grads[0];
  if (dx.needed) {
    parallel_kernels::product(matrix<T>(dx.grad, n.rows(), n.in), dgx, matrix<T>(inputs[weights], rows, n.in),
                              dx.accumulate);
  }
  if (GradientSlot& slot = grads[weights]; slot.needed) {
    parallel_kernels::product(matrix<T>(slot.grad, rows, n.in), dgx.transpose(), matrix<T>(inputs[0], n.rows(), n.in),
                              slot.accumulate);
  }
  if (GradientSlot& slot = grads[weights + 1]; slot.needed) {
    auto dw = matrix<T>(slot.grad, rows, n.hidden);
    parallel_kernels::product(dw, dgh.topRows(n.batch).transpose(), matrix<T>(inputs[1], n.batch, n.hidden),
                              slot.accumulate);
    const Eigen::Index later = n.rows() - n.batch;
    if (later > 0) parallel_kernels::product(dw, dgh.bottomRows(later).transpose(), matrix<T>(y, n.rows(), n.hidden).topRows(later), true);
  }
  if (GradientSlot& slot = grads[weights + 2]; slot.needed) write_gradient(slot, dgx.colwise().sum().transpose().array());
  if (GradientSlot& slot = grads[weights + 3]; slot.needed) write_gradient(slot, dgh.colwise().sum().transpose().array());
}

// Gradient-check cases: x, h0 [, c0] normal, weights and biases uniform in
// (-0.6, 0.6), at (seq, batch, in, hidden) from a single unit to several.
inline std::vector<OpExample> recurrent_examples(Rng& rng, std::int64_t gates, bool with_cell) {
  std::vector<OpExample> cases;
  const std::int64_t sizes[][4] = {{1, 1, 1, 1}, {3, 2, 3, 2}, {4, 3, 2, 3}, {2, 1, 4, 5}};
  for (const auto& [seq, batch, in, hidden] : sizes) {
    OpExample example;
    example.inputs.push_back(random_normal(Shape{seq, batch, in}, rng));
    for (int state = 0; state < (with_cell ? 2 : 1); ++state) example.inputs.push_back(random_normal(Shape{batch, hidden}, rng));
    for (const Shape& shape : {Shape{gates * hidden, in}, Shape{gates * hidden, hidden}, Shape{gates * hidden},
                               Shape{gates * hidden}}) {
      example.inputs.push_back(random_uniform(shape, rng, -0.6, 0.6));
    }
    cases.push_back(std::move(example));
  }
  return cases;
}

// The symbolic backward of both ops, by decomposition (dagrad/autodiff.hpp):
// the layer unrolled over its sequence with matmul, slice, sigmoid, tanh,
// mul, add and stack, the same equations as the kernels (and as the ONNX
// export), so its second derivatives follow from those ops'.
inline std::vector<Expr> unrolled_backward(std::span<const Expr> inputs, const Expr& dy, std::span<const bool> needed,
                                           bool lstm) {
  return backward_by_decomposition(inputs, dy, needed, [lstm](std::span<const Expr> v) {
    const Shape& x = v[0].shape();
    const std::int64_t seq = x[0], batch = x[1], hidden = v[1].shape()[1];
    const std::size_t weights = lstm ? 3 : 2;
    const Expr w_ih = transpose(v[weights]), w_hh = transpose(v[weights + 1]), b_hh = v[weights + 3];
    const Expr projected = matmul(reshape(v[0], {seq * batch, x[2]}), w_ih) + v[weights + 2];  // every step's x W_ih^T + b_ih
    auto gate = [&](const Expr& t, std::int64_t k) { return slice(t, {0, k * hidden}, {INT64_MAX, (k + 1) * hidden}); };
    Expr h = v[1], c = lstm ? v[2] : Expr();
    std::vector<Expr> states;
    for (std::int64_t t = 0; t < seq; ++t) {
      const Expr step = slice(projected, {t * batch}, {(t + 1) * batch});
      if (lstm) {  // gates i, f, g, o
        const Expr gates = step + (matmul(h, w_hh) + b_hh);
        c = dagrad::sigmoid(gate(gates, 1)) * c + dagrad::sigmoid(gate(gates, 0)) * dagrad::tanh(gate(gates, 2));
        h = dagrad::sigmoid(gate(gates, 3)) * dagrad::tanh(c);
      } else {  // gates r, z, n; b_hn inside r * (...)
        const Expr recurrent = matmul(h, w_hh) + b_hh;
        const Expr r = dagrad::sigmoid(gate(step, 0) + gate(recurrent, 0)), z = dagrad::sigmoid(gate(step, 1) + gate(recurrent, 1));
        const Expr n = dagrad::tanh(gate(step, 2) + r * gate(recurrent, 2));
        h = n + z * (h - n);
      }
      states.push_back(h);
    }
    return stack(states, 0);
  });
}

}  // namespace dagrad::recurrent
