// Parameter initializers (see include/dagrad/init.hpp for the formulas).
#include "dagrad/init.hpp"

#include <cmath>

#include <fmt/format.h>

#include "dagrad/error.hpp"

namespace dagrad::init {

Tensor zeros(const Shape& shape) { return Tensor(shape); }

// The registry's random_normal and random_uniform draw the values; a normal
// draw scaled as mean + std z is exactly what normal_distribution(mean, std) gives.
Tensor normal(const Shape& shape, Rng& rng, double mean, double std) {
  Tensor t = random_normal(shape, rng);
  for (double& v : t) v = v * std + mean;
  return t;
}

Tensor uniform(const Shape& shape, Rng& rng, double low, double high) { return random_uniform(shape, rng, low, high); }

Fans fans(const Shape& shape) {
  if (shape.rank() == 1) return {double(shape[0]), 1.0};
  if (shape.rank() == 2) return {double(shape[0]), double(shape[1])};
  throw ShapeError(fmt::format("initializer: fan-in and fan-out need a weight of shape (in, out) or (n,), not {}",
                               shape));
}

Tensor xavier_uniform(const Shape& shape, Rng& rng, double gain) {
  Fans f = fans(shape);
  double bound = gain * std::sqrt(6.0 / (f.in + f.out));
  return uniform(shape, rng, -bound, bound);
}

Tensor xavier_normal(const Shape& shape, Rng& rng, double gain) {
  Fans f = fans(shape);
  return normal(shape, rng, 0.0, gain * std::sqrt(2.0 / (f.in + f.out)));
}

Tensor he_uniform(const Shape& shape, Rng& rng) {
  double bound = std::sqrt(6.0 / fans(shape).in);
  return uniform(shape, rng, -bound, bound);
}

Tensor he_normal(const Shape& shape, Rng& rng) { return normal(shape, rng, 0.0, std::sqrt(2.0 / fans(shape).in)); }

Tensor make(Method method, const Shape& shape, Rng& rng) {
  switch (method) {
    case Method::zeros: return zeros(shape);
    case Method::normal: return normal(shape, rng, 0.0, 0.01);
    case Method::xavier_uniform: return xavier_uniform(shape, rng);
    case Method::xavier_normal: return xavier_normal(shape, rng);
    case Method::he_uniform: return he_uniform(shape, rng);
    case Method::he_normal: return he_normal(shape, rng);
  }
  throw Error("init::make: unknown initializer");
}

std::string_view to_string(Method method) {
  switch (method) {
    case Method::zeros: return "zeros";
    case Method::normal: return "normal";
    case Method::xavier_uniform: return "xavier_uniform";
    case Method::xavier_normal: return "xavier_normal";
    case Method::he_uniform: return "he_uniform";
    case Method::he_normal: return "he_normal";
  }
  return "unknown";
}

}  // namespace dagrad::init
