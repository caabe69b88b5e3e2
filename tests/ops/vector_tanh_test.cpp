// ops/vector_tanh.hpp: the float64 tanh of tanh, lstm and gru, against glibc's.
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "../../ops/vector_tanh.hpp"
#include "ulp_support.hpp"

namespace dagrad {
namespace {

using testing_support::ulps_apart;
using testing_support::worst_ulps;

// Every binade from subnormals to 2^10, both signs, and a uniform sweep over [-25, 25], where the
// reduction changes n and where tanh reaches 1.
std::vector<double> sweep() {
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<double> mantissa(1, 2), uniform(-25, 25);
  std::vector<double> xs;
  for (int exponent = -1074; exponent < 10; ++exponent) {
    for (int k = 0; k < 200; ++k) {
      const double v = std::ldexp(mantissa(rng), exponent);
      xs.push_back(v), xs.push_back(-v);
    }
  }
  for (int k = 0; k < 400000; ++k) xs.push_back(uniform(rng));
  return xs;
}

TEST(VectorTanh, WithinThreeUlpOfGlibcEverywhere) {
  const std::vector<double> xs = sweep();
  std::vector<double> ys(xs.size());
  vector_math::tanh_into(xs.data(), ys.data(), std::int64_t(xs.size()));
  const auto worst = worst_ulps(xs, ys, [](double x) { return std::tanh(x); });
  EXPECT_LE(worst.ulps, 3.0) << "at x = " << worst.x;
}

TEST(VectorTanh, SignedZerosInfinitiesAndNaN) {
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<double> xs{0.0, -0.0, inf, -inf, 1e300, -1e300, 19.0, 20.0, 41.0, 42.0,
                               std::numeric_limits<double>::denorm_min(), std::numeric_limits<double>::quiet_NaN()};
  std::vector<double> ys(xs.size());
  vector_math::tanh_into(xs.data(), ys.data(), std::int64_t(xs.size()));
  EXPECT_EQ(ys[0], 0.0);
  EXPECT_FALSE(std::signbit(ys[0]));
  EXPECT_EQ(ys[1], 0.0);
  EXPECT_TRUE(std::signbit(ys[1]));
  EXPECT_EQ(ys[2], 1.0);
  EXPECT_EQ(ys[3], -1.0);
  EXPECT_EQ(ys[4], 1.0);
  EXPECT_EQ(ys[5], -1.0);
  // Near saturation: tanh(19) = 1 - 6.3e-17 rounds to 1 - 2^-53; 1 is one ulp from it.
  for (std::size_t i = 6; i < 10; ++i) EXPECT_LE(ulps_apart(ys[i], std::tanh(xs[i])), 1.0) << "x = " << xs[i];
  EXPECT_EQ(ys[9], 1.0);
  EXPECT_EQ(ys[10], std::numeric_limits<double>::denorm_min());  // tanh(x) = x below 2^-27
  EXPECT_TRUE(std::isnan(ys[11]));
}

TEST(VectorTanh, RowsOfABlockInPlaceAndIntoAnother) {
  RowMajorMatrix<double> m(3, 8), out = RowMajorMatrix<double>::Zero(3, 8);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = 0.25 * double(i) - 3;
  const RowMajorMatrix<double> original = m;
  vector_math::tanh_rows(m.middleCols(2, 4), out.middleCols(2, 4));
  vector_math::tanh_rows(m.middleCols(6, 0), out.middleCols(6, 0));  // empty rows (an LSTM of hidden size 0): nothing
  vector_math::tanh_rows(m.middleCols(2, 4), m.middleCols(2, 4));
  for (Eigen::Index r = 0; r < 3; ++r) {
    for (Eigen::Index c = 0; c < 8; ++c) {
      const bool inside = c >= 2 && c < 6;
      const double expected = inside ? std::tanh(original(r, c)) : original(r, c);
      EXPECT_LE(ulps_apart(m(r, c), expected), 3.0) << r << ", " << c;
      EXPECT_EQ(out(r, c), inside ? m(r, c) : 0.0) << r << ", " << c;
    }
  }
}

TEST(VectorTanh, FloatGoesThroughEigen) {
  const std::vector<float> xs{-3.0f, -0.5f, 0.0f, 1e-20f, 0.7f, 9.0f};
  std::vector<float> ys(xs.size());
  vector_math::tanh_into(xs.data(), ys.data(), std::int64_t(xs.size()));
  for (std::size_t i = 0; i < xs.size(); ++i) EXPECT_NEAR(ys[i], std::tanh(xs[i]), 4e-7f * std::abs(std::tanh(xs[i])) + 1e-30f);
}

}  // namespace
}  // namespace dagrad
