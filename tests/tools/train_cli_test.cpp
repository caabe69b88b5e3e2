// `dagrad train`, run as a user runs it: exit status, output and files.
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
#include "dagrad/data.hpp"
#include "dagrad/train.hpp"

namespace dagrad {
namespace {

namespace fs = std::filesystem;

using testing_support::read_text;
using testing_support::reported_accuracy;
using CliRun = testing_support::CommandResult;

class TrainCli : public testing_support::ScratchDirectoryTest {
 protected:
  CliRun run(const std::string& arguments, const std::string& subcommand = "train") {
    return testing_support::run_command(fmt::format("'{}' {} {}", DAGRAD_CLI, subcommand, arguments), dir_);
  }
};

TEST_F(TrainCli, FourTanhUnitsLearnThePlanarFlower) {
  CliRun r = run("--data planar --hidden 4 --activation tanh --seed 1");
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_GE(reported_accuracy(r.out, "train"), 0.88) << r.out;
  EXPECT_TRUE(r.out.ends_with(fmt::format("train accuracy: {:.4f}\n", reported_accuracy(r.out, "train")))) << r.out;
  EXPECT_EQ(r.err, "");  // no progress bar when output is not a terminal
}

TEST_F(TrainCli, LogisticRegressionStaysBelowSixtyPercentOnTheFlower) {
  CliRun r = run("--data planar --hidden 0 --epochs 200");
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  double accuracy = reported_accuracy(r.out, "train");
  EXPECT_GE(accuracy, 0.0) << r.out;
  EXPECT_LT(accuracy, 0.60) << r.out;
}

TEST_F(TrainCli, TheSameSeedGivesTheSameRun) {
  CliRun a = run("--data moons --epochs 30 --seed 3");
  CliRun b = run("--data moons --epochs 30 --seed 3");
  ASSERT_EQ(a.status, 0) << a.err;
  EXPECT_EQ(a.out, b.out);
}

TEST_F(TrainCli, TrainsOnCsvFilesWithATestSetAndSavesTheModel) {
  // Three classes with string labels, train and test files from two moons plus a
  // third blob; the label column is not the last.
  auto csv = [](std::int64_t points, std::uint64_t seed) {
    Dataset moons = two_moons(points, 0.1, seed);
    std::string text = "x1,kind,x2\n";
    for (std::int64_t i = 0; i < moons.size(); ++i) {
      const char* kind = moons.y[i] == 0 ? "outer" : "inner";
      text += fmt::format("{},{},{}\n", moons.x.at({i, 0}), kind, moons.x.at({i, 1}));
      if (i % 2 == 0) text += fmt::format("{},far,{}\n", 4 + moons.x.at({i, 0}) / 4, 3 + moons.x.at({i, 1}) / 4);
    }
    return text;
  };
  std::string train = write("train.csv", csv(200, 1));
  std::string test = write("test.csv", csv(100, 2));
  CliRun r = run(fmt::format("--data '{}' --test '{}' --label kind --hidden 16,8 --activation relu --epochs 200 "
                             "--save '{}'", train, test, path("model.json")));
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_GE(reported_accuracy(r.out, "train"), 0.95) << r.out;
  EXPECT_GE(reported_accuracy(r.out, "test"), 0.93) << r.out;
  EXPECT_TRUE(r.out.ends_with(fmt::format("test accuracy: {:.4f}\n", reported_accuracy(r.out, "test")))) << r.out;
  Model model = load_model(path("model.json"));
  EXPECT_EQ(model.metadata.classes, (std::vector<std::string>{"far", "inner", "outer"}));
  EXPECT_EQ(model.metadata.features, (std::vector<std::string>{"x1", "x2"}));
  EXPECT_EQ(model.metadata.label, "kind");
  EXPECT_EQ(model.graph->find("layer3/W").shape(), (Shape{8, 3}));
  ASSERT_TRUE(model.metadata.standardizer);
  EXPECT_EQ(model.metadata.standardizer->mean.shape(), (Shape{2}));
  EXPECT_EQ(model.input.shape(), (Shape{1, 2}));  // one row of zeros, not the last data it saw
  EXPECT_EQ(model.outputs[0].shape(), (Shape{1, 3}));
}

TEST_F(TrainCli, Float32TrainsToTheFloat64AccuracyWithin002) {
  // Stated margin: 0.02 train accuracy, on both built-in data sets, with
  // the default flags (the same initial draws in either dtype).
  for (const char* data : {"planar", "moons"}) {
    CliRun float64 = run(fmt::format("--data {} --epochs 300", data));
    CliRun float32 = run(fmt::format("--data {} --epochs 300 --dtype float32", data));
    ASSERT_EQ(float64.status, 0) << float64.err;
    ASSERT_EQ(float32.status, 0) << float32.err;
    EXPECT_NE(float32.out.find("epochs, seed 1, in float32\n"), std::string::npos) << float32.out;
    EXPECT_EQ(float64.out.find("float32"), std::string::npos) << float64.out;
    const double accuracy64 = reported_accuracy(float64.out, "train");
    EXPECT_GT(accuracy64, 0.85) << data << float64.out;
    EXPECT_NEAR(reported_accuracy(float32.out, "train"), accuracy64, 0.02) << data << float32.out;
  }
  CliRun bad = run("--dtype float16");
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("--dtype"), std::string::npos) << bad.err;
}

TEST_F(TrainCli, AllOptimizersRun) {
  for (std::string optimizer : {"sgd", "momentum", "adam"}) {
    CliRun r = run("--data moons --epochs 100 --lr 0.05 --batch 16 --optimizer " + optimizer);
    ASSERT_EQ(r.status, 0) << optimizer << r.err;
    EXPECT_GE(reported_accuracy(r.out, "train"), 0.85) << optimizer << r.out;
  }
}

TEST_F(TrainCli, BadFlagsExitTwoWithAMessage) {
  struct Case {
    std::string arguments;
    std::string message;
  };
  std::vector<Case> cases = {
      {"--hidden 4,x", "--hidden: \"4,x\" is not a list of positive layer sizes"},
      {"--hidden -3", "--hidden"},
      {"--activation gelu", "--activation"},
      {"--optimizer rmsprop", "--optimizer"},
      {"--epochs 0", "--epochs"},
      {"--lr -1", "--lr"},
      {"--batch 0", "--batch"},
      {"--no-such-flag", "no-such-flag"},
  };
  for (const Case& c : cases) {
    CliRun r = run(c.arguments);
    EXPECT_EQ(r.status, 2) << c.arguments << r.out << r.err;
    EXPECT_NE((r.out + r.err).find(c.message), std::string::npos) << c.arguments << ": " << r.out << r.err;
  }
}

TEST_F(TrainCli, BadFilesExitTwoNamingTheProblem) {
  CliRun missing = run(fmt::format("--data '{}'", path("missing.csv")));
  EXPECT_EQ(missing.status, 2);
  EXPECT_NE(missing.err.find("cannot open \"" + path("missing.csv") + "\""), std::string::npos) << missing.err;

  std::string no_label = write("no_label.csv", "a,b,class\n1,2,0\n2,1,1\n");
  CliRun r = run(fmt::format("--data '{}'", no_label));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("no label column named \"label\"; the columns are: a, b, class"), std::string::npos) << r.err;

  std::string bad_row = write("bad_row.csv", "a,b,label\n1,2,0\n2,x,1\n");
  r = run(fmt::format("--data '{}'", bad_row));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find(bad_row + ":3: column \"b\": \"x\" is not a number"), std::string::npos) << r.err;

  std::string one_class = write("one_class.csv", "a,label\n1,0\n2,0\n");
  r = run(fmt::format("--data '{}'", one_class));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("single class"), std::string::npos) << r.err;

  std::string train = write("train.csv", "a,b,label\n1,2,0\n2,1,1\n");
  std::string other_columns = write("test.csv", "a,c,label\n1,2,0\n");
  r = run(fmt::format("--data '{}' --test '{}' --epochs 1", train, other_columns));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("the feature columns (a, c) differ from the training data's (a, b)"), std::string::npos)
      << r.err;

  r = run(fmt::format("--epochs 1 --save '{}'", path("no/such/folder/model.json")));
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("cannot write"), std::string::npos) << r.err;
}

TEST_F(TrainCli, DemoEndsWithAShortTrainingRun) {
  CliRun r = run("", "demo");
  ASSERT_EQ(r.status, 0) << r.err;
  std::smatch match;
  ASSERT_TRUE(std::regex_search(r.out, match, std::regex("MLP 2-1 .*train accuracy (0\\.[0-9]{4})\n"))) << r.out;
  EXPECT_LT(std::stod(match[1]), 0.60);
  ASSERT_TRUE(std::regex_search(r.out, match, std::regex("MLP 2-4-1 .*train accuracy (0\\.[0-9]{4})\n"))) << r.out;
  EXPECT_GE(std::stod(match[1]), 0.88);
  EXPECT_NE(r.out.find("basic_sigmoid(1) = 0.7310585786300049"), std::string::npos);  // the exercises still come first
}

}  // namespace
}  // namespace dagrad
