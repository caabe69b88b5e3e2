// tanh over whole arrays, vectorized in float64 too: for tanh, lstm and gru.
//
// Eigen vectorizes tanh for float only; for double it calls glibc's tanh one
// element at a time, about 10 ns each on the test machine, a quarter of
// lstm_step's float64 time. Here, for a = |x|:
//   tanh(a) = -m / (2 + m),  m = e^(-2a) - 1 = 2^n (e^r - 1) + (2^n - 1),
// with n = ceil(-2a log2 e), so r = -2a - n ln2 lies in [-ln2, 0] and the two
// terms of m share their sign: nothing cancels, for small a as for large.
// e^r - 1 = r q(r), q the Taylor series of (e^r - 1) / r to r^17 (the next
// term, r^18 / 19!, is below 2^-66 for |r| <= ln2). The sign of x is copied back, so
// tanh(-0) = -0; NaN stays NaN; beyond |x| ~ 41 the clamped exponent gives
// exactly +-1 (tanh rounds to 1 from |x| = 19.1 on).
//
// Accuracy, measured on 6.3 M points (every binade from 2^-1074 to 2^10 and
// uniform in [-25, 25]): at most 3 ulp from glibc's tanh, and 1.7 ulp from the
// exact value at the worst of those points. Speed: about 1.1 ns an element
// with AVX-512, where GCC vectorizes this loop. Without AVX-512 GCC keeps the
// clamps as branches (its -ftrapping-math default forbids speculating the
// comparisons) and the scalar loop is slower than glibc, so other builds use
// Eigen's tanh: the two agree to those 3 ulp.
#pragma once

#include <bit>
#include <cstdint>
#include <type_traits>

#include "dagrad/eigen.hpp"

namespace dagrad::vector_math {

#if defined(__AVX512F__)
inline constexpr bool polynomial_tanh = true;
#else
inline constexpr bool polynomial_tanh = false;
#endif

// e^y - 1 for y <= 0 (or NaN), as described above.
inline double expm1_of_nonpositive(double y) {
  constexpr double shifter = 0x1.8p52, log2e = 0x1.71547652b82fep0;  // adding the shifter rounds to a whole number
  constexpr double ln2_hi = 0x1.62e42fee00000p-1, ln2_lo = 0x1.a39ef35793c76p-33;  // ln2_hi n is exact
  double n = (y * log2e + 0.5 + shifter) - shifter;  // ceil(y log2e), or one more at a whole number
  n = n < -60.0 ? -60.0 : n;  // e^y < 2^-60 is lost next to -1 anyway; keeps 2^n a normal number
  double r = y - n * ln2_hi;
  r = r - n * ln2_lo;
  r = r < -0.75 ? -0.75 : r;  // only where n was clamped
  // q(r) by Horner, coefficients 1 / (k + 1)! for k = 17 down to 0 (written out: as a loop over an array GCC
  // stops vectorizing the caller).
  double q = 1.0 / 6402373705728000.0;
  q = q * r + 1.0 / 355687428096000.0, q = q * r + 1.0 / 20922789888000.0, q = q * r + 1.0 / 1307674368000.0;
  q = q * r + 1.0 / 87178291200.0, q = q * r + 1.0 / 6227020800.0, q = q * r + 1.0 / 479001600.0;
  q = q * r + 1.0 / 39916800.0, q = q * r + 1.0 / 3628800.0, q = q * r + 1.0 / 362880.0, q = q * r + 1.0 / 40320.0;
  q = q * r + 1.0 / 5040.0, q = q * r + 1.0 / 720.0, q = q * r + 1.0 / 120.0, q = q * r + 1.0 / 24.0;
  q = q * r + 1.0 / 6.0, q = q * r + 0.5, q = q * r + 1.0;
  // 2^n: n's low bits, which the shifter left in the mantissa, moved into the exponent field.
  const double scale = std::bit_cast<double>((std::bit_cast<std::uint64_t>(n + shifter) << 52) + (std::uint64_t(1023) << 52));
  return scale * (r * q) + (scale - 1.0);
}

inline double tanh_of(double x) {
  const double m = expm1_of_nonpositive(-2.0 * std::abs(x));
  return std::copysign(-m / (2.0 + m), x);
}

// y[i] = tanh(x[i]) for i < n; y may be x.
template <class T>
void tanh_into(const T* x, T* y, std::int64_t n) {
  if constexpr (std::is_same_v<T, double> && polynomial_tanh) {
    for (std::int64_t i = 0; i < n; ++i) y[i] = tanh_of(x[i]);
  } else {
    using Array = Eigen::Array<T, Eigen::Dynamic, 1>;
    Eigen::Map<Array>(y, n) = Eigen::Map<const Array>(x, n).tanh();
  }
}

// to = tanh(from) for two blocks of one shape whose rows are contiguous (blocks of row-major matrices); to may be from.
template <class From, class To>
void tanh_rows(const From& from, To&& to) {
  if (to.cols() == 0) return;  // no element (0, 0) to take the address of
  for (Eigen::Index r = 0; r < to.rows(); ++r) tanh_into(&from.coeffRef(r, 0), &to.coeffRef(r, 0), to.cols());
}

}  // namespace dagrad::vector_math
