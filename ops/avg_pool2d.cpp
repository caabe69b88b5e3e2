// y[n,c,i,j] = sum of x[n,c] over window (i, j) / (kh kw); dx = dy / (kh kw) spread over each window's taps
//
// PyTorch's F.avg_pool2d(x, kernel, stride, padding) with its defaults count_include_pad = true (the zero padding
// counts in every mean, so the divisor is always kh kw) and ceil_mode off: attributes "kernel", "stride" (the kernel
// by default) and "padding" ([h, w], at most half the kernel, as PyTorch requires). ONNX AveragePool with
// count_include_pad = 1.
#include <fmt/ranges.h>

#include "dagrad/eigen.hpp"
#include "scatter_gradient.hpp"
#include "unfolded.hpp"

namespace {
using namespace dagrad;

class AvgPool2d final : public TypedOp<AvgPool2d> {
 public:
  explicit AvgPool2d(const Attrs& attrs) : window_(window_from_attrs("avg_pool2d", attrs, WindowKind::pooling)) {}
  std::string_view name() const override { return "avg_pool2d"; }
  Attrs attrs() const override { return window_attrs(window_, WindowKind::pooling); }
  std::string label() const override { return fmt::format("avg_pool2d {}x{}{}", window_.kernel[0], window_.kernel[1], window_.summary()); }
  int arity() const override { return 1; }
  Shape infer_shape(std::span<const Shape> in) const override { return pool_output_shape(window_, in[0]); }
  template <class T> void forward_as(std::span<const TensorView> in, TensorView y) {
    const T* x = in[0].data<T>();
    const T scale = T(1) / T(window_.kernel[0] * window_.kernel[1]);
    for_each_window(window_, in[0].shape(), [&, out = y.data<T>()](std::int64_t output, std::int64_t, auto&& taps) {
      T total = 0;
      taps([&](std::int64_t index) { total += x[index]; });
      out[output] = total * scale;
    });
  }
  template <class T> void backward_as(std::span<const TensorView> in, const TensorView&, const TensorView& dy, std::span<GradientSlot> grads) {
    const T scale = T(1) / T(window_.kernel[0] * window_.kernel[1]);
    for_each_window(window_, in[0].shape(), [&, dx = scatter_target<T>(grads[0])](std::int64_t output, std::int64_t, auto&& taps) {
      const T share = dy.data<T>()[output] * scale;
      taps([&](std::int64_t index) { dx[index] += share; });
    });
  }
  std::vector<Expr> symbolic_backward(Graph&, std::span<const Expr> x, const Expr&, const Expr& dy, std::span<const bool> needed) const override {
    return backward_by_decomposition(x, dy, needed, [&](std::span<const Expr> v) { return unfolded::avg_pool2d(v[0], window_); });
  }
  static std::vector<OpExample> examples(Rng& rng) { return pool_examples(rng); }
 private:
  Window2d window_;
};
}  // namespace

namespace dagrad {
Expr avg_pool2d(Expr x, std::array<std::int64_t, 2> kernel, std::array<std::int64_t, 2> stride,
                std::array<std::int64_t, 2> padding, std::string name) {
  const Window2d window{.kernel = kernel, .stride = stride == std::array<std::int64_t, 2>{0, 0} ? kernel : stride, .padding = padding};
  return x.graph().add_op(std::make_unique<AvgPool2d>(window_attrs(window, WindowKind::pooling)), {x}, std::move(name));
}
}  // namespace dagrad

DAGRAD_REGISTER_OP(avg_pool2d, AvgPool2d)
