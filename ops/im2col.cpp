// y[n, (c, i, j), (p, q)] = x[n, c, p s_h + i d_h - pad_h, q s_w + j d_w - pad_w] (0 in the padding); dx = col2im(dy)
//
// PyTorch's F.unfold: x (N, C, H, W) to the columns (N, C kh kw, out_h out_w) of every window, row (c, i, j)
// holding tap (i, j) of channel c (dagrad/im2col.hpp's kernels, one image at a time). Attributes "kernel",
// "stride" (the kernel by default), "padding", "dilation". It exists for higher-order gradients: conv2d and
// the pools differentiate their forward written with it, and it and col2im are each other's adjoints, so a
// gradient through them differentiates again.
#include "dagrad/eigen.hpp"
#include "dagrad/im2col.hpp"
#include "dagrad/ops.hpp"
#include "scatter_gradient.hpp"

namespace {
using namespace dagrad;

class Im2col final : public TypedOp<Im2col> {
 public:
  explicit Im2col(const Attrs& attrs) : window_(window_from_attrs("im2col", attrs, WindowKind::pooling, {"dilation"})) {}
  std::string_view name() const override { return "im2col"; }
  Attrs attrs() const override { return unfold_attrs(window_); }
  std::string label() const override { return fmt::format("im2col {}x{}{}", window_.kernel[0], window_.kernel[1], window_.summary()); }
  int arity() const override { return 1; }
  Shape infer_shape(std::span<const Shape> in) const override {
    if (in[0].rank() != 4) throw ShapeError(fmt::format("needs x (N, C, H, W), got shape {}", in[0]));
    const Shape y = window_.output_shape(in[0], in[0][1]);
    return Shape{y[0], y[1] * window_.kernel[0] * window_.kernel[1], y[2] * y[3]};
  }
  template <class T> void forward_as(std::span<const TensorView> in, TensorView y) {
    const Shape& x = in[0].shape();
    const std::int64_t image = x[1] * x[2] * x[3], columns = y.shape()[1] * y.shape()[2];
    for (std::int64_t n = 0; n < x[0]; ++n) im2col(in[0].data<T>() + n * image, x[1], x[2], x[3], window_, y.data<T>() + n * columns);
  }
  // col2im adds onto the gradient (a scatter-add).
  template <class T> void backward_as(std::span<const TensorView> in, const TensorView&, const TensorView& dy, std::span<GradientSlot> grads) {
    const Shape& x = in[0].shape();
    const std::int64_t image = x[1] * x[2] * x[3], columns = dy.shape()[1] * dy.shape()[2];
    T* dx = scatter_target<T>(grads[0]);
    for (std::int64_t n = 0; n < x[0]; ++n) col2im(dy.data<T>() + n * columns, x[1], x[2], x[3], window_, dx + n * image);
  }
  std::vector<Expr> symbolic_backward(Graph& graph, std::span<const Expr> x, const Expr&, const Expr& dy, std::span<const bool>) const override {
    return {graph.apply("col2im", {dy}, fold_attrs(window_, x[0].shape()[2], x[0].shape()[3]))};
  }
  // Windows that overlap, skip pixels, reach into the padding and are dilated.
  static std::vector<OpExample> examples(Rng& rng) {
    auto unfold = [&](Shape x, Window2d window) { return OpExample{{random_normal(x, rng)}, unfold_attrs(window), {}}; };
    return {unfold({1, 1, 3, 3}, {.kernel = {2, 2}}), unfold({2, 2, 4, 5}, {.kernel = {2, 3}, .stride = {2, 1}, .padding = {1, 1}}),
            unfold({1, 3, 5, 5}, {.kernel = {2, 2}, .stride = {1, 2}, .padding = {0, 1}, .dilation = {2, 1}})};
  }
 private:
  Window2d window_;
};
}  // namespace

DAGRAD_REGISTER_OP(im2col, Im2col)
