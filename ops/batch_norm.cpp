// y = (x - mean_c) r_c w_c + b_c, r = 1 / sqrt(var + eps), per channel c (axis 1); training: dx = w r (dy - mean(dy) - xh mean(dy xh))
//
// PyTorch's F.batch_norm for (N, C) and (N, C, H, W); xh = (x - mean) r, dw = sum dy xh, db = sum dy per channel. Training
// normalizes with the batch's statistics (var biased) and updates the running ones (inputs 3 and 4, (C,) leaves, no
// gradient; the output never reads them then, so nothing goes stale) in place: running = (1 - momentum) running + momentum
// batch, the variance unbiased (times m / (m - 1), m values per channel; m = 1 is an error, as in PyTorch). Evaluation
// normalizes with the running statistics (dx = dy w r).
#include "dagrad/autodiff.hpp"
#include "dagrad/eigen.hpp"
#include "dagrad/normalization.hpp"
#include "dagrad/ops.hpp"

namespace {
using namespace dagrad;

class BatchNorm final : public TypedOp<BatchNorm> {
 public:
  explicit BatchNorm(double momentum = 0.1, double eps = 1e-5) : momentum_(momentum), eps_(eps) {}
  explicit BatchNorm(const Attrs& a)
      : BatchNorm((a.expect_only("batch_norm", {"momentum", "eps"}), a.get_double("batch_norm", "momentum", 0.1)), a.get_double("batch_norm", "eps", 1e-5)) {}
  std::string_view name() const override { return "batch_norm"; }
  Attrs attrs() const override { return {{"momentum", momentum_}, {"eps", eps_}}; }
  int arity() const override { return 5; }
  bool differentiable(int input_index) const override { return input_index < 3; }
  void set_training(bool training) override { training_ = training; }
  Shape infer_shape(std::span<const Shape> in) const override {
    if (in[0].rank() != 2 && in[0].rank() != 4) throw ShapeError(fmt::format("needs x of shape (N, C) or (N, C, H, W), got {}", in[0]));
    const char* names[] = {"x", "weight", "bias", "running_mean", "running_var"};
    for (int i = 1; i < 5; ++i) if (!(in[i] == Shape{in[0][1]})) throw ShapeError(fmt::format("{} must have shape ({},) for x {}, got {}", names[i], in[0][1], in[0], in[i]));
    if (eps_ > 0.0 && momentum_ >= 0.0 && momentum_ <= 1.0) return in[0];
    throw ShapeError(fmt::format("needs eps > 0 and momentum in [0, 1], got eps {} and momentum {}", eps_, momentum_));
  }
  template <class T>
  void forward_as(std::span<const TensorView> in, TensorView out) {
    const T *x = in[0].data<T>(), *w = in[1].data<T>(), *b = in[2].data<T>();
    T *running_mean = in[3].data<T>(), *running_var = in[4].data<T>(), *y = out.data<T>();
    layout_ = ChannelLayout(in[0].shape());
    const double m = layout_.count();  // values per channel
    mean_.resize(layout_.channels()), inverse_deviation_.resize(layout_.channels());
    if (training_ && m <= 1) throw Error(fmt::format("expected more than 1 value per channel when training, got x of shape {}", in[0].shape()));
    batch_statistics_ = training_;
    for (std::int64_t c = 0; c < layout_.channels(); ++c) {
      auto [mean, variance] = training_ ? layout_.moments(x, c) : std::pair<double, double>(running_mean[c], running_var[c]);
      if (training_) running_mean[c] = T((1 - momentum_) * running_mean[c] + momentum_ * mean), running_var[c] = T((1 - momentum_) * running_var[c] + momentum_ * variance * m / (m - 1));
      mean_(c) = mean, inverse_deviation_(c) = 1 / std::sqrt(variance + eps_);
      layout_.each(c, [&](std::int64_t i) { y[i] = T((x[i] - mean_(c)) * inverse_deviation_(c) * w[c] + b[c]); });
    }
  }
  template <class T>
  void backward_as(std::span<const TensorView> in, const TensorView&, const TensorView& dy_view, std::span<GradientSlot> grads) {
    const T *x = in[0].data<T>(), *w = in[1].data<T>(), *dy = dy_view.data<T>();
    T* dx = grads[0].needed ? grads[0].grad.data<T>() : nullptr;
    const double m = layout_.count();
    for (std::int64_t c = 0; c < layout_.channels(); ++c) {
      double sum_dy = 0, sum_dy_xh = 0;
      auto xh = [&](std::int64_t i) { return (x[i] - mean_(c)) * inverse_deviation_(c); };
      layout_.each(c, [&](std::int64_t i) { sum_dy += dy[i], sum_dy_xh += dy[i] * xh(i); });
      const double mean_dy = batch_statistics_ ? sum_dy / m : 0, mean_dy_xh = batch_statistics_ ? sum_dy_xh / m : 0;
      if (dx) layout_.each(c, [&](std::int64_t i) { assign_or_add(dx[i], T(w[c] * inverse_deviation_(c) * (dy[i] - mean_dy - xh(i) * mean_dy_xh)), grads[0].accumulate); });
      if (grads[1].needed) assign_or_add(grads[1].grad.data<T>()[c], T(sum_dy_xh), grads[1].accumulate);
      if (grads[2].needed) assign_or_add(grads[2].grad.data<T>()[c], T(sum_dy), grads[2].accumulate);
    }
  }
  // By decomposition (dagrad/autodiff.hpp): the forward with ops, which update no running statistics.
  std::vector<Expr> symbolic_backward(Graph&, std::span<const Expr> in, const Expr&, const Expr& dy, std::span<const bool> needed) const override {
    return backward_by_decomposition(in, dy, needed, [&, x = in[0].shape()](std::span<const Expr> v) {
      auto [mean, variance] = training_ ? channel_moments(v[0]) : std::pair{per_channel(v[3], x), per_channel(v[4], x)};
      return (v[0] - mean) / sqrt(variance + eps_) * per_channel(v[1], x) + per_channel(v[2], x);
    });
  }
  static std::vector<OpExample> examples(Rng& rng) {  // running statistics 0.5 and 2 (only written in training mode)
    std::vector<OpExample> cases;
    for (Shape s : {Shape{4, 3}, Shape{5, 1}, Shape{2, 3, 2, 2}, Shape{3, 2, 1, 3}}) cases.push_back({{random_normal(s, rng), random_normal(Shape{s[1]}, rng), random_normal(Shape{s[1]}, rng), Tensor(Shape{s[1]}, 0.5), Tensor(Shape{s[1]}, 2.0)}, {}, {}});
    return cases;
  }
 private:
  double momentum_, eps_;
  bool training_ = true, batch_statistics_ = true;
  ChannelLayout layout_;
  Eigen::ArrayXd mean_, inverse_deviation_;
  std::int64_t scratch_bytes() const override { return scratch_bytes_of(mean_) + scratch_bytes_of(inverse_deviation_); }
};
}  // namespace
namespace dagrad {
Expr batch_norm(Expr x, Expr weight, Expr bias, Expr running_mean, Expr running_var, double momentum, double eps, std::string name) {
  return x.graph().add_op(std::make_unique<BatchNorm>(momentum, eps), {x, weight, bias, running_mean, running_var}, std::move(name));
}
}  // namespace dagrad

DAGRAD_REGISTER_OP(batch_norm, BatchNorm)
