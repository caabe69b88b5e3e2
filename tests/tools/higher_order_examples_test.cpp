// The higher-order examples of tools/examples/, run as built: Newton's
// method on a logistic regression and a gradient-penalty critic.
#include <unistd.h>

#include <filesystem>
#include <regex>

#include <gtest/gtest.h>

#include "support/command.hpp"

namespace dagrad {
namespace {

namespace fs = std::filesystem;

testing_support::CommandResult run_example(const std::string& name) {
  fs::path dir = fs::path(::testing::TempDir()) / fmt::format("dagrad_higher_order_examples_{}", ::getpid());
  fs::create_directories(dir);
  auto result = testing_support::run_command(fmt::format("'{}/{}'", DAGRAD_EXAMPLES_DIR, name), dir);
  fs::remove_all(dir);
  return result;
}

TEST(HigherOrderExamples, NewtonConvergesQuadraticallyOnTheLogisticRegression) {
  auto r = run_example("newton_logistic");
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  std::smatch match;
  ASSERT_TRUE(std::regex_search(r.out, match, std::regex("converged in ([0-9]+) Newton steps"))) << r.out;
  // Quadratic convergence from zero: a handful of steps to a gradient below 1e-12.
  EXPECT_LE(std::stoi(match[1]), 8) << r.out;
  EXPECT_GE(testing_support::reported_accuracy(r.out, "train"), 0.80) << r.out;
}

TEST(HigherOrderExamples, TheGradientPenaltyPullsTheCriticsSlopeTowardsOne) {
  auto r = run_example("gradient_penalty");
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  std::smatch match;
  ASSERT_TRUE(std::regex_search(r.out, match, std::regex("penalty: ([0-9.e+-]+) -> ([0-9.e+-]+)\n"))) << r.out;
  const double first = std::stod(match[1]), last = std::stod(match[2]);
  EXPECT_LT(last, 0.1 * first) << r.out;
  EXPECT_LT(last, 0.1) << r.out;
}

}  // namespace
}  // namespace dagrad
