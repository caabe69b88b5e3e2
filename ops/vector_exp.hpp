// e^x over whole arrays in float64, 8 at a time with AVX-512: for softmax, sigmoid and lstm's gates.
//
// Eigen's float64 exp evaluates a rational function, a division for every
// element, and in the fused pipeline softmax's and sigmoid's exponentials were
// 64% of the time. (A division-free Taylor series to r^13 on [-ln2/2, ln2/2]
// was no faster: it needs 14 multiply-adds.) Here a table of 16 takes most of the range:
//   e^x = 2^k 2^(j/16) e^r,  n = 16k + j = round(16 x log2 e),  r = x - n ln2/16,  |r| <= ln2/32,
// with ln2/16 split in two so that n (ln2/16)_hi is exact. e^r - 1 is its Taylor
// series to r^7 (the next term, r^8 / 8!, is below 2^-58 for |r| <= ln2/32),
// and the result is T_j + T_j (e^r - 1), so the rounding near 1 is not paid
// twice. T_j = 2^(j/16) rounded to the nearest double; the table is two
// registers and one permute picks from them. 2^k is applied last by scalef,
// which rounds once, so subnormal results (below e^-708) come out right.
// x is clamped to [-746, 710] first: below, e^x rounds to 0; above, it is
// inf. NaN stays NaN (vmaxpd/vminpd return their second operand when either is NaN).
//
// Accuracy, measured on 2.9 M points from -746 to 710 (tests/ops/vector_exp_test.cpp):
// within 1 ulp of glibc's exp. Portable builds (DAGRAD_NATIVE=OFF), machines
// without AVX-512, and float use Eigen's exp.
#pragma once

#include <cstdint>
#include <type_traits>

#include "dagrad/eigen.hpp"

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace dagrad::vector_math {

#if defined(__AVX512F__)
inline constexpr bool table_exp = true;

inline __m512d exp8(__m512d x) {
  constexpr double shifter = 0x1.8p52;  // adding it rounds to a whole number, left in the low mantissa bits
  x = _mm512_min_pd(_mm512_set1_pd(710.0), _mm512_max_pd(_mm512_set1_pd(-746.0), x));
  const __m512d shifted = _mm512_fmadd_pd(x, _mm512_set1_pd(0x1.71547652b82fep+4), _mm512_set1_pd(shifter));
  const __m512d n = _mm512_sub_pd(shifted, _mm512_set1_pd(shifter));  // round(16 x log2 e)
  __m512d r = _mm512_fnmadd_pd(n, _mm512_set1_pd(0x1.62e42fee00000p-5), x);
  r = _mm512_fnmadd_pd(n, _mm512_set1_pd(0x1.a39ef35793c76p-37), r);
  // e^r - 1 = r + r^2 (1/2 + r/6 + ... + r^5/7!), Horner.
  __m512d p = _mm512_set1_pd(1.0 / 5040.0);
  p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(1.0 / 720.0));
  p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(1.0 / 120.0));
  p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(1.0 / 24.0));
  p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(1.0 / 6.0));
  p = _mm512_fmadd_pd(p, r, _mm512_set1_pd(0.5));
  const __m512d expm1_r = _mm512_fmadd_pd(p, _mm512_mul_pd(r, r), r);
  // T_j: j = n mod 16 is in the low 4 bits of shifted, which are all the permute reads.
  const __m512d low = _mm512_setr_pd(0x1.0000000000000p+0, 0x1.0b5586cf9890fp+0, 0x1.172b83c7d517bp+0,
                                     0x1.2387a6e756238p+0, 0x1.306fe0a31b715p+0, 0x1.3dea64c123422p+0,
                                     0x1.4bfdad5362a27p+0, 0x1.5ab07dd485429p+0);
  const __m512d high = _mm512_setr_pd(0x1.6a09e667f3bcdp+0, 0x1.7a11473eb0187p+0, 0x1.8ace5422aa0dbp+0,
                                      0x1.9c49182a3f090p+0, 0x1.ae89f995ad3adp+0, 0x1.c199bdd85529cp+0,
                                      0x1.d5818dcfba487p+0, 0x1.ea4afa2a490dap+0);
  const __m512d t = _mm512_permutex2var_pd(low, _mm512_castpd_si512(shifted), high);
  // scalef multiplies by 2^floor(n / 16) = 2^k.
  return _mm512_scalef_pd(_mm512_fmadd_pd(t, expm1_r, t), _mm512_mul_pd(n, _mm512_set1_pd(1.0 / 16.0)));
}

// f(i, x) for every 8 of n elements, then once more under a mask for the tail (masked lanes are neither read
// nor written, so the tail may end at the edge of a page).
template <class Kernel>
void over_blocks_of_8(const double* x, double* y, std::int64_t n, Kernel kernel) {
  std::int64_t i = 0;
  for (; i + 8 <= n; i += 8) _mm512_storeu_pd(y + i, kernel(_mm512_loadu_pd(x + i)));
  if (i == n) return;
  const auto tail = static_cast<__mmask8>((1u << (n - i)) - 1);
  _mm512_mask_storeu_pd(y + i, tail, kernel(_mm512_maskz_loadu_pd(tail, x + i)));
}
#else
inline constexpr bool table_exp = false;
#endif

// y[i] = e^(x[i] - shift) for i < n; y may be x.
template <class T>
void exp_into(const T* x, T* y, std::int64_t n, T shift = T(0)) {
#if defined(__AVX512F__)
  if constexpr (std::is_same_v<T, double>) {
    const __m512d by = _mm512_set1_pd(shift);
    return over_blocks_of_8(x, y, n, [by](__m512d v) { return exp8(_mm512_sub_pd(v, by)); });
  }
#endif
  using Array = Eigen::Array<T, Eigen::Dynamic, 1>;
  Eigen::Map<Array>(y, n) = (Eigen::Map<const Array>(x, n) - shift).exp();
}

// y[i] = 1 / (1 + e^-x[i]) for i < n; y may be x.
template <class T>
void sigmoid_into(const T* x, T* y, std::int64_t n) {
#if defined(__AVX512F__)
  if constexpr (std::is_same_v<T, double>) {
    return over_blocks_of_8(x, y, n, [](__m512d v) {
      const __m512d one = _mm512_set1_pd(1.0);
      return _mm512_div_pd(one, _mm512_add_pd(one, exp8(_mm512_sub_pd(_mm512_setzero_pd(), v))));
    });
  }
#endif
  using Array = Eigen::Array<T, Eigen::Dynamic, 1>;
  Eigen::Map<Array>(y, n) = T(1) / (T(1) + (-Eigen::Map<const Array>(x, n)).exp());
}

// to = sigmoid(from) for two blocks of one shape whose rows are contiguous (an LSTM's gate columns); to may be from.
template <class From, class To>
void sigmoid_rows(const From& from, To&& to) {
  if (to.cols() == 0) return;  // no element (0, 0) to take the address of
  for (Eigen::Index r = 0; r < to.rows(); ++r) sigmoid_into(&from.coeffRef(r, 0), &to.coeffRef(r, 0), to.cols());
}

}  // namespace dagrad::vector_math
