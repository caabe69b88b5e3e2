// ops/vector_exp.hpp: the float64 exp of softmax, sigmoid and lstm, against glibc's.
// AVX-512 builds use the table exp, other builds Eigen's, which differs from
// glibc in the subnormal range (Eigen clamps x at -709.78): there the sweep
// stops where results are normal.
#include <cmath>
#include <limits>
#include <random>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "../../ops/vector_exp.hpp"
#include "ulp_support.hpp"

namespace dagrad {
namespace {

using testing_support::ulps_apart;
using testing_support::worst_ulps;

// Uniform over the range, and dense near 0 and at both ends (overflow, and
// the subnormal results below e^-708).
std::vector<double> sweep(double lowest) {
  std::mt19937_64 rng(2);
  std::vector<double> xs;
  for (auto [low, high, count] : {std::tuple{lowest, 710.0, 1500000}, std::tuple{-1.0, 1.0, 500000},
                                   std::tuple{lowest, lowest + 46.0, 300000}, std::tuple{700.0, 709.78, 300000},
                                   std::tuple{-40.0, 0.0, 300000}}) {
    std::uniform_real_distribution<double> uniform(low, high);
    for (int k = 0; k < count; ++k) xs.push_back(uniform(rng));
  }
  return xs;
}

TEST(VectorExp, WithinOneUlpOfGlibcEverywhere) {
  const std::vector<double> xs = sweep(vector_math::table_exp ? -746.0 : -708.0);
  std::vector<double> ys(xs.size());
  vector_math::exp_into(xs.data(), ys.data(), std::int64_t(xs.size()));
  const auto worst = worst_ulps(xs, ys, [](double x) { return std::exp(x); });
  EXPECT_LE(worst.ulps, vector_math::table_exp ? 1.0 : 2.0) << "at x = " << worst.x;
}

// Every length from 0 to 17 (two blocks of 8 and a tail of each size), in place.
TEST(VectorExp, EveryTailLengthInPlace) {
  for (std::int64_t n = 0; n <= 17; ++n) {
    std::vector<double> xs(std::size_t(n) + 1, 99.0);  // one past the end, which must stay
    for (std::int64_t i = 0; i < n; ++i) xs[std::size_t(i)] = 0.25 * double(i) - 2.0;
    vector_math::exp_into(xs.data(), xs.data(), n);
    for (std::int64_t i = 0; i < n; ++i) EXPECT_NEAR(xs[std::size_t(i)], std::exp(0.25 * double(i) - 2.0), 1e-15) << n;
    EXPECT_EQ(xs[std::size_t(n)], 99.0) << n;
  }
}

TEST(VectorExp, ZeroInfinitiesNaNAndTheEdgesOfTheRange) {
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> xs{0.0,    -0.0,   inf,    -inf,   1e300, -1e300, 709.78, 709.79, -744.4, -745.2,
                         std::numeric_limits<double>::quiet_NaN(), std::log(2.0), -std::log(2.0) / 16};
  std::vector<double> ys(xs.size());
  vector_math::exp_into(xs.data(), ys.data(), std::int64_t(xs.size()));
  EXPECT_EQ(ys[0], 1.0);
  EXPECT_EQ(ys[1], 1.0);
  EXPECT_EQ(ys[2], inf);
  // Eigen's exp clamps x at -709.78, so its e^-inf is 5.6e-309, not 0.
  const auto underflows = [](double y) { return vector_math::table_exp ? y == 0.0 : y < 1e-307; };
  EXPECT_TRUE(underflows(ys[3]));
  EXPECT_EQ(ys[4], inf);
  EXPECT_TRUE(underflows(ys[5]));
  EXPECT_EQ(ys[6], std::exp(709.78));  // the largest finite results
  EXPECT_EQ(ys[7], inf);
  if (vector_math::table_exp) {
    EXPECT_EQ(ys[8], std::exp(-744.4));  // the smallest subnormal
  }
  EXPECT_TRUE(underflows(ys[9]));
  EXPECT_TRUE(std::isnan(ys[10]));
  EXPECT_LE(ulps_apart(ys[11], 2.0), 1.0);
  EXPECT_LE(ulps_apart(ys[12], std::exp(-std::log(2.0) / 16)), 1.0);
}

TEST(VectorExp, ArraysShiftedAsSoftmaxCallsThem) {
  std::vector<double> xs{3.0, -1.0, 2.5, 3.0, -1000.0};
  std::mt19937_64 rng(4);
  std::uniform_real_distribution<double> uniform(-690, 690);
  for (int k = 0; k < 100000; ++k) xs.push_back(uniform(rng));
  std::vector<double> ys(xs.size());
  vector_math::exp_into(xs.data(), ys.data(), std::int64_t(xs.size()), 3.0);
  EXPECT_EQ(ys[0], 1.0);
  EXPECT_EQ(ys[3], 1.0);
  EXPECT_LT(ys[4], 1e-300);  // 0 here; Eigen clamps at e^-709.78
  const auto worst = worst_ulps(xs, ys, [](double x) { return std::exp(x - 3.0); }, 5);
  EXPECT_LE(worst.ulps, vector_math::table_exp ? 1.0 : 2.0) << "at x = " << worst.x;
}

// Against the exact value (long double's expl, 11 more bits): the formula
// rounds 1 + e^-x and the division on top of exp's error. glibc's exp in
// the same formula lands 2.4 ulp from it at worst on these points.
TEST(VectorExp, SigmoidWithinThreeUlpOfTheExactValue) {
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<double> xs{0.0, inf, -inf, 800.0, -800.0, 36.0, -36.0, std::numeric_limits<double>::quiet_NaN()};
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<double> uniform(-60, 60);
  for (int k = 0; k < 200000; ++k) xs.push_back(uniform(rng));
  std::vector<double> ys(xs.size());
  vector_math::sigmoid_into(xs.data(), ys.data(), std::int64_t(xs.size()));
  EXPECT_EQ(ys[0], 0.5);
  EXPECT_EQ(ys[1], 1.0);
  EXPECT_EQ(ys[2], 0.0);
  EXPECT_EQ(ys[3], 1.0);
  EXPECT_EQ(ys[4], 0.0);
  EXPECT_TRUE(std::isnan(ys[7]));
  double worst = 0, worst_x = 0;
  for (std::size_t i = 5; i < xs.size(); ++i) {
    if (std::isnan(xs[i])) continue;
    const long double exact = 1.0L / (1.0L + std::exp(-static_cast<long double>(xs[i])));
    const double nearest = static_cast<double>(exact);
    const double ulp = std::nextafter(nearest, 2.0) - nearest;
    const double apart = static_cast<double>(std::abs(ys[i] - exact) / ulp);
    if (apart > worst) worst = apart, worst_x = xs[i];
  }
  EXPECT_LE(worst, vector_math::table_exp ? 3.0 : 4.0) << "at x = " << worst_x;
}

TEST(VectorExp, FloatGoesThroughEigen) {
  std::vector<float> xs{-80.0f, -3.0f, 0.0f, 0.7f, 9.0f};
  for (int k = 0; k < 20; ++k) xs.push_back(0.5f * float(k) - 5.0f);  // 16-wide packets and a tail
  std::vector<float> ys(xs.size());
  vector_math::exp_into(xs.data(), ys.data(), std::int64_t(xs.size()), 1.0f);
  for (std::size_t i = 0; i < xs.size(); ++i) EXPECT_NEAR(ys[i], std::exp(xs[i] - 1.0f), 4e-7f * std::exp(xs[i] - 1.0f));
}

}  // namespace
}  // namespace dagrad
