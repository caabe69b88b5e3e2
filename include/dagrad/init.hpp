// Initial values for parameters, all drawn from a seeded dagrad::Rng so that
// a run repeats exactly: the same seed gives the same tensors, bit for bit.
//
// Weights follow dagrad's layout (in, out): a layer computes x W + b with x
// of shape (batch, in), so fan_in = shape[0] and fan_out = shape[1]. (PyTorch
// stores (out, in) and computes x W^T; the fans, and so the scales below, are
// the same.)
#pragma once

#include <string_view>

#include "dagrad/op.hpp"
#include "dagrad/tensor.hpp"

namespace dagrad::init {

Tensor zeros(const Shape& shape);
// Normal(mean, std^2) values; the course's `np.random.randn(...) * 0.01` is
// normal(shape, rng, 0.0, 0.01).
Tensor normal(const Shape& shape, Rng& rng, double mean = 0.0, double std = 1.0);
// Uniform values in [low, high).
Tensor uniform(const Shape& shape, Rng& rng, double low, double high);

// Glorot & Bengio (2010): variance 2 / (fan_in + fan_out), so activations and
// gradients keep their scale through tanh layers.
//   uniform: U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out))
//   normal:  N(0, s^2), s = gain * sqrt(2 / (fan_in + fan_out))
Tensor xavier_uniform(const Shape& shape, Rng& rng, double gain = 1.0);
Tensor xavier_normal(const Shape& shape, Rng& rng, double gain = 1.0);
// He et al. (2015), for ReLU layers: variance 2 / fan_in (PyTorch's
// kaiming_* with mode fan_in and nonlinearity relu).
//   uniform: U(-a, a), a = sqrt(6 / fan_in)
//   normal:  N(0, s^2), s = sqrt(2 / fan_in)
Tensor he_uniform(const Shape& shape, Rng& rng);
Tensor he_normal(const Shape& shape, Rng& rng);

// fan_in and fan_out of a weight shape: (in, out) for rank 2; a rank-1 shape
// (n,) counts as (n, 1). Throws ShapeError for other ranks.
struct Fans {
  double in = 0;
  double out = 0;
};
Fans fans(const Shape& shape);

// A choice of initializer, for layers that take one.
enum class Method { zeros, normal, xavier_uniform, xavier_normal, he_uniform, he_normal };
// normal draws N(0, 0.01^2), the course's choice.
Tensor make(Method method, const Shape& shape, Rng& rng);
std::string_view to_string(Method method);

}  // namespace dagrad::init
