// `dagrad hessian`, run as a user runs it, against the stored reference of
// tests/tools/hessian_reference.py (high-precision finite differences of an
// independent forward pass), committed as tests/tools/hessian_reference.json.
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/command.hpp"

namespace dagrad {
namespace {

namespace fs = std::filesystem;

fs::path scratch() {
  static fs::path dir = [] {
    fs::path d = fs::temp_directory_path() / fmt::format("dagrad_hessian_cli_test_{}", ::getpid());
    fs::remove_all(d);
    fs::create_directories(d);
    return d;
  }();
  return dir;
}

testing_support::CommandResult dagrad_cli(const std::string& args) {
  return testing_support::run_command(fmt::format("'{}' {}", DAGRAD_CLI, args), scratch());
}

nlohmann::json reference() {
  std::ifstream in(std::string(DAGRAD_SOURCE_DIR) + "/tests/tools/hessian_reference.json");
  return nlohmann::json::parse(in);
}

// Agreement per element: 1e-9 relative, or 1e-12 of the block's largest
// magnitude for entries that cancel to nearly zero (as grad_reference.py).
void expect_hessians_agree(const nlohmann::json& expected, const nlohmann::json& got, const std::string& file) {
  ASSERT_EQ(got.at("hessian").size(), expected.at("hessian").size()) << file;
  for (const auto& [a, row] : expected.at("hessian").items()) {
    for (const auto& [b, block] : row.items()) {
      SCOPED_TRACE(fmt::format("{}: d2/d{} d{}", file, a, b));
      const nlohmann::json& mine = got.at("hessian").at(a).at(b);
      ASSERT_EQ(mine.at("shape"), block.at("shape"));
      const auto& want = block.at("value");
      const auto& have = mine.at("value");
      ASSERT_EQ(have.size(), want.size());
      double largest = 0;
      for (const auto& v : want) largest = std::max(largest, std::abs(v.get<double>()));
      for (std::size_t k = 0; k < want.size(); ++k) {
        const double w = want[k].get<double>(), h = have[k].get<double>();
        EXPECT_LE(std::abs(w - h), std::max(1e-9 * std::max(std::abs(w), std::abs(h)), 1e-12 * largest))
            << "element " << k << ": dagrad " << h << ", reference " << w;
      }
    }
  }
}

TEST(HessianCli, CourseGraphsAgreeWithTheHighPrecisionReference) {
  const nlohmann::json stored = reference();
  const std::vector<std::string> files = {"tools/graphs/course.json", "tools/graphs/losses.json",
                                          "tests/tools/graphs/image_pipeline.json",
                                          "tests/tools/graphs/shared_paths.json"};
  ASSERT_EQ(stored.size(), files.size());
  for (const std::string& file : files) {
    auto run = dagrad_cli(fmt::format("hessian '{}/{}' --json", DAGRAD_SOURCE_DIR, file));
    ASSERT_EQ(run.status, 0) << run.err;
    expect_hessians_agree(stored.at(fs::path(file).filename().string()), nlohmann::json::parse(run.out), file);
  }
}

TEST(HessianCli, WrtPicksTheLeavesAndATextRunPrintsEachBlock) {
  auto run = dagrad_cli(fmt::format("hessian '{}/tests/tools/graphs/image_pipeline.json' --wrt w", DAGRAD_SOURCE_DIR));
  ASSERT_EQ(run.status, 0) << run.err;
  // loss = sum((s - w)^2) is 2 I in w.
  EXPECT_NE(run.out.find("d2loss/dw dw: shape (3, 6, 3, 6)"), std::string::npos) << run.out;
  EXPECT_EQ(run.out.find("dimage"), std::string::npos) << run.out;
}

TEST(HessianCli, ANonScalarFirstOutputIsAUserError) {
  fs::path file = scratch() / "vector.json";
  std::ofstream(file) << R"({"dagrad": 1, "nodes": [{"name": "x", "op": "input", "shape": [2], "value": [1, 2]},
    {"name": "e", "op": "exp", "inputs": ["x"]}], "outputs": ["e"]})";
  auto run = dagrad_cli(fmt::format("hessian '{}'", file.string()));
  EXPECT_EQ(run.status, 2);
  EXPECT_NE(run.err.find("the first output \"e\" has shape (2,), not a scalar"), std::string::npos) << run.err;
}

}  // namespace
}  // namespace dagrad
