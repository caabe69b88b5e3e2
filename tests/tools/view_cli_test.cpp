// `dagrad view`, `dagrad gradcheck --html` and `dagrad train --report`, run
// as a user runs them.
#include <filesystem>

#include <gtest/gtest.h>

#include "support/command.hpp"

namespace dagrad {
namespace {

using testing_support::read_text;

class ViewCli : public testing_support::ScratchDirectoryTest {
 protected:
  testing_support::CommandResult dagrad(const std::string& args) {
    return testing_support::run_command(fmt::format("'{}' {}", DAGRAD_CLI, args), dir_);
  }
  static std::string source(const std::string& relative) { return std::string(DAGRAD_SOURCE_DIR) + "/" + relative; }
};

TEST_F(ViewCli, ViewWritesOnePageWithValuesAndGradients) {
  auto run = dagrad(fmt::format("view '{}' -o '{}'", source("tools/graphs/course.json"), path("course.html")));
  ASSERT_EQ(run.status, 0) << run.err;
  std::string page = read_text(path("course.html"));
  EXPECT_EQ(page.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(page.find("<title>"), std::string::npos);
  // The first output is a scalar: backward ran, so x (an input) has a gradient.
  EXPECT_NE(page.find("\"name\":\"x\""), std::string::npos);
  EXPECT_NE(page.find("\"grad\":{"), std::string::npos);
  // Nothing is fetched at view time.
  EXPECT_EQ(page.find("http://"), page.find("http://www.w3.org"));
  EXPECT_EQ(page.find("https://"), std::string::npos);
}

TEST_F(ViewCli, ViewOfAMissingFileIsAUsageError) {
  auto run = dagrad(fmt::format("view '{}' -o '{}'", path("missing.json"), path("out.html")));
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.err.find("missing.json"), std::string::npos) << run.err;
  EXPECT_FALSE(std::filesystem::exists(path("out.html")));
}

TEST_F(ViewCli, GradcheckWritesTheViewWithItsResults) {
  // A correct graph passes even at a coarse step (the checker's error
  // estimate covers it); the page carries the check's results either way.
  // A failing check drawn red is ViewInBrowser.FailedGradientCheckIsRed...
  auto run = dagrad(fmt::format("gradcheck '{}' --eps 0.5 --html '{}'", source("tools/graphs/course.json"),
                                path("check.html")));
  EXPECT_EQ(run.status, 0) << run.out;
  std::string page = read_text(path("check.html"));
  EXPECT_NE(page.find("\"gradcheck\":{\"output\":\"loss\",\"passed\":true}"), std::string::npos);
  EXPECT_EQ(page.find("\"passed\":false"), std::string::npos);
}

TEST_F(ViewCli, TrainWritesAReportAndItsCharts) {
  auto run = dagrad(fmt::format("train --data moons --hidden 3 --epochs 4 --report '{}'", path("run.html")));
  ASSERT_EQ(run.status, 0) << run.err;
  std::string page = read_text(path("run.html"));
  EXPECT_NE(page.find("Loss per epoch"), std::string::npos);
  EXPECT_NE(page.find("Decision boundary"), std::string::npos);
  EXPECT_NE(page.find("data: moons (400 examples, 2 features, 2 classes)"), std::string::npos);
  for (const char* chart : {"run-loss.svg", "run-accuracy.svg", "run-boundary.svg"}) {
    EXPECT_EQ(read_text(path(chart)).rfind("<svg", 0), 0u) << chart;
  }
  // 4 epochs: 4 points on the train loss line.
  std::string loss = read_text(path("run-loss.svg"));
  auto points = loss.substr(loss.find("points=\""));
  points = points.substr(8, points.find('"', 8) - 8);
  EXPECT_EQ(std::count(points.begin(), points.end(), ','), 4);
}

}  // namespace
}  // namespace dagrad
