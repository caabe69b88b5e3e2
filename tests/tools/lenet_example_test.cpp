// tools/examples/lenet.cpp, run as built: the CNN learns the generated shapes in float64 and in float32.
#include <unistd.h>

#include <filesystem>

#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "support/command.hpp"

namespace dagrad {
namespace {

testing_support::CommandResult run_lenet(const std::string& arguments) {
  std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) / fmt::format("dagrad_lenet_{}", ::getpid());
  std::filesystem::create_directories(dir);
  auto result = testing_support::run_command(fmt::format("'{}/lenet' {}", DAGRAD_EXAMPLES_DIR, arguments), dir);
  std::filesystem::remove_all(dir);
  return result;
}

TEST(Examples, LenetLearnsTheGeneratedShapes) {
  auto r = run_lenet("");
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("dtype: float64\n"), std::string::npos) << r.out;
  EXPECT_GE(testing_support::reported_accuracy(r.out, "test"), 0.95) << r.out;
}

// Issue 17: the float32 CNN trains to the float64 accuracy within 2 points.
TEST(Examples, LenetInFloat32ReachesTheFloat64Accuracy) {
  auto f64 = run_lenet(""), f32 = run_lenet("float32");
  ASSERT_EQ(f32.status, 0) << f32.out << f32.err;
  EXPECT_NE(f32.out.find("dtype: float32\n"), std::string::npos) << f32.out;
  const double accuracy64 = testing_support::reported_accuracy(f64.out, "test");
  const double accuracy32 = testing_support::reported_accuracy(f32.out, "test");
  EXPECT_GE(accuracy32, 0.95) << f32.out;
  EXPECT_NEAR(accuracy32, accuracy64, 0.02) << f64.out << f32.out;
}

}  // namespace
}  // namespace dagrad
