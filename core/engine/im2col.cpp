// im2col and col2im (dagrad/im2col.hpp): one pass over each (channel, tap)
// row, with the padded border handled per output row, not per element.
#include "dagrad/im2col.hpp"

#include <algorithm>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "dagrad/error.hpp"

namespace dagrad {

std::int64_t Window2d::output_size(int axis, std::int64_t in) const {
  const std::int64_t span = dilation[axis] * (kernel[axis] - 1) + 1;
  const std::int64_t room = in + 2 * padding[axis] - span;
  return room < 0 ? 0 : room / stride[axis] + 1;
}

Shape Window2d::output_shape(const Shape& x, std::int64_t channels) const {
  for (int axis = 0; axis < 2; ++axis) {
    if (kernel[axis] < 1 || stride[axis] < 1 || dilation[axis] < 1 || padding[axis] < 0) {
      throw ShapeError(fmt::format("kernel {}, stride {} and dilation {} must be positive and padding {} not negative",
                                   kernel, stride, dilation, padding));
    }
  }
  const std::int64_t height = output_size(0, x[2]), width = output_size(1, x[3]);
  if (height < 1 || width < 1) {
    throw ShapeError(fmt::format("x {} padded by {} is smaller than the {} kernel (dilation {})", x, padding,
                                 fmt::join(kernel, "x"), dilation));
  }
  return Shape{x[0], channels, height, width};
}

Window2d Window2d::with_kernel(std::int64_t height, std::int64_t width) const {
  Window2d window = *this;
  window.kernel = {height, width};
  return window;
}

std::string Window2d::summary() const {
  std::string text;
  if (stride != std::array<std::int64_t, 2>{1, 1}) text += fmt::format(" stride {}x{}", stride[0], stride[1]);
  if (padding != std::array<std::int64_t, 2>{0, 0}) text += fmt::format(" pad {}x{}", padding[0], padding[1]);
  if (dilation != std::array<std::int64_t, 2>{1, 1}) text += fmt::format(" dilation {}x{}", dilation[0], dilation[1]);
  return text;
}

namespace {

std::array<std::int64_t, 2> pair_attr(std::string_view op, const Attrs& attrs, const std::string& key,
                                      std::array<std::int64_t, 2> fallback) {
  if (!attrs.has(key)) return fallback;
  const std::vector<std::int64_t> values = attrs.get_ints(op, key);
  if (values.size() != 2) {
    throw Error(fmt::format("{}: attribute \"{}\" must hold two values (height, width), got [{}]", op, key,
                            fmt::join(values, ", ")));
  }
  return {values[0], values[1]};
}

std::vector<std::int64_t> list(std::array<std::int64_t, 2> pair) { return {pair[0], pair[1]}; }

}  // namespace

Window2d window_from_attrs(std::string_view op, const Attrs& attrs, WindowKind kind,
                           std::initializer_list<std::string_view> extra) {
  std::vector<std::string_view> known(extra);
  known.insert(known.end(), {"stride", "padding"});
  known.push_back(kind == WindowKind::convolution ? "dilation" : "kernel");
  for (const auto& [key, value] : attrs.values()) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      throw Error(fmt::format("{}: unknown attribute \"{}\" (known: {})", op, key, fmt::join(known, ", ")));
    }
  }
  Window2d window;
  if (kind == WindowKind::pooling) {
    if (!attrs.has("kernel")) throw Error(fmt::format("{}: needs the attribute \"kernel\" ([height, width])", op));
    window.kernel = pair_attr(op, attrs, "kernel", {});
  }
  window.stride = pair_attr(op, attrs, "stride", kind == WindowKind::pooling ? window.kernel : window.stride);
  window.padding = pair_attr(op, attrs, "padding", window.padding);
  window.dilation = pair_attr(op, attrs, "dilation", window.dilation);
  return window;
}

Attrs window_attrs(const Window2d& window, WindowKind kind, Attrs attrs) {
  attrs.set("stride", list(window.stride));
  attrs.set("padding", list(window.padding));
  if (kind == WindowKind::convolution) {
    attrs.set("dilation", list(window.dilation));
  } else {
    attrs.set("kernel", list(window.kernel));
  }
  return attrs;
}

namespace {

// The order for_each_tap_row visits the column matrix's (channel, tap) rows.
enum class TapOrder {
  rows,               // row by row: im2col writes the column matrix front to back
  tap_column_outer,   // every row of tap column kj before any of kj + 1 (col2im, below)
};

// Visits each output row y of every (channel, tap) row of the column matrix:
// `copy(column_offset, input_row_offset, x_offset, x_begin, x_end, out_w)`,
// where input_row_offset is -1 when the row lies in the padding, output
// column x reads input column x * stride + x_offset, and only columns in
// [x_begin, x_end) land inside the image.
//
// col2im adds the rows of taps kj and kj + 1 into the same image row,
// shifted by one element. Visited one after the other, each load overlapped
// the store just before it and waited for it to reach the cache (a failed
// store-to-load forward: 44% of col2im's time in lenet_step), so col2im
// visits tap column by tap column, with a whole pass between the two.
template <TapOrder order, class Copy>
void for_each_tap_row(std::int64_t channels, std::int64_t height, std::int64_t width, const Window2d& w,
                      std::int64_t row_stride, Copy copy) {
  const std::int64_t out_h = w.output_size(0, height), out_w = w.output_size(1, width);
  if (row_stride == 0) row_stride = out_h * out_w;
  auto visit = [&](std::int64_t c, std::int64_t ki, std::int64_t kj) {
    const std::int64_t row = (c * w.kernel[0] + ki) * w.kernel[1] + kj;
    const std::int64_t x_offset = kj * w.dilation[1] - w.padding[1];
    // Output columns whose tap lands inside the image: [x_begin, x_end).
    std::int64_t x_begin = 0;
    while (x_begin < out_w && x_begin * w.stride[1] + x_offset < 0) ++x_begin;
    std::int64_t x_end = out_w;
    while (x_end > x_begin && (x_end - 1) * w.stride[1] + x_offset >= width) --x_end;
    for (std::int64_t y = 0; y < out_h; ++y) {
      const std::int64_t iy = y * w.stride[0] + ki * w.dilation[0] - w.padding[0];
      const std::int64_t input_row = (iy >= 0 && iy < height) ? (c * height + iy) * width : -1;
      copy(row * row_stride + y * out_w, input_row, x_offset, x_begin, x_end, out_w);
    }
  };
  if constexpr (order == TapOrder::rows) {
    for (std::int64_t c = 0; c < channels; ++c)
      for (std::int64_t ki = 0; ki < w.kernel[0]; ++ki)
        for (std::int64_t kj = 0; kj < w.kernel[1]; ++kj) visit(c, ki, kj);
  } else {
    for (std::int64_t kj = 0; kj < w.kernel[1]; ++kj)
      for (std::int64_t c = 0; c < channels; ++c)
        for (std::int64_t ki = 0; ki < w.kernel[0]; ++ki) visit(c, ki, kj);
  }
}

}  // namespace

template <class T>
void im2col(const T* image, std::int64_t channels, std::int64_t height, std::int64_t width, const Window2d& window,
            T* columns, std::int64_t row_stride) {
  const std::int64_t stride = window.stride[1];
  for_each_tap_row<TapOrder::rows>(channels, height, width, window, row_stride,
                      [&](std::int64_t out, std::int64_t in, std::int64_t x_offset, std::int64_t x_begin,
                          std::int64_t x_end, std::int64_t out_w) {
                        T* destination = columns + out;
                        if (in < 0) {
                          std::fill(destination, destination + out_w, T(0));
                          return;
                        }
                        std::fill(destination, destination + x_begin, T(0));
                        const T* source = image + in + x_offset;
                        if (stride == 1) {
                          std::copy(source + x_begin, source + x_end, destination + x_begin);
                        } else {
                          for (std::int64_t x = x_begin; x < x_end; ++x) destination[x] = source[x * stride];
                        }
                        std::fill(destination + x_end, destination + out_w, T(0));
                      });
}

template <class T>
void col2im(const T* columns, std::int64_t channels, std::int64_t height, std::int64_t width,
            const Window2d& window, T* image, std::int64_t row_stride) {
  const std::int64_t stride = window.stride[1];
  for_each_tap_row<TapOrder::tap_column_outer>(channels, height, width, window, row_stride,
                      [&](std::int64_t out, std::int64_t in, std::int64_t x_offset, std::int64_t x_begin,
                          std::int64_t x_end, std::int64_t) {
                        if (in < 0) return;
                        const T* source = columns + out;
                        T* destination = image + in + x_offset;
                        if (stride == 1) {
                          for (std::int64_t x = x_begin; x < x_end; ++x) destination[x] += source[x];
                        } else {
                          for (std::int64_t x = x_begin; x < x_end; ++x) destination[x * stride] += source[x];
                        }
                      });
}

template void im2col<float>(const float*, std::int64_t, std::int64_t, std::int64_t, const Window2d&, float*,
                            std::int64_t);
template void im2col<double>(const double*, std::int64_t, std::int64_t, std::int64_t, const Window2d&, double*,
                             std::int64_t);
template void col2im<float>(const float*, std::int64_t, std::int64_t, std::int64_t, const Window2d&, float*,
                            std::int64_t);
template void col2im<double>(const double*, std::int64_t, std::int64_t, std::int64_t, const Window2d&, double*,
                             std::int64_t);

}  // namespace dagrad
