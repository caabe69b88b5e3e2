// Per-channel statistics for normalization ops (batch_norm and a user's
// own, such as an instance or group norm): the elements of channel c of an
// (N, C, ...) tensor, visited in memory order, and their moments. Header
// only; no allocation. Below, the same statistics written with ops, for
// symbolic backwards by decomposition (dagrad/autodiff.hpp).
#pragma once

#include <cmath>
#include <cstdint>
#include <utility>

#include "dagrad/ops.hpp"
#include "dagrad/tensor.hpp"

namespace dagrad {

class ChannelLayout {
 public:
  ChannelLayout() = default;
  // Axis 1 of `x` (rank 2 or more) is the channel axis; the axes after it
  // are spatial.
  explicit ChannelLayout(const Shape& x)
      : batches_(x[0]), channels_(x[1]), spatial_(x[1] == 0 ? 0 : x.elements() / std::max<std::int64_t>(x[0] * x[1], 1)) {}

  std::int64_t channels() const { return channels_; }
  // Values per channel: N times the spatial size.
  double count() const { return double(batches_ * spatial_); }

  // f(i) for the flat index i of every element of channel c.
  template <class F>
  void each(std::int64_t c, F f) const {
    for (std::int64_t n = 0; n < batches_; ++n) {
      for (std::int64_t i = (n * channels_ + c) * spatial_, end = i + spatial_; i < end; ++i) f(i);
    }
  }
  // The mean and the biased variance (divided by count()) of channel c, in
  // double and in two passes (no cancellation).
  template <class T>
  std::pair<double, double> moments(const T* x, std::int64_t c) const {
    double sum = 0, squares = 0;
    each(c, [&](std::int64_t i) { sum += double(x[i]); });
    const double mean = sum / count();
    each(c, [&](std::int64_t i) { squares += (double(x[i]) - mean) * (double(x[i]) - mean); });
    return {mean, squares / count()};
  }

 private:
  std::int64_t batches_ = 0, channels_ = 0, spatial_ = 1;
};

// A (C,) vector v reshaped to broadcast along axis 1 of x (N, C, ...): (1, C, 1, ...).
inline Expr per_channel(Expr v, const Shape& x) {
  std::vector<std::int64_t> dims(std::size_t(x.rank()), 1);
  dims[1] = x[1];
  return reshape(v, dims);
}
// The mean and the biased variance of each channel (every axis but 1) of x
// (N, C, ...), as ops, with x's rank kept (1, C, 1, ...): a mean over axis 0,
// then over each spatial axis (equal counts, so the mean of the means).
inline std::pair<Expr, Expr> channel_moments(Expr x) {
  auto channel_mean = [rank = x.shape().rank()](Expr t) {
    t = mean(t, 0, true);
    for (int axis = 2; axis < rank; ++axis) t = mean(t, axis, true);
    return t;
  };
  Expr average = channel_mean(x);
  return {average, channel_mean(square(x - average))};
}

}  // namespace dagrad
