// y[n,c,i,j] = max of x[n,c] over window (i, j); dx = dy sent to the window's first maximum (row-major order)
//
// PyTorch's F.max_pool2d(x, kernel, stride, padding) with ceil_mode off and no dilation: attributes "kernel",
// "stride" (the kernel by default) and "padding" ([h, w]); the padding is -inf, so it is never the maximum, and at
// most half the kernel (as PyTorch requires). Ties: the first maximum scanned wins, and a NaN wins (as PyTorch).
// Forward keeps each output's argmax (a flat index into x) for backward.
#include <cmath>

#include <fmt/ranges.h>

#include "parallel_product.hpp"  // and dagrad/eigen.hpp
#include "scatter_gradient.hpp"
#include "unfolded.hpp"

namespace {
using namespace dagrad;

class MaxPool2d final : public TypedOp<MaxPool2d> {
 public:
  explicit MaxPool2d(const Attrs& attrs) : window_(window_from_attrs("max_pool2d", attrs, WindowKind::pooling)) {}
  std::string_view name() const override { return "max_pool2d"; }
  Attrs attrs() const override { return window_attrs(window_, WindowKind::pooling); }
  std::string label() const override { return fmt::format("max_pool2d {}x{}{}", window_.kernel[0], window_.kernel[1], window_.summary()); }
  int arity() const override { return 1; }
  Shape infer_shape(std::span<const Shape> in) const override { return pool_output_shape(window_, in[0]); }
  template <class T> void forward_as(std::span<const TensorView> in, TensorView y) {
    const T* x = in[0].data<T>();
    T* best = y.data<T>();
    argmax_.resize(std::size_t(y.size()));
    const std::int64_t out_w = y.shape()[3], stride_w = window_.stride[1], pad_w = window_.padding[1];
    auto start_row = [&](std::int64_t first, std::int64_t top) {  // -inf, at the window's first input
      for (std::int64_t j = first; j < first + out_w; ++j) best[j] = -std::numeric_limits<T>::infinity(), argmax_[j] = top + std::max<std::int64_t>((j - first) * stride_w - pad_w, 0);
    };
    // Captures by value: the stores through best and argmax could otherwise alias the captured references.
    auto tap = [x, best, argmax = argmax_.data(), stride_w](std::int64_t first, std::int64_t j0, std::int64_t j1, std::int64_t start) {
      for (std::int64_t j = j0; j < j1; ++j) {
        const T v = x[start + j * stride_w];
        const bool take = (v > best[first + j]) | (v != v);  // the first maximum wins; a NaN wins (PyTorch)
        best[first + j] = take ? v : best[first + j], argmax[first + j] = take ? start + j * stride_w : argmax[first + j];
      }
    };
    const std::int64_t planes = y.shape()[0] * y.shape()[1];  // (image, channel) planes: disjoint outputs
    // Work: per output and tap a load, a comparison and two selects.
    parallel_kernels::for_each_block(std::size_t(planes), 4.0 * double(y.size()) * double(window_.kernel[0] * window_.kernel[1]), [&](std::size_t begin, std::size_t end) {
      for_each_tap_by_rows(window_, in[0].shape(), start_row, tap, std::int64_t(begin), std::int64_t(end));
    });
  }
  template <class T> void backward_as(std::span<const TensorView>, const TensorView&, const TensorView& dy, std::span<GradientSlot> grads) {
    T* dx = scatter_target<T>(grads[0]);
    const std::int64_t planes = dy.shape()[0] * dy.shape()[1], per_plane = planes == 0 ? 0 : dy.size() / planes;
    parallel_kernels::for_each_block(std::size_t(planes), double(dy.size()), [&](std::size_t begin, std::size_t end) {
      for (std::size_t i = begin * per_plane; i < end * per_plane; ++i) dx[argmax_[i]] += dy.data<T>()[i];  // within plane i / per_plane
    });
  }
  // The gradient jumps where x[e] crosses the largest other value of a window holding it: the offset is
  // x[e] minus that value, for the window where it is smallest in magnitude.
  bool has_kinks() const override { return true; }
  double kink_offset(std::span<const TensorView> in, std::int64_t element) const override {
    double nearest = std::numeric_limits<double>::infinity();
    for_each_window(window_, in[0].shape(), [&](std::int64_t, std::int64_t, auto&& taps) {
      double others = -std::numeric_limits<double>::infinity();
      bool holds = false;
      taps([&](std::int64_t index) { index == element ? void(holds = true) : void(others = std::max(others, in[0].get(index))); });
      const double offset = in[0].get(element) - others;
      if (holds && std::abs(offset) < std::abs(nearest)) nearest = offset;
    }, element / (in[0].shape()[2] * in[0].shape()[3]));
    return nearest;
  }
  std::vector<Expr> symbolic_backward(Graph&, std::span<const Expr> x, const Expr&, const Expr& dy, std::span<const bool>) const override {
    return {unfolded::max_pool2d_backward(x[0], dy, window_)};
  }
  static std::vector<OpExample> examples(Rng& rng) { return pool_examples(rng); }
 private:
  Window2d window_;
  std::vector<std::int64_t> argmax_;  // per output, the flat index of its maximum in x; sized once
  std::int64_t scratch_bytes() const override { return scratch_bytes_of(argmax_); }
};
}  // namespace

namespace dagrad {
Expr max_pool2d(Expr x, std::array<std::int64_t, 2> kernel, std::array<std::int64_t, 2> stride,
                std::array<std::int64_t, 2> padding, std::string name) {
  const Window2d window{.kernel = kernel, .stride = stride == std::array<std::int64_t, 2>{0, 0} ? kernel : stride, .padding = padding};
  return x.graph().add_op(std::make_unique<MaxPool2d>(window_attrs(window, WindowKind::pooling)), {x}, std::move(name));
}
}  // namespace dagrad

DAGRAD_REGISTER_OP(max_pool2d, MaxPool2d)
