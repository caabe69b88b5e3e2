// The recurrent layers of nn.hpp: Embedding, LSTM, GRU (the fused ops) and
// RNNCell (plain ops), with PyTorch's parameter layout and initializers.
#include <cmath>

#include "dagrad/nn.hpp"
#include "dagrad/ops.hpp"

namespace dagrad {
namespace {

// weight_ih, weight_hh, bias_ih, bias_hh of `gates` blocks, U(-k, k) with
// k = 1/sqrt(hidden) (PyTorch's RNN layers), made inside the layer's scope.
std::vector<Expr> recurrent_parameters(Graph& graph, std::string_view layer, std::int64_t gates,
                                       std::int64_t input_size, std::int64_t hidden_size, Rng& rng, DType dtype) {
  if (input_size < 1 || hidden_size < 1) {
    throw Error(fmt::format("{}: sizes must be positive, not input {} and hidden {}", layer, input_size, hidden_size));
  }
  const double bound = 1.0 / std::sqrt(double(hidden_size));
  const std::int64_t rows = gates * hidden_size;
  auto draw = [&](const Shape& shape) { return init::uniform(shape, rng, -bound, bound).to(dtype); };
  return {graph.parameter("weight_ih", draw(Shape{rows, input_size})),
          graph.parameter("weight_hh", draw(Shape{rows, hidden_size})), graph.parameter("bias_ih", draw(Shape{rows})),
          graph.parameter("bias_hh", draw(Shape{rows}))};
}

// A zero (batch, hidden) initial state for x (seq, batch, in): an unnamed
// constant, so that the layer can be called on several inputs.
Expr zero_state(Graph& graph, Expr x, std::int64_t hidden_size, DType dtype) {
  if (x.shape().rank() != 3) {
    throw ShapeError(fmt::format("x must be (seq, batch, input_size), got shape {}", x.shape()));
  }
  return graph.constant(Tensor(Shape{x.shape()[1], hidden_size}, dtype));
}

}  // namespace

Embedding::Embedding(Graph& graph, std::int64_t vocab, std::int64_t dim, Rng& rng, std::string name, DType dtype)
    : graph_(&graph), local_name_(std::move(name)) {
  if (vocab < 1 || dim < 1) {
    throw Error(fmt::format("Embedding \"{}\": sizes must be positive, not vocab {} and dim {}", local_name_, vocab, dim));
  }
  auto scope = graph.name_scope(local_name_);
  weight_ = graph.parameter("weight", init::normal(Shape{vocab, dim}, rng).to(dtype));
}

Expr Embedding::operator()(Expr indices) const {
  auto scope = graph_->name_scope(local_name_);
  return embedding(weight_, indices);
}

LSTM::LSTM(Graph& graph, std::int64_t input_size, std::int64_t hidden_size, Rng& rng, std::string name, DType dtype)
    : graph_(&graph), local_name_(std::move(name)), hidden_size_(hidden_size), dtype_(dtype) {
  auto scope = graph.name_scope(local_name_);
  parameters_ = recurrent_parameters(graph, "LSTM \"" + local_name_ + "\"", 4, input_size, hidden_size, rng, dtype);
}

Expr LSTM::operator()(Expr x) const {
  auto scope = graph_->name_scope(local_name_);
  return (*this)(x, zero_state(*graph_, x, hidden_size_, dtype_), zero_state(*graph_, x, hidden_size_, dtype_));
}

Expr LSTM::operator()(Expr x, Expr h0, Expr c0) const {
  auto scope = graph_->name_scope(local_name_);
  const auto& p = parameters_;
  return lstm(x, h0, c0, p[0], p[1], p[2], p[3]);
}

GRU::GRU(Graph& graph, std::int64_t input_size, std::int64_t hidden_size, Rng& rng, std::string name, DType dtype)
    : graph_(&graph), local_name_(std::move(name)), hidden_size_(hidden_size), dtype_(dtype) {
  auto scope = graph.name_scope(local_name_);
  parameters_ = recurrent_parameters(graph, "GRU \"" + local_name_ + "\"", 3, input_size, hidden_size, rng, dtype);
}

Expr GRU::operator()(Expr x) const {
  auto scope = graph_->name_scope(local_name_);
  return (*this)(x, zero_state(*graph_, x, hidden_size_, dtype_));
}

Expr GRU::operator()(Expr x, Expr h0) const {
  auto scope = graph_->name_scope(local_name_);
  const auto& p = parameters_;
  return gru(x, h0, p[0], p[1], p[2], p[3]);
}

RNNCell::RNNCell(Graph& graph, std::int64_t input_size, std::int64_t hidden_size, Rng& rng, std::string name,
                 DType dtype)
    : graph_(&graph), local_name_(std::move(name)) {
  auto scope = graph.name_scope(local_name_);
  parameters_ = recurrent_parameters(graph, "RNNCell \"" + local_name_ + "\"", 1, input_size, hidden_size, rng, dtype);
}

Expr RNNCell::operator()(Expr x, Expr h) const {
  auto scope = graph_->name_scope(local_name_);
  const auto& p = parameters_;
  return tanh(matmul(x, transpose(p[0])) + p[2] + matmul(h, transpose(p[1])) + p[3]);
}

}  // namespace dagrad
