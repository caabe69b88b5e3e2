// y = zeros (N, C, H, W) with each column entry added onto the pixel im2col copies it from; dcols = im2col(dy)
//
// PyTorch's F.fold, the adjoint of im2col (ops/im2col.cpp): cols (N, C kh kw, out_h out_w) back onto images of
// the attribute "size" [H, W]; taps in the padding are dropped, and overlapping windows add up. Attributes
// "kernel", "stride" (the kernel by default), "padding", "dilation" and "size". Built by the symbolic
// backwards of im2col, conv2d and the pools.
#include "dagrad/eigen.hpp"
#include "dagrad/im2col.hpp"
#include "dagrad/ops.hpp"
#include "scatter_gradient.hpp"

namespace {
using namespace dagrad;

class Col2im final : public TypedOp<Col2im> {
 public:
  explicit Col2im(const Attrs& attrs) : window_(window_from_attrs("col2im", attrs, WindowKind::pooling, {"dilation", "size"})) {
    const std::vector<std::int64_t> size = attrs.get_ints("col2im", "size");
    if (size.size() != 2 || size[0] < 0 || size[1] < 0) throw Error(fmt::format("col2im: \"size\" must be [height, width], got [{}]", fmt::join(size, ", ")));
    height_ = size[0], width_ = size[1];
  }
  std::string_view name() const override { return "col2im"; }
  Attrs attrs() const override { return fold_attrs(window_, height_, width_); }
  std::string label() const override { return fmt::format("col2im {}x{}{} to {}x{}", window_.kernel[0], window_.kernel[1], window_.summary(), height_, width_); }
  int arity() const override { return 1; }
  Shape infer_shape(std::span<const Shape> in) const override {
    const Shape& cols = in[0];
    const std::int64_t taps = window_.kernel[0] * window_.kernel[1];
    if (cols.rank() != 3 || taps < 1 || cols[1] % taps != 0) {
      throw ShapeError(fmt::format("needs columns (N, C {}, out_h out_w), got shape {}", taps, cols));
    }
    const Shape image{cols[0], cols[1] / taps, height_, width_};
    const Shape windows = window_.output_shape(image, image[1]);
    if (cols[2] != windows[2] * windows[3]) {
      throw ShapeError(fmt::format("columns {} do not fit images of size {}x{}: they have {}x{} windows", cols, height_, width_, windows[2], windows[3]));
    }
    return image;
  }
  template <class T> void forward_as(std::span<const TensorView> in, TensorView y) {
    const Shape& x = y.shape();
    const std::int64_t image = x[1] * x[2] * x[3], columns = in[0].shape()[1] * in[0].shape()[2];
    flat<T>(y).setZero();
    for (std::int64_t n = 0; n < x[0]; ++n) col2im(in[0].data<T>() + n * columns, x[1], x[2], x[3], window_, y.data<T>() + n * image);
  }
  // im2col assigns: an accumulating slot gets the columns through scratch, sized once.
  template <class T> void backward_as(std::span<const TensorView> in, const TensorView&, const TensorView& dy, std::span<GradientSlot> grads) {
    const Shape& x = dy.shape();
    const std::int64_t image = x[1] * x[2] * x[3], columns = in[0].shape()[1] * in[0].shape()[2];
    write_gradient_through<T>(grads[0], scratch_, [&](T* dx) {
      for (std::int64_t n = 0; n < x[0]; ++n) im2col(dy.data<T>() + n * image, x[1], x[2], x[3], window_, dx + n * columns);
    });
  }
  std::vector<Expr> symbolic_backward(Graph& graph, std::span<const Expr>, const Expr&, const Expr& dy, std::span<const bool>) const override {
    return {graph.apply("im2col", {dy}, unfold_attrs(window_))};
  }
  // im2col's cases folded back: overlapping, strided, padded and dilated windows.
  static std::vector<OpExample> examples(Rng& rng) {
    auto fold = [&](Shape cols, Window2d window, std::int64_t h, std::int64_t w) { return OpExample{{random_normal(cols, rng)}, fold_attrs(window, h, w), {}}; };
    return {fold({1, 4, 4}, {.kernel = {2, 2}}, 3, 3), fold({2, 12, 15}, {.kernel = {2, 3}, .stride = {2, 1}, .padding = {1, 1}}, 4, 5),
            fold({1, 12, 9}, {.kernel = {2, 2}, .stride = {1, 2}, .padding = {0, 1}, .dilation = {2, 1}}, 5, 5)};
  }
 private:
  Window2d window_;
  std::int64_t height_ = 0, width_ = 0;
  Tensor scratch_;
  std::int64_t scratch_bytes() const override { return scratch_bytes_of(scratch_); }
};
}  // namespace

DAGRAD_REGISTER_OP(col2im, Col2im)
