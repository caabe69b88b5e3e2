// Linear and MLP: layers written with the public op builders only.
#include "dagrad/nn.hpp"

#include <fmt/format.h>

#include "dagrad/error.hpp"
#include "dagrad/ops.hpp"

namespace dagrad {

std::string_view to_string(Activation activation) {
  switch (activation) {
    case Activation::identity: return "identity";
    case Activation::tanh: return "tanh";
    case Activation::relu: return "relu";
    case Activation::sigmoid: return "sigmoid";
  }
  return "unknown";
}

Activation parse_activation(std::string_view name) {
  for (Activation a : {Activation::identity, Activation::tanh, Activation::relu, Activation::sigmoid}) {
    if (to_string(a) == name) return a;
  }
  throw Error(fmt::format("unknown activation \"{}\": expected identity, tanh, relu or sigmoid", name));
}

Expr activate(Expr x, Activation activation, std::string name) {
  switch (activation) {
    case Activation::identity: return x;
    case Activation::tanh: return tanh(x, std::move(name));
    case Activation::relu: return relu(x, std::move(name));
    case Activation::sigmoid: return sigmoid(x, std::move(name));
  }
  throw Error("activate: unknown activation");
}

init::Method default_init(Activation activation) {
  return activation == Activation::relu ? init::Method::he_uniform : init::Method::xavier_uniform;
}

Linear::Linear(Graph& graph, std::int64_t in_features, std::int64_t out_features, Rng& rng, std::string name,
               init::Method weight_init, DType dtype)
    : graph_(&graph), local_name_(std::move(name)), in_features_(in_features), out_features_(out_features) {
  if (in_features < 1 || out_features < 1) {
    throw Error(fmt::format("Linear \"{}\": sizes must be positive, not in {} and out {}", local_name_, in_features,
                            out_features));
  }
  auto scope = graph.name_scope(local_name_);
  weight_ = graph.parameter("W", init::make(weight_init, Shape{in_features, out_features}, rng).to(dtype));
  bias_ = graph.parameter("b", Tensor(Shape{out_features}, dtype));
  const std::string& full = weight_.name();
  name_ = full.substr(0, full.size() - 2);  // without "/W"
}

Expr Linear::operator()(Expr x) const {
  auto scope = graph_->name_scope(local_name_);
  return matmul(x, weight_) + bias_;
}

MLP::MLP(Graph& graph, std::vector<std::int64_t> sizes, Activation activation, Rng& rng, std::string name,
         DType dtype)
    : graph_(&graph), name_(std::move(name)), sizes_(std::move(sizes)), activation_(activation) {
  if (sizes_.size() < 2) {
    throw Error(fmt::format("MLP: sizes must list at least the input and output sizes, got {} number(s)",
                            sizes_.size()));
  }
  std::optional<Graph::NameScope> scope;
  if (!name_.empty()) scope.emplace(graph, name_);
  for (std::size_t i = 0; i + 1 < sizes_.size(); ++i) {
    bool last = i + 2 == sizes_.size();
    // The last layer feeds the loss, not an activation: Xavier suits it.
    init::Method method = last ? init::Method::xavier_uniform : default_init(activation);
    layers_.emplace_back(graph, sizes_[i], sizes_[i + 1], rng, fmt::format("layer{}", i + 1), method, dtype);
  }
}

Expr MLP::operator()(Expr x) const {
  std::optional<Graph::NameScope> scope;
  if (!name_.empty()) scope.emplace(*graph_, name_);
  for (std::size_t i = 0; i < layers_.size(); ++i) {
    x = layers_[i](x);
    if (i + 1 < layers_.size()) {
      auto layer_scope = graph_->name_scope(fmt::format("layer{}", i + 1));
      x = activate(x, activation_);
    }
  }
  return x;
}

std::vector<Expr> MLP::parameters() const {
  std::vector<Expr> result;
  for (const Linear& layer : layers_) {
    result.push_back(layer.weight());
    result.push_back(layer.bias());
  }
  return result;
}

}  // namespace dagrad
