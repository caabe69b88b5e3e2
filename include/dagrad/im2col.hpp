// Sliding windows over images, for convolution and pooling ops: the window
// geometry (kernel, stride, zero padding, dilation over height and width),
// its attribute form, and im2col / col2im, which turn a convolution into one
// matrix product (Chellapilla et al. 2006; Caffe's and PyTorch's CPU path).
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <initializer_list>

#include <fmt/ranges.h>

#include "dagrad/error.hpp"
#include "dagrad/op.hpp"

namespace dagrad {

struct Window2d {
  std::array<std::int64_t, 2> kernel{1, 1};    // (height, width)
  std::array<std::int64_t, 2> stride{1, 1};
  std::array<std::int64_t, 2> padding{0, 0};   // zeros on both sides of each axis
  std::array<std::int64_t, 2> dilation{1, 1};  // spacing of the kernel's taps

  // floor((in + 2 pad - dilation (kernel - 1) - 1) / stride) + 1 along axis
  // 0 (height) or 1 (width), as PyTorch's Conv2d and pools (ceil_mode off);
  // 0 or less when the padded input is smaller than the dilated kernel.
  std::int64_t output_size(int axis, std::int64_t in) const;
  // (N, channels, out_h, out_w) for an input x (N, C, H, W). Throws
  // ShapeError unless kernel, stride and dilation are positive, padding is
  // not negative, and the padded input holds at least one window.
  Shape output_shape(const Shape& x, std::int64_t channels) const;
  Window2d with_kernel(std::int64_t height, std::int64_t width) const;
  // " stride 2x2 pad 1x1 dilation 2x1", naming only what differs from the
  // defaults (stride 1, padding 0, dilation 1): for diagram labels.
  std::string summary() const;
};

// The attributes of a window, as pairs [height, width]: a convolution's
// "stride", "padding" and "dilation" (its kernel is the weight's shape); a
// pool's "kernel", "stride" (the kernel by default, as PyTorch) and "padding".
enum class WindowKind { convolution, pooling };
// Reads them (Error naming the op unless each has two values), allowing
// `extra` attribute names besides.
Window2d window_from_attrs(std::string_view op, const Attrs& attrs, WindowKind kind,
                           std::initializer_list<std::string_view> extra = {});
// The attributes of `window`, added to `extra`.
Attrs window_attrs(const Window2d& window, WindowKind kind, Attrs extra = {});

// The im2col and col2im ops (ops/im2col.cpp, ops/col2im.cpp: PyTorch's
// F.unfold and F.fold, whose gradients are each other) take a window as
// "kernel", "stride" and "padding" (as a pool's) plus "dilation"; col2im
// also takes the image "size" [height, width]. Symbolic backwards of the
// convolution and pooling ops build them with these attributes.
inline Attrs unfold_attrs(const Window2d& window) {
  return window_attrs(window, WindowKind::pooling, {{"dilation", std::vector<std::int64_t>{window.dilation[0], window.dilation[1]}}});
}
inline Attrs fold_attrs(const Window2d& window, std::int64_t height, std::int64_t width) {
  Attrs attrs = unfold_attrs(window);
  attrs.set("size", std::vector<std::int64_t>{height, width});
  return attrs;
}

// The pools' shape rule: x (N, C, H, W), padding at most half the kernel
// (as PyTorch requires), output (N, C, out_h, out_w).
inline Shape pool_output_shape(const Window2d& window, const Shape& x) {
  if (x.rank() != 4) throw ShapeError(fmt::format("needs x (N, C, H, W), got shape {}", x));
  if (2 * window.padding[0] > window.kernel[0] || 2 * window.padding[1] > window.kernel[1]) {
    throw ShapeError(fmt::format("padding {} is more than half the kernel {}", window.padding, window.kernel));
  }
  return window.output_shape(x, x[1]);
}
// The pools' gradient-check cases: square and oblong kernels, strides,
// padding, overlapping windows.
inline std::vector<OpExample> pool_examples(Rng& rng) {
  auto pool = [&](Shape x, std::vector<std::int64_t> kernel, Attrs attrs) {
    attrs.set("kernel", kernel);
    return OpExample{{random_normal(x, rng)}, std::move(attrs), {}};
  };
  using Pair = std::vector<std::int64_t>;
  return {pool({1, 1, 4, 4}, {2, 2}, {}), pool({2, 3, 5, 6}, {3, 3}, {{"stride", Pair{2, 2}}, {"padding", Pair{1, 1}}}),
          pool({1, 2, 5, 5}, {2, 3}, {{"stride", Pair{1, 2}}}),
          pool({2, 1, 3, 3}, {3, 3}, {{"stride", Pair{1, 1}}, {"padding", Pair{1, 1}}})};
}

// Copies the windows of one image of `channels` planes (height, width) into
// a (channels * kh * kw, out_h * out_w) block of a row-major matrix whose
// rows are `row_stride` long (0: out_h * out_w, a matrix of its own; a
// batch's images can sit side by side in one wider matrix). Row (c, i, j)
// holds tap (i, j) of channel c at every output position, 0 where the tap
// falls in the padding. T is float or double.
template <class T>
void im2col(const T* image, std::int64_t channels, std::int64_t height, std::int64_t width, const Window2d& window,
            T* columns, std::int64_t row_stride = 0);

// The adjoint of im2col: adds every column entry back onto the image pixel
// it was copied from (padding taps are dropped). The image is not cleared.
template <class T>
void col2im(const T* columns, std::int64_t channels, std::int64_t height, std::int64_t width,
            const Window2d& window, T* image, std::int64_t row_stride = 0);

// For pooling: calls visit(output, first, taps) for every output element
// of a window over x (N, C, H, W), in order; `first` is the flat index in x
// of the window's first tap inside x, and taps(f) calls f(flat index in x)
// for each tap inside x (padding skipped), in row-major order. No dilation.
// `only_plane` >= 0 visits the windows of that (n, c) plane only.
template <class Visit>
void for_each_window(const Window2d& window, const Shape& x, Visit visit, std::int64_t only_plane = -1) {
  const Shape y = window.output_shape(x, x[1]);
  // Locals, not reads through the shapes, so the loops do not reload them after every store of the caller's.
  const std::int64_t height = x[2], width = x[3], out_h = y[2], out_w = y[3];
  const std::int64_t kernel_h = window.kernel[0], kernel_w = window.kernel[1];
  const std::int64_t stride_h = window.stride[0], stride_w = window.stride[1];
  const std::int64_t pad_h = window.padding[0], pad_w = window.padding[1];
  const std::int64_t first_plane = only_plane < 0 ? 0 : only_plane;
  const std::int64_t end_plane = only_plane < 0 ? x[0] * x[1] : only_plane + 1;
  std::int64_t output = first_plane * out_h * out_w;
  for (std::int64_t plane = first_plane; plane < end_plane; ++plane) {
    const std::int64_t base = plane * height * width;
    for (std::int64_t i = 0; i < out_h; ++i) {
      const std::int64_t top = std::max<std::int64_t>(i * stride_h - pad_h, 0);
      const std::int64_t bottom = std::min(i * stride_h - pad_h + kernel_h, height);
      for (std::int64_t j = 0; j < out_w; ++j, ++output) {
        const std::int64_t left = std::max<std::int64_t>(j * stride_w - pad_w, 0);
        const std::int64_t right = std::min(j * stride_w - pad_w + kernel_w, width);
        visit(output, base + top * width + left, [=](auto&& tap) {
          for (std::int64_t r = top; r < bottom; ++r) {
            for (std::int64_t c = left; c < right; ++c) tap(base + r * width + c);
          }
        });
      }
    }
  }
}

// Pooling output row by output row, tap by tap (a loop over a row's outputs per tap vectorizes; a loop over
// each window's taps is a chain of unpredictable comparisons). For each plane and output row: start_row(first,
// top) with the row's first flat output index and the flat index in x of the row's top in-bounds input row;
// then, for each tap (r, c) of the kernel in row-major order, tap(first, j0, j1, start): outputs first + j for
// j0 <= j < j1 read x[start + j stride_w] (the others' tap falls in the padding). Dilation 1. Planes (image,
// channel) [plane_begin, plane_end) only, when given: they touch disjoint outputs, so threads can share a pass.
template <class StartRow, class Tap>
void for_each_tap_by_rows(const Window2d& window, const Shape& x, StartRow start_row, Tap tap,
                          std::int64_t plane_begin = 0, std::int64_t plane_end = -1) {
  const Shape y = window.output_shape(x, x[1]);
  const std::int64_t height = x[2], width = x[3], out_h = y[2], out_w = y[3];
  // Not structured bindings: clang 14 cannot capture those in the lambda below.
  const std::int64_t stride_h = window.stride[0], stride_w = window.stride[1];
  const std::int64_t pad_h = window.padding[0], pad_w = window.padding[1];
  if (plane_end < 0) plane_end = x[0] * x[1];
  // Outputs [j0, j1) of a row whose tap in kernel column c is inside x (column j stride_w - pad_w + c); two
  // divisions per tap and output row cost more than a short row's comparisons, so up to 16 columns are cached.
  auto columns = [&](std::int64_t c) {
    return std::array<std::int64_t, 2>{std::max<std::int64_t>(pad_w - c + stride_w - 1, 0) / stride_w,
                                       std::min(out_w, (width - 1 + pad_w - c) / stride_w + 1)};
  };
  std::array<std::array<std::int64_t, 2>, 16> cached{};
  for (std::int64_t c = 0; c < std::min<std::int64_t>(window.kernel[1], 16); ++c) cached[std::size_t(c)] = columns(c);
  for (std::int64_t plane = plane_begin, first = plane_begin * out_h * out_w; plane < plane_end; ++plane) {
    for (std::int64_t i = 0; i < out_h; ++i, first += out_w) {
      const std::int64_t top = i * stride_h - pad_h;
      start_row(first, plane * height * width + std::max<std::int64_t>(top, 0) * width);
      for (std::int64_t r = std::max<std::int64_t>(-top, 0); r < window.kernel[0] && top + r < height; ++r) {
        for (std::int64_t c = 0; c < window.kernel[1]; ++c) {
          const auto [j0, j1] = c < 16 ? cached[std::size_t(c)] : columns(c);
          tap(first, j0, j1, plane * height * width + (top + r) * width + c - pad_w);
        }
      }
    }
  }
}

}  // namespace dagrad
