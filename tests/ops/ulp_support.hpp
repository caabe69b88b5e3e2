// Distances in units in the last place, for the tests of ops/vector_exp.hpp
// and ops/vector_tanh.hpp against glibc.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

namespace dagrad::testing_support {

// |a - b| in units in the last place of b (the smallest subnormal at 0).
inline double ulps_apart(double a, double b) {
  if (a == b) return 0;
  const double ulp = std::max(std::abs(std::nextafter(b, 2 * b) - b), std::numeric_limits<double>::denorm_min());
  return std::abs(a - b) / ulp;
}

struct WorstUlps {
  double ulps = 0, x = 0;  // the largest distance, and the x where it is
};

// The largest ulps_apart(ys[i], reference(xs[i])) for i >= first.
template <class Reference>
WorstUlps worst_ulps(const std::vector<double>& xs, const std::vector<double>& ys, Reference reference,
                     std::size_t first = 0) {
  WorstUlps worst;
  for (std::size_t i = first; i < xs.size(); ++i) {
    const double apart = ulps_apart(ys[i], reference(xs[i]));
    if (apart > worst.ulps) worst = {apart, xs[i]};
  }
  return worst;
}

}  // namespace dagrad::testing_support
