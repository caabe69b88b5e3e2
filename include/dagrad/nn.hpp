// Layers: Linear and MLP, built from the public op builders of ops.hpp.
//
// core/nn is a client of those builders exactly like user code: core/ knows
// no particular op, and nothing here is available to dagrad's layers that a
// user's own layer could not do the same way.
//
// A layer owns no tensors: its parameters are graph nodes named through
// Graph::NameScope ("layer1/W", "layer1/b"), so diagrams cluster them,
// Graph::find reaches them by name and optimizers get them from
// parameters(). Calling a layer adds nodes that use those parameters; call it
// on several inputs (a training batch, a test set) and they share weights.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dagrad/graph.hpp"
#include "dagrad/init.hpp"
#include "dagrad/ops.hpp"

namespace dagrad {

enum class Activation { identity, tanh, relu, sigmoid };
// "identity", "tanh", "relu", "sigmoid".
std::string_view to_string(Activation activation);
// The inverse of to_string; throws Error listing the names on an unknown one.
Activation parse_activation(std::string_view name);
// f(x) as a graph node (x itself for identity).
Expr activate(Expr x, Activation activation, std::string name = {});
// The initializer suited to weights feeding an activation: He for relu,
// Xavier/Glorot otherwise.
init::Method default_init(Activation activation);

// y = x W + b, with x (batch, in), W (in, out), b (out,) broadcast over the
// batch. (PyTorch's nn.Linear stores W as (out, in) and computes x W^T + b;
// storing (in, out) saves a transpose node. The result is the same.)
class Linear {
 public:
  // Parameters "<name>/W" (initialized by `weight_init`) and "<name>/b"
  // (zeros), inside any name scope open on `graph`, of `dtype` (the same
  // random draws in either dtype, so float32 and float64 models start alike).
  Linear(Graph& graph, std::int64_t in_features, std::int64_t out_features, Rng& rng,
         std::string name = "linear", init::Method weight_init = init::Method::xavier_uniform,
         DType dtype = DType::float64);

  Expr operator()(Expr x) const;

  Expr weight() const { return weight_; }
  Expr bias() const { return bias_; }
  std::vector<Expr> parameters() const { return {weight_, bias_}; }
  const std::string& name() const { return name_; }  // with its scope: "mlp/layer1"
  std::int64_t in_features() const { return in_features_; }
  std::int64_t out_features() const { return out_features_; }

 private:
  Graph* graph_;
  std::string name_;
  std::string local_name_;
  std::int64_t in_features_;
  std::int64_t out_features_;
  Expr weight_;
  Expr bias_;
};

// A multilayer perceptron: sizes {2, 4, 1} is Linear(2, 4), activation,
// Linear(4, 1). The last layer has no activation: the model gives logits, for
// bce_with_logits or softmax_cross_entropy (as in PyTorch, the loss applies
// the sigmoid or softmax, stably). Layers are named layer1, layer2, ...,
// inside "<name>/" when a name is given (two models in one graph need
// different names).
class MLP {
 public:
  MLP(Graph& graph, std::vector<std::int64_t> sizes, Activation activation, Rng& rng, std::string name = {},
      DType dtype = DType::float64);

  Expr operator()(Expr x) const;

  // Every layer's W and b, in layer order.
  std::vector<Expr> parameters() const;
  const std::vector<Linear>& layers() const { return layers_; }
  const std::vector<std::int64_t>& sizes() const { return sizes_; }
  Activation activation() const { return activation_; }

 private:
  Graph* graph_;
  std::string name_;
  std::vector<std::int64_t> sizes_;
  Activation activation_;
  std::vector<Linear> layers_;
};

// Sections for the layers of issue 11, one per family.
// ---- conv layers (issue 11) ----
// y = conv2d(x, W, b) on NCHW images, as PyTorch's nn.Conv2d: W (out,
// in/groups, kh, kw) and b (out,), both drawn from U(-1/sqrt(fan_in),
// 1/sqrt(fan_in)) with fan_in = in/groups kh kw (PyTorch's default:
// kaiming_uniform with a = sqrt(5) for W, and that bound for b). Parameters
// "<name>/W" and "<name>/b", of `dtype`.
class Conv2d {
 public:
  Conv2d(Graph& graph, std::int64_t in_channels, std::int64_t out_channels, std::array<std::int64_t, 2> kernel,
         Rng& rng, std::string name = "conv", Conv2dOptions options = {}, bool bias = true,
         DType dtype = DType::float64);

  Expr operator()(Expr x) const;

  Expr weight() const { return weight_; }
  std::optional<Expr> bias() const { return bias_; }
  std::vector<Expr> parameters() const;
  const std::string& name() const { return name_; }
  const Conv2dOptions& options() const { return options_; }

 private:
  Graph* graph_;
  std::string name_;
  std::string local_name_;
  Conv2dOptions options_;
  Expr weight_;
  std::optional<Expr> bias_;
};

// max_pool2d as a layer (no parameters): stride {0, 0} means the kernel.
class MaxPool2d {
 public:
  explicit MaxPool2d(std::array<std::int64_t, 2> kernel, std::array<std::int64_t, 2> stride = {0, 0},
                     std::array<std::int64_t, 2> padding = {0, 0});
  Expr operator()(Expr x) const;

 private:
  std::array<std::int64_t, 2> kernel_, stride_, padding_;
};

// (N, d1, d2, ...) -> (N, d1 d2 ...), as torch.flatten(x, 1): a reshape
// that keeps the batch axis free (-1), so the same graph takes any batch.
Expr flatten(Expr x, std::string name = {});
// (end of conv layers)
// ---- recurrent layers (issue 11) ----
// Rows of a (vocab, dim) table, parameter "<name>/weight" drawn N(0, 1) as
// PyTorch's nn.Embedding; called on indices of any shape (whole numbers
// stored as floats), it gives the indices' shape plus (dim,).
class Embedding {
 public:
  Embedding(Graph& graph, std::int64_t vocab, std::int64_t dim, Rng& rng, std::string name = "embedding",
            DType dtype = DType::float64);
  Expr operator()(Expr indices) const;
  Expr weight() const { return weight_; }
  std::vector<Expr> parameters() const { return {weight_}; }

 private:
  Graph* graph_;
  std::string local_name_;
  Expr weight_;
};

// One recurrent layer over x (seq, batch, in), the fused lstm or gru op,
// with PyTorch's parameters "<name>/weight_ih" (gates*hidden, in),
// "weight_hh" (gates*hidden, hidden), "bias_ih", "bias_hh" (gates*hidden),
// all drawn U(-1/sqrt(hidden), 1/sqrt(hidden)) as nn.LSTM and nn.GRU do, in
// that order, so weights copy to and from PyTorch as they are. Returns every
// hidden state, (seq, batch, hidden); without initial states they are zero
// (PyTorch's default).
class LSTM {
 public:
  LSTM(Graph& graph, std::int64_t input_size, std::int64_t hidden_size, Rng& rng, std::string name = "lstm",
       DType dtype = DType::float64);
  Expr operator()(Expr x) const;
  Expr operator()(Expr x, Expr h0, Expr c0) const;
  // weight_ih, weight_hh, bias_ih, bias_hh.
  std::vector<Expr> parameters() const { return parameters_; }
  std::int64_t hidden_size() const { return hidden_size_; }

 private:
  Graph* graph_;
  std::string local_name_;
  std::int64_t hidden_size_;
  DType dtype_;
  std::vector<Expr> parameters_;
};

class GRU {
 public:
  GRU(Graph& graph, std::int64_t input_size, std::int64_t hidden_size, Rng& rng, std::string name = "gru",
      DType dtype = DType::float64);
  Expr operator()(Expr x) const;
  Expr operator()(Expr x, Expr h0) const;
  // weight_ih, weight_hh, bias_ih, bias_hh.
  std::vector<Expr> parameters() const { return parameters_; }
  std::int64_t hidden_size() const { return hidden_size_; }

 private:
  Graph* graph_;
  std::string local_name_;
  std::int64_t hidden_size_;
  DType dtype_;
  std::vector<Expr> parameters_;
};

// One step of an Elman RNN built from plain ops, PyTorch's nn.RNNCell:
// h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh) for x (batch, in), h (batch,
// hidden); parameters as PyTorch's, drawn U(-1/sqrt(hidden), 1/sqrt(hidden)).
// Unroll it by calling it once per time step.
class RNNCell {
 public:
  RNNCell(Graph& graph, std::int64_t input_size, std::int64_t hidden_size, Rng& rng, std::string name = "rnn_cell",
          DType dtype = DType::float64);
  Expr operator()(Expr x, Expr h) const;
  // weight_ih, weight_hh, bias_ih, bias_hh.
  std::vector<Expr> parameters() const { return parameters_; }

 private:
  Graph* graph_;
  std::string local_name_;
  std::vector<Expr> parameters_;
};
// (end of recurrent layers)
// ---- normalization layers (issue 11) ----
// Layers whose behaviour depends on Graph::set_training (training by
// default): switch the graph to evaluation mode before measuring a model on
// a test set, as model.eval() in PyTorch.

// Inverted dropout (the dropout op). Each call makes a node with its own
// generator, seeded seed, seed + 1, ... in call order, so a model built the
// same way draws the same masks. Nodes are named `name`, then name_2,
// name_3, ... (generated names when empty).
class Dropout {
 public:
  explicit Dropout(double p = 0.5, std::int64_t seed = 0, std::string name = {});
  Expr operator()(Expr x);
  std::vector<Expr> parameters() const { return {}; }
  double p() const { return p_; }

 private:
  double p_;
  std::int64_t first_seed_, next_seed_;
  std::string name_;
};

// Layer normalization over the last axis, PyTorch's nn.LayerNorm(features):
// parameters "<name>/weight" (ones) and "<name>/bias" (zeros).
class LayerNorm {
 public:
  LayerNorm(Graph& graph, std::int64_t features, std::string name = "layer_norm", double eps = 1e-5,
            DType dtype = DType::float64);
  Expr operator()(Expr x) const;
  Expr weight() const { return weight_; }
  Expr bias() const { return bias_; }
  std::vector<Expr> parameters() const { return {weight_, bias_}; }

 private:
  Graph* graph_;
  std::string local_name_;
  double eps_;
  Expr weight_, bias_;
};

// Batch normalization, PyTorch's nn.BatchNorm1d(channels) on (N, C) and
// nn.BatchNorm2d on (N, C, H, W): parameters "<name>/weight" (ones) and
// "<name>/bias" (zeros), and the running statistics "<name>/running_mean"
// (zeros) and "<name>/running_var" (ones). Those are input leaves without
// gradient that training-mode forward runs update in place (the batch_norm
// op); they are part of the graph, so graph files save them, and state()
// lists them with the parameters for save_parameters/load_parameters.
class BatchNorm {
 public:
  BatchNorm(Graph& graph, std::int64_t channels, std::string name = "batch_norm", double momentum = 0.1,
            double eps = 1e-5, DType dtype = DType::float64);
  Expr operator()(Expr x) const;
  Expr weight() const { return weight_; }
  Expr bias() const { return bias_; }
  Expr running_mean() const { return running_mean_; }
  Expr running_var() const { return running_var_; }
  std::vector<Expr> parameters() const { return {weight_, bias_}; }
  // The running statistics: saved with a model, never trained.
  std::vector<Expr> buffers() const { return {running_mean_, running_var_}; }

 private:
  Graph* graph_;
  std::string local_name_;
  double momentum_, eps_;
  Expr weight_, bias_, running_mean_, running_var_;
};

// Layers applied in order, PyTorch's nn.Sequential. add() takes any layer
// callable as Expr(Expr) (Linear, MLP, Dropout, LayerNorm, BatchNorm, your
// own) and an Activation; a layer's parameters() and buffers(), when it has
// them, are collected in order. The layers are kept by value.
//   Sequential model;
//   model.add(Linear(g, 2, 20, rng, "layer1")).add(Activation::relu).add(Dropout(0.2));
class Sequential {
 public:
  template <class Layer>
  Sequential& add(Layer layer) {
    auto shared = std::make_shared<Layer>(std::move(layer));
    Entry entry{[shared](Expr x) { return (*shared)(x); }, {}, {}};
    if constexpr (requires { shared->parameters(); }) entry.parameters = [shared] { return shared->parameters(); };
    if constexpr (requires { shared->buffers(); }) entry.buffers = [shared] { return shared->buffers(); };
    entries_.push_back(std::move(entry));
    return *this;
  }
  Sequential& add(Activation activation);

  Expr operator()(Expr x) const;
  // Every layer's trainable parameters, in layer order (for optimizers).
  std::vector<Expr> parameters() const;
  // Parameters and buffers (running statistics): what to save and load.
  std::vector<Expr> state() const;
  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    std::function<Expr(Expr)> call;
    std::function<std::vector<Expr>()> parameters;
    std::function<std::vector<Expr>()> buffers;
  };
  std::vector<Entry> entries_;
};
// (end of normalization layers)

}  // namespace dagrad
