// y_g = W_g cols_g + b_g; dcols_g = W_g^T dy_g, dx = col2im(dcols), dW_g = dy_g cols_g^T, db = dy summed over images, pixels
// PyTorch's F.conv2d: x (N, C, H, W), w (O, C/groups, kh, kw), optional bias b (O,) as a third input; attributes "stride",
// "padding", "dilation" ([h, w]), "groups". cols = im2col of every image side by side (C kh kw, N out_h out_w), kept for
// dW, so each group g is one wide Eigen product of W_g (O/groups, C/groups kh kw) and its rows of cols.
#include "parallel_product.hpp"  // and dagrad/eigen.hpp
#include "unfolded.hpp"

namespace {
using namespace dagrad;

template <class T> Eigen::Map<RowMajorMatrix<T>> matrix(T* data, std::int64_t rows, std::int64_t cols) { return {data, rows, cols}; }
class Conv2d final : public TypedOp<Conv2d> {
 public:
  explicit Conv2d(const Attrs& attrs) : window_(window_from_attrs("conv2d", attrs, WindowKind::convolution, {"groups"})),
                                        groups_(attrs.get_int("conv2d", "groups", 1)) {}
  std::string_view name() const override { return "conv2d"; }
  Attrs attrs() const override { return window_attrs(window_, WindowKind::convolution, {{"groups", groups_}}); }
  std::string label() const override { return "conv2d" + window_.summary() + (groups_ == 1 ? "" : fmt::format(" groups {}", groups_)); }
  Shape infer_shape(std::span<const Shape> in) const override {
    if (in.size() != 2 && in.size() != 3) throw ShapeError(fmt::format("takes x, w and an optional bias, got {} inputs", in.size()));
    const Shape &x = in[0], &w = in[1];
    if (x.rank() != 4 || w.rank() != 4) throw ShapeError(fmt::format("needs x (N, C, H, W) and w (O, C/groups, kh, kw), got shapes {} and {}", x, w));
    if (groups_ < 1 || w[0] % groups_ != 0 || w[1] * groups_ != x[1])
      throw ShapeError(fmt::format("x {} and w {} do not fit {} group(s): w needs C/groups input channels and O divisible by groups", x, w, groups_));
    if (in.size() == 3 && in[2] != Shape{w[0]}) throw ShapeError(fmt::format("bias of shape {} does not fit w {}: expected ({},)", in[2], w, w[0]));
    return window_.with_kernel(w[2], w[3]).output_shape(x, w[0]);
  }
  template <class T> void forward_as(std::span<const TensorView> in, TensorView y) {
    const Shape& x = in[0].shape();
    window_ = window_.with_kernel(in[1].shape()[2], in[1].shape()[3]);
    out_ = y.shape()[1] / groups_, taps_ = in[1].size() / y.shape()[1], pixels_ = y.shape()[2] * y.shape()[3];
    const std::int64_t wide = x[0] * pixels_;  // the batch's images side by side: one product per group
    columns_.resize(Shape{groups_ * taps_, wide}, dtype_of<T>), products_.resize(Shape{y.shape()[1], wide}, dtype_of<T>);
    parallel_kernels::for_each_item(x[0], double(columns_.size()), [&](std::int64_t n) { im2col(in[0].data<T>() + n * x[1] * x[2] * x[3], x[1], x[2], x[3], window_, columns_.data<T>() + n * pixels_, wide); });
    for (std::int64_t g = 0; g < groups_; ++g) parallel_kernels::product(group_rows<T>(products_, g, out_), weights<T>(in[1], g), group_rows<T>(columns_, g, taps_));
    for (std::int64_t n = 0; n < x[0]; ++n) {  // image n's block of the products, plus the bias, is y[n]
      auto image = matrix(y.data<T>() + n * y.shape()[1] * pixels_, y.shape()[1], pixels_);
      image = matrix(products_.data<T>(), y.shape()[1], wide).middleCols(n * pixels_, pixels_);
      if (in.size() == 3) image.colwise() += flat<T>(in[2]).matrix();
    }
  }
  // Slots in order (x and w could be one node): dx, then dW, then db.
  template <class T> void backward_as(std::span<const TensorView> in, const TensorView&, const TensorView& dy, std::span<GradientSlot> grads) {
    const Shape& x = in[0].shape();
    const std::int64_t channels = groups_ * out_, wide = x[0] * pixels_;
    auto dy_wide = matrix(products_.data<T>(), channels, wide);  // dy gathered as (O, N pixels)
    for (std::int64_t n = 0; n < x[0]; ++n) dy_wide.middleCols(n * pixels_, pixels_) = matrix(dy.data<T>() + n * channels * pixels_, channels, pixels_);
    if (grads[0].needed) {
      columns_gradient_.resize(columns_.shape(), dtype_of<T>);
      for (std::int64_t g = 0; g < groups_; ++g) parallel_kernels::product(group_rows<T>(columns_gradient_, g, taps_), weights<T>(in[1], g).transpose(), group_rows<T>(products_, g, out_));
      if (!grads[0].accumulate) flat<T>(grads[0].grad).setZero();
      parallel_kernels::for_each_item(x[0], double(columns_.size()), [&](std::int64_t n) { col2im(columns_gradient_.data<T>() + n * pixels_, x[1], x[2], x[3], window_, grads[0].grad.data<T>() + n * x[1] * x[2] * x[3], wide); });
    }
    for (std::int64_t g = 0; grads[1].needed && g < groups_; ++g)
      parallel_kernels::product(weights<T>(grads[1].grad, g), group_rows<T>(products_, g, out_), group_rows<T>(columns_, g, taps_).transpose(), grads[1].accumulate);
    if (grads.size() == 3 && grads[2].needed) write_gradient(grads[2], dy_wide.rowwise().sum().array());
  }
  std::vector<Expr> symbolic_backward(Graph&, std::span<const Expr> in, const Expr&, const Expr& dy, std::span<const bool> needed) const override {
    return backward_by_decomposition(in, dy, needed, [&](std::span<const Expr> v) { return unfolded::conv2d(v, window_, groups_); });
  }
  static std::vector<OpExample> examples(Rng& rng) {
    auto conv = [&](Shape x, Shape w, bool bias, Attrs attrs) {  // random x, w and optionally b
      std::vector<Tensor> in{random_normal(x, rng), random_normal(w, rng)};
      if (bias) in.push_back(random_normal(Shape{w[0]}, rng));
      return OpExample{std::move(in), std::move(attrs), {}};
    };
    using Pair = std::vector<std::int64_t>;
    return {conv({1, 1, 3, 3}, {1, 1, 2, 2}, true, {}), conv({2, 3, 5, 4}, {4, 3, 3, 2}, true, {{"stride", Pair{2, 1}}, {"padding", Pair{1, 0}}}),
            conv({1, 4, 6, 7}, {6, 2, 3, 3}, false, {{"groups", 2}, {"dilation", Pair{2, 1}}, {"padding", Pair{1, 2}}}),
            conv({2, 2, 4, 5}, {2, 1, 2, 2}, true, {{"groups", 2}, {"stride", Pair{2, 3}}, {"padding", Pair{1, 1}}})};
  }
 private:
  template <class T> auto weights(const TensorView& w, std::int64_t g) const { return matrix(w.data<T>() + g * out_ * taps_, out_, taps_); }
  // Rows [g rows, (g + 1) rows) of a (groups rows, N pixels) scratch matrix.
  template <class T> auto group_rows(const Tensor& t, std::int64_t g, std::int64_t rows) const { return matrix(t.data<T>() + g * rows * t.shape()[1], rows, t.shape()[1]); }
  Window2d window_;  // its kernel is w's (kh, kw), set by forward
  std::int64_t groups_ = 1, out_ = 0, taps_ = 0, pixels_ = 0;  // per group: output channels, taps; output pixels
  Tensor columns_, products_, columns_gradient_;  // im2col of the batch (kept for dW); W cols, then dy; dcols
  std::int64_t scratch_bytes() const override { return scratch_bytes_of(columns_, products_, columns_gradient_); }
};
}  // namespace
namespace dagrad {
Expr conv2d(Expr x, Expr w, std::optional<Expr> b, Conv2dOptions options, std::string name) {
  const Window2d window{.stride = options.stride, .padding = options.padding, .dilation = options.dilation};
  std::vector<Expr> inputs = b ? std::vector<Expr>{x, w, *b} : std::vector<Expr>{x, w};
  return x.graph().add_op(std::make_unique<Conv2d>(window_attrs(window, WindowKind::convolution, {{"groups", options.groups}})), inputs, std::move(name));
}
}  // namespace dagrad

DAGRAD_REGISTER_OP(conv2d, Conv2d)
