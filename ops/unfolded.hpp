// Convolution and pooling written with im2col (ops/im2col.cpp) and other ops
// that have symbolic backwards: the symbolic backwards of conv2d, avg_pool2d
// and max_pool2d (by decomposition, dagrad/autodiff.hpp, for the first two),
// so their gradients differentiate again. The fused kernels stay the path
// for training; these nodes run only when a gradient graph is evaluated.
#pragma once

#include <cmath>
#include <cstdint>
#include <span>

#include "dagrad/autodiff.hpp"
#include "dagrad/im2col.hpp"
#include "dagrad/ops.hpp"

namespace dagrad::unfolded {

// conv2d(x, w[, b]) = per image n and group g, W_g (O/groups, C/groups kh kw)
// times the group's rows of im2col(x)[n]; the images stacked, plus the bias.
inline Expr conv2d(std::span<const Expr> v, Window2d window, std::int64_t groups) {
  const Shape &x = v[0].shape(), &w = v[1].shape();
  window = window.with_kernel(w[2], w[3]);
  const Shape y = window.output_shape(x, w[0]);
  const std::int64_t taps = w[1] * w[2] * w[3], out = w[0] / groups, pixels = y[2] * y[3];
  const Expr columns = v[0].graph().apply("im2col", {v[0]}, unfold_attrs(window));  // (N, C kh kw, pixels)
  const Expr weights = reshape(v[1], {w[0], taps});
  std::vector<Expr> images;
  for (std::int64_t n = 0; n < x[0]; ++n) {
    const Expr image = reshape(slice(columns, {n}, {n + 1}), {groups * taps, pixels});
    if (groups == 1) {
      images.push_back(matmul(weights, image));
      continue;
    }
    std::vector<Expr> parts;
    for (std::int64_t g = 0; g < groups; ++g) {
      parts.push_back(matmul(slice(weights, {g * out}, {(g + 1) * out}), slice(image, {g * taps}, {(g + 1) * taps})));
    }
    images.push_back(concat(parts, 0));
  }
  const Expr result = reshape(stack(images, 0), {y[0], y[1], y[2], y[3]});
  return v.size() == 3 ? result + reshape(v[2], {1, w[0], 1, 1}) : result;
}

// avg_pool2d(x) = the mean of each window's taps, the zero padding counted
// (count_include_pad, as the kernel).
inline Expr avg_pool2d(const Expr& x, const Window2d& window) {
  const Shape& s = x.shape();
  const Shape y = window.output_shape(s, s[1]);
  const Expr columns = x.graph().apply("im2col", {x}, unfold_attrs(window));
  const Expr taps = reshape(columns, {s[0], s[1], window.kernel[0] * window.kernel[1], y[2] * y[3]});
  return reshape(mean(taps, 2, false), {y[0], y[1], y[2], y[3]});
}

// max_pool2d's dx: dy sent to each window's first maximum, as the kernel
// (argmax's tie rule is PyTorch's): the windows of x padded with -inf, the
// one-hot of their argmax times dy, folded back (col2im), the padding sliced
// off. Linear in dy; the one-hot passes no gradient to x, which is right
// away from ties (the second derivative of a max is 0 there).
inline Expr max_pool2d_backward(const Expr& x, const Expr& dy, Window2d window) {
  Graph& graph = x.graph();
  const Shape& s = x.shape();
  const auto [pad_h, pad_w] = window.padding;
  window.padding = {0, 0};
  const bool padded = pad_h != 0 || pad_w != 0;
  const Expr source = padded ? pad(x, {0, 0, 0, 0, pad_h, pad_h, pad_w, pad_w}, -INFINITY) : x;
  const std::int64_t taps = window.kernel[0] * window.kernel[1], pixels = dy.shape()[2] * dy.shape()[3];
  const Expr windows = reshape(graph.apply("im2col", {source}, unfold_attrs(window)), {s[0], s[1], taps, pixels});
  Tensor tap_numbers(Shape{1, 1, taps, 1}, x.dtype());
  for (std::int64_t t = 0; t < taps; ++t) tap_numbers.set(t, double(t));
  const Expr first_maximum = equal(argmax(windows, 2, true), graph.constant(tap_numbers));
  const Expr spread = reshape(first_maximum * reshape(dy, {s[0], s[1], 1, pixels}), {s[0], s[1] * taps, pixels});
  const Shape& p = source.shape();
  const Expr folded = graph.apply("col2im", {spread}, fold_attrs(window, p[2], p[3]));
  return padded ? slice(folded, {0, 0, pad_h, pad_w}, {s[0], s[1], pad_h + s[2], pad_w + s[3]}) : folded;
}

}  // namespace dagrad::unfolded
