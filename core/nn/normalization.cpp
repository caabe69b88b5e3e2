// Dropout, LayerNorm, BatchNorm and Sequential: layers written with the
// public op builders only, as a user's own would be.
#include <fmt/format.h>

#include "dagrad/error.hpp"
#include "dagrad/nn.hpp"
#include "dagrad/ops.hpp"

namespace dagrad {

Dropout::Dropout(double p, std::int64_t seed, std::string name)
    : p_(p), first_seed_(seed), next_seed_(seed), name_(std::move(name)) {
  if (!(p >= 0.0 && p <= 1.0)) throw Error(fmt::format("Dropout \"{}\": p must be in [0, 1], got {}", name_, p));
}

Expr Dropout::operator()(Expr x) {
  const std::int64_t call = next_seed_ - first_seed_;
  std::string name = name_.empty() || call == 0 ? name_ : fmt::format("{}_{}", name_, call + 1);
  return dropout(x, p_, next_seed_++, std::move(name));
}

namespace {
void check_features(std::string_view layer, const std::string& name, std::int64_t features) {
  if (features < 1) throw Error(fmt::format("{} \"{}\": the feature count must be positive, not {}", layer, name, features));
}
}  // namespace

LayerNorm::LayerNorm(Graph& graph, std::int64_t features, std::string name, double eps, DType dtype)
    : graph_(&graph), local_name_(std::move(name)), eps_(eps) {
  check_features("LayerNorm", local_name_, features);
  auto scope = graph.name_scope(local_name_);
  weight_ = graph.parameter("weight", Tensor(Shape{features}, 1.0, dtype));
  bias_ = graph.parameter("bias", Tensor(Shape{features}, dtype));
}

Expr LayerNorm::operator()(Expr x) const {
  auto scope = graph_->name_scope(local_name_);
  return layer_norm(x, weight_, bias_, eps_);
}

BatchNorm::BatchNorm(Graph& graph, std::int64_t channels, std::string name, double momentum, double eps,
                     DType dtype)
    : graph_(&graph), local_name_(std::move(name)), momentum_(momentum), eps_(eps) {
  check_features("BatchNorm", local_name_, channels);
  auto scope = graph.name_scope(local_name_);
  weight_ = graph.parameter("weight", Tensor(Shape{channels}, 1.0, dtype));
  bias_ = graph.parameter("bias", Tensor(Shape{channels}, dtype));
  running_mean_ = graph.input("running_mean", Tensor(Shape{channels}, dtype));
  running_var_ = graph.input("running_var", Tensor(Shape{channels}, 1.0, dtype));
}

Expr BatchNorm::operator()(Expr x) const {
  auto scope = graph_->name_scope(local_name_);
  return batch_norm(x, weight_, bias_, running_mean_, running_var_, momentum_, eps_);
}

Sequential& Sequential::add(Activation activation) {
  entries_.push_back({[activation](Expr x) { return activate(x, activation); }, {}, {}});
  return *this;
}

Expr Sequential::operator()(Expr x) const {
  for (const Entry& entry : entries_) x = entry.call(x);
  return x;
}

std::vector<Expr> Sequential::parameters() const {
  std::vector<Expr> result;
  for (const Entry& entry : entries_) {
    if (!entry.parameters) continue;
    for (Expr p : entry.parameters()) result.push_back(p);
  }
  return result;
}

std::vector<Expr> Sequential::state() const {
  std::vector<Expr> result = parameters();
  for (const Entry& entry : entries_) {
    if (!entry.buffers) continue;
    for (Expr b : entry.buffers()) result.push_back(b);
  }
  return result;
}

}  // namespace dagrad
