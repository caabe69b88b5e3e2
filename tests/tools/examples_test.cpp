// The example programs in tools/examples/, run as built: each trains to the
// course's figures.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "support/command.hpp"

namespace dagrad {
namespace {

namespace fs = std::filesystem;

using testing_support::reported_accuracy;
using ExampleRun = testing_support::CommandResult;

ExampleRun run_example(const std::string& name, const std::string& arguments = "") {
  fs::path dir = fs::path(::testing::TempDir()) / fmt::format("dagrad_examples_{}", ::getpid());
  fs::create_directories(dir);
  ExampleRun result =
      testing_support::run_command(fmt::format("'{}/{}' {}", DAGRAD_EXAMPLES_DIR, name, arguments), dir);
  fs::remove_all(dir);
  return result;
}

TEST(Examples, PlanarClassifierReachesTheCoursesAccuracy) {
  ExampleRun r = run_example("planar_classifier");
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_GE(reported_accuracy(r.out, "train"), 0.88) << r.out;
}

TEST(Examples, LogisticRegressionCannotSeparateTheFlower) {
  ExampleRun r = run_example("logistic_regression");
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  double accuracy = reported_accuracy(r.out, "train");
  EXPECT_GE(accuracy, 0.0) << r.out;
  EXPECT_LT(accuracy, 0.60) << r.out;
}

TEST(Examples, CsvMlpLearnsTheShippedSpirals) {
  std::string data = std::string(DAGRAD_SOURCE_DIR) + "/tools/data/";
  ExampleRun r = run_example("csv_mlp", fmt::format("'{}spirals_train.csv' '{}spirals_test.csv'", data, data));
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("classes: 0, 1, 2\n"), std::string::npos) << r.out;
  EXPECT_GE(reported_accuracy(r.out, "train"), 0.95) << r.out;
  EXPECT_GE(reported_accuracy(r.out, "test"), 0.90) << r.out;
}

// The course's regularization exercise: the plain network overfits the
// noisy moons; L2 and dropout trade training accuracy for test accuracy.
// Figures as printed on x86-64 (README); other CPUs may round a step
// differently, hence the 0.02 margin around each.
TEST(Examples, DeepNetworkShowsTheEffectOfL2AndDropout) {
  ExampleRun r = run_example("deep_network");
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  const double plain_train = reported_accuracy(r.out, "plain train"), plain_test = reported_accuracy(r.out, "plain test");
  const double l2_train = reported_accuracy(r.out, "L2 train"), l2_test = reported_accuracy(r.out, "L2 test");
  const double dropout_train = reported_accuracy(r.out, "dropout train");
  const double dropout_test = reported_accuracy(r.out, "dropout test");
  EXPECT_NEAR(plain_train, 0.9750, 0.02) << r.out;
  EXPECT_NEAR(plain_test, 0.8240, 0.02) << r.out;
  EXPECT_NEAR(l2_train, 0.9000, 0.02) << r.out;
  EXPECT_NEAR(l2_test, 0.8710, 0.02) << r.out;
  EXPECT_NEAR(dropout_train, 0.9600, 0.02) << r.out;
  EXPECT_NEAR(dropout_test, 0.8460, 0.02) << r.out;
  // Regularization narrows the gap between training and test accuracy and
  // raises the test accuracy.
  EXPECT_GT(l2_test, plain_test) << r.out;
  EXPECT_LT(l2_train - l2_test, plain_train - plain_test) << r.out;
  EXPECT_GT(dropout_test, plain_test) << r.out;
  EXPECT_LT(dropout_train - dropout_test, plain_train - plain_test) << r.out;
}

TEST(Examples, CsvMlpReportsABadFile) {
  ExampleRun r = run_example("csv_mlp", "/no/such/file.csv");
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "csv_mlp: cannot open \"/no/such/file.csv\": No such file or directory\n");
}

}  // namespace
}  // namespace dagrad
