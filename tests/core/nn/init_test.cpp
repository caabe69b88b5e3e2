// Initializers: bounds, statistics, and exact repetition by seed.
#include "dagrad/init.hpp"

#include <cmath>

#include <gtest/gtest.h>

namespace dagrad {
namespace {

struct Moments {
  double mean = 0;
  double std = 0;
  double min = 1e300;
  double max = -1e300;
};

Moments moments(const Tensor& t) {
  Moments m;
  for (double v : t) {
    m.mean += v;
    m.min = std::min(m.min, v);
    m.max = std::max(m.max, v);
  }
  m.mean /= double(t.size());
  for (double v : t) m.std += (v - m.mean) * (v - m.mean);
  m.std = std::sqrt(m.std / double(t.size()));
  return m;
}

TEST(Init, ZerosAreZero) {
  Tensor t = init::zeros(Shape{3, 4});
  EXPECT_EQ(t.shape(), (Shape{3, 4}));
  for (double v : t) EXPECT_EQ(v, 0.0);
}

TEST(Init, SameSeedGivesTheSameTensorsBitForBit) {
  Rng a(42), b(42), c(43);
  Tensor first = init::xavier_uniform(Shape{20, 30}, a);
  Tensor again = init::xavier_uniform(Shape{20, 30}, b);
  Tensor other = init::xavier_uniform(Shape{20, 30}, c);
  EXPECT_TRUE(first == again);
  EXPECT_FALSE(first == other);
  // Later draws continue the same stream.
  EXPECT_TRUE(init::he_normal(Shape{5, 5}, a) == init::he_normal(Shape{5, 5}, b));
}

TEST(Init, NormalHasTheAskedMeanAndStd) {
  Rng rng(1);
  Moments m = moments(init::normal(Shape{200, 200}, rng, 3.0, 0.5));
  EXPECT_NEAR(m.mean, 3.0, 0.01);   // standard error 0.5 / 200 = 0.0025
  EXPECT_NEAR(m.std, 0.5, 0.01);
}

TEST(Init, UniformStaysInItsInterval) {
  Rng rng(1);
  Moments m = moments(init::uniform(Shape{100, 100}, rng, -2.0, 1.0));
  EXPECT_GE(m.min, -2.0);
  EXPECT_LT(m.max, 1.0);
  EXPECT_NEAR(m.mean, -0.5, 0.02);
  EXPECT_LT(m.min, -1.99);  // fills the interval
  EXPECT_GT(m.max, 0.99);
}

TEST(Init, XavierUniformBoundAndStd) {
  // fan_in 300, fan_out 100: a = sqrt(6 / 400), std = a / sqrt(3) = sqrt(2 / 400).
  Rng rng(7);
  Moments m = moments(init::xavier_uniform(Shape{300, 100}, rng));
  double bound = std::sqrt(6.0 / 400.0);
  EXPECT_GE(m.min, -bound);
  EXPECT_LE(m.max, bound);
  EXPECT_GT(m.max, 0.99 * bound);
  EXPECT_NEAR(m.std, std::sqrt(2.0 / 400.0), 0.002);
  EXPECT_NEAR(m.mean, 0.0, 0.002);
}

TEST(Init, XavierNormalStdWithGain) {
  Rng rng(7);
  Moments m = moments(init::xavier_normal(Shape{300, 100}, rng, 2.0));
  EXPECT_NEAR(m.std, 2.0 * std::sqrt(2.0 / 400.0), 0.003);
}

TEST(Init, HeUsesFanInOnly) {
  Rng rng(3);
  Moments normal = moments(init::he_normal(Shape{50, 400}, rng));
  EXPECT_NEAR(normal.std, std::sqrt(2.0 / 50.0), 0.005);
  Moments uniform = moments(init::he_uniform(Shape{50, 400}, rng));
  EXPECT_LE(uniform.max, std::sqrt(6.0 / 50.0));
  EXPECT_GE(uniform.min, -std::sqrt(6.0 / 50.0));
  EXPECT_NEAR(uniform.std, std::sqrt(2.0 / 50.0), 0.005);
}

TEST(Init, FansOfWeightShapes) {
  EXPECT_EQ(init::fans(Shape{3, 5}).in, 3);
  EXPECT_EQ(init::fans(Shape{3, 5}).out, 5);
  EXPECT_EQ(init::fans(Shape{4}).in, 4);
  EXPECT_THROW(init::fans(Shape{2, 3, 4}), ShapeError);
  Rng rng(1);
  EXPECT_THROW(init::xavier_uniform(Shape{2, 3, 4}, rng), ShapeError);
}

TEST(Init, CourseNormalIsSmall) {
  // The course's randn * 0.01.
  Rng rng(1);
  Moments m = moments(init::make(init::Method::normal, Shape{100, 100}, rng));
  EXPECT_NEAR(m.std, 0.01, 0.0005);
  EXPECT_EQ(init::to_string(init::Method::he_uniform), "he_uniform");
}

}  // namespace
}  // namespace dagrad
