// y[n,c,0,0] = mean of x[n,c] over its H W pixels; dx[n,c] = dy[n,c] / (H W) at every pixel
//
// ONNX's GlobalAveragePool (PyTorch's adaptive_avg_pool2d(x, 1)): x (N, C, H, W) -> (N, C, 1, 1).
#include "dagrad/autodiff.hpp"
#include "dagrad/eigen.hpp"
#include "dagrad/ops.hpp"

namespace {
using namespace dagrad;

// x as (N C planes, H W pixels).
template <class T>
Eigen::Map<RowMajorArray<T>> planes(const TensorView& x) {
  return {x.data<T>(), x.shape()[0] * x.shape()[1], x.shape()[2] * x.shape()[3]};
}

class GlobalAvgPool final : public TypedOp<GlobalAvgPool> {
 public:
  std::string_view name() const override { return "global_avg_pool"; }
  int arity() const override { return 1; }
  Shape infer_shape(std::span<const Shape> in) const override {
    if (in[0].rank() != 4) throw ShapeError(fmt::format("needs x (N, C, H, W), got shape {}", in[0]));
    if (in[0][2] * in[0][3] == 0) throw ShapeError(fmt::format("x {} has no pixels to average", in[0]));
    return Shape{in[0][0], in[0][1], 1, 1};
  }
  template <class T> void forward_as(std::span<const TensorView> in, TensorView y) {
    flat<T>(y) = planes<T>(in[0]).rowwise().mean();
  }
  template <class T> void backward_as(std::span<const TensorView> in, const TensorView&, const TensorView& dy, std::span<GradientSlot> grads) {
    const T scale = T(1) / T(in[0].shape()[2] * in[0].shape()[3]);
    auto share = (flat<T>(dy) * scale).replicate(1, planes<T>(in[0]).cols());
    assign_or_add(planes<T>(grads[0].grad), share, grads[0].accumulate);
  }
  std::vector<Expr> symbolic_backward(Graph&, std::span<const Expr> x, const Expr&, const Expr& dy,
                                      std::span<const bool>) const override {
    const Shape& shape = x[0].shape();
    return {broadcast_to_shape(dy * (1.0 / double(shape[2] * shape[3])), shape)};
  }
  static std::vector<OpExample> examples(Rng& rng) {
    std::vector<OpExample> cases;
    for (Shape x : {Shape{1, 1, 1, 1}, Shape{1, 1, 3, 3}, Shape{2, 3, 4, 5}, Shape{3, 2, 1, 6}}) cases.push_back({{random_normal(x, rng)}, {}, {}});
    return cases;
  }
};
}  // namespace

namespace dagrad {
Expr global_avg_pool(Expr x, std::string name) {
  return x.graph().add_op(std::make_unique<GlobalAvgPool>(), {x}, std::move(name));
}
}  // namespace dagrad

DAGRAD_REGISTER_OP(global_avg_pool, GlobalAvgPool)
