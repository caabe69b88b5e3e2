// `dagrad gradcheck`, run as a user runs it: the built program, its exit
// status, its terminal output and its report files.
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "dagrad/dagrad.hpp"
#include "support/command.hpp"

namespace dagrad {
namespace {

namespace fs = std::filesystem;

using testing_support::read_text;
using CliRun = testing_support::CommandResult;

class GradcheckCli : public testing_support::ScratchDirectoryTest {
 protected:
  CliRun run(const std::string& arguments) {
    return testing_support::run_command(fmt::format("'{}' gradcheck {}", DAGRAD_CLI, arguments), dir_);
  }
};

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
  return n;
}

TEST_F(GradcheckCli, ChecksEveryRegisteredOpAndWritesJsonAndJunit) {
  CliRun result = run(fmt::format("--json '{}' --junit '{}'", path("report.json"), path("report.xml")));
  ASSERT_EQ(result.status, 0) << result.out << result.err;
  EXPECT_NE(result.out.find("max rel error"), std::string::npos);
  EXPECT_NE(result.out.find("checks passed (registered ops, seed 0)"), std::string::npos) << result.out;

  nlohmann::json json = nlohmann::json::parse(read_text(path("report.json")));
  EXPECT_EQ(json["passed"], true);
  EXPECT_EQ(json["seed"], 0);
  EXPECT_EQ(json["failed"], 0);
  std::set<std::string> ops_in_report;
  for (const auto& entry : json["results"]) {
    ASSERT_TRUE(entry.contains("op"));
    ops_in_report.insert(entry["op"].get<std::string>());
    EXPECT_EQ(entry["passed"], true);
    EXPECT_TRUE(entry["report"]["leaves"].is_array());
  }
  // Every op file in ops/ (the built-in ops; this test process may have
  // registered test ops of its own, which the program does not have).
  std::set<std::string> op_files;
  for (const auto& entry : fs::directory_iterator(fs::path(DAGRAD_SOURCE_DIR) / "ops")) {
    if (entry.path().extension() == ".cpp") op_files.insert(entry.path().stem().string());
  }
  EXPECT_EQ(ops_in_report, op_files);
  for (const std::string& name : op_files) EXPECT_NE(result.out.find(name + " "), std::string::npos) << name;

  std::string xml = read_text(path("report.xml"));
  EXPECT_EQ(xml.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites ", 0), 0u);
  std::smatch tests;
  ASSERT_TRUE(std::regex_search(xml, tests, std::regex("<testsuite name=\"gradcheck\" tests=\"(\\d+)\" failures=\"0\"")));
  std::size_t testcases = count(xml, "<testcase ");
  EXPECT_EQ(std::stoul(tests[1]), testcases);
  EXPECT_EQ(testcases, json["results"].size());
  EXPECT_EQ(count(xml, "<testsuite "), 1u);
  EXPECT_EQ(count(xml, "</testsuite>"), 1u);
  EXPECT_EQ(count(xml, "</testsuites>"), 1u);
  EXPECT_EQ(count(xml, "<failure"), 0u);
  // Only the two reports are left: the temporary files were renamed.
  std::set<std::string> files;
  for (const auto& entry : fs::directory_iterator(dir_)) files.insert(entry.path().filename().string());
  EXPECT_EQ(files, (std::set<std::string>{"report.json", "report.xml"}));
}

TEST_F(GradcheckCli, OneOpAndItsSeed) {
  CliRun result = run(fmt::format("--op sigmoid --seed 42 --json '{}'", path("sigmoid.json")));
  ASSERT_EQ(result.status, 0) << result.out << result.err;
  nlohmann::json json = nlohmann::json::parse(read_text(path("sigmoid.json")));
  EXPECT_EQ(json["seed"], 42);
  ASSERT_GE(json["results"].size(), 5u);  // at least the five standard shapes
  for (const auto& entry : json["results"]) EXPECT_EQ(entry["op"], "sigmoid");
  EXPECT_EQ(json["results"][0]["shape"], "(1, 1)");
  EXPECT_EQ(result.out.find("softmax"), std::string::npos);
}

TEST_F(GradcheckCli, AFailingCheckExitsOneAndIsReported) {
  // A huge step makes central differences of sigmoid inaccurate: the check must fail.
  CliRun result = run(fmt::format("--op sigmoid --eps 0.5 --json '{}' --junit '{}'", path("r.json"), path("r.xml")));
  EXPECT_EQ(result.status, 1) << result.out << result.err;
  EXPECT_NE(result.out.find("FAILED"), std::string::npos);
  EXPECT_NE(result.out.find("first wrong backward: node \"sigmoid\" (op sigmoid)"), std::string::npos) << result.out;
  nlohmann::json json = nlohmann::json::parse(read_text(path("r.json")));
  EXPECT_EQ(json["passed"], false);
  EXPECT_GT(json["failed"].get<int>(), 0);
  std::string xml = read_text(path("r.xml"));
  EXPECT_EQ(count(xml, "<failure "), json["failed"].get<std::size_t>());
}

TEST_F(GradcheckCli, BadUsageExitsTwo) {
  CliRun unknown_op = run("--op no_such_op");
  EXPECT_EQ(unknown_op.status, 2);
  EXPECT_NE(unknown_op.err.find("unknown op \"no_such_op\" (known ops: "), std::string::npos) << unknown_op.err;
  EXPECT_EQ(run("--no-such-flag").status, 2);
  CliRun bad_eps = run("--op sigmoid --eps 0");
  EXPECT_EQ(bad_eps.status, 2);
  EXPECT_NE(bad_eps.err.find("eps must be a finite number > 0"), std::string::npos) << bad_eps.err;
  EXPECT_EQ(run(fmt::format("'{}'", path("missing.json"))).status, 2);
  // A report that cannot be written: exit 2, and no partial file.
  CliRun unwritable = run(fmt::format("--op sigmoid --json '{}'", path("no/such/dir/r.json")));
  EXPECT_EQ(unwritable.status, 2);
  EXPECT_NE(unwritable.err.find("no/such/dir/r.json"), std::string::npos) << unwritable.err;
  EXPECT_FALSE(fs::exists(path("no")));
}

void write_text(const std::string& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

TEST_F(GradcheckCli, ChecksAGraphFileEndToEndAndNodeByNode) {
  // Two outputs: a scalar loss and a non-scalar one (checked with a random seed gradient).
  write_text(path("model.json"), R"({
    "dagrad": 1,
    "nodes": [
      {"name": "x", "op": "input", "shape": [2, 3], "value": [1, -2, 3, 0.5, 5, -6]},
      {"name": "w", "op": "parameter", "shape": [2, 3], "value": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]},
      {"name": "h", "op": "relu", "inputs": ["x"]},
      {"name": "p", "op": "softmax", "inputs": ["h"]},
      {"name": "loss", "op": "l2", "inputs": ["p", "w"]}
    ],
    "outputs": ["loss", "p"]
  })");
  CliRun result = run(fmt::format("'{}' --json '{}'", path("model.json"), path("model_report.json")));
  ASSERT_EQ(result.status, 0) << result.out << result.err;
  EXPECT_NE(result.out.find("gradcheck of \"loss\": passed"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("gradcheck of \"p\": passed"), std::string::npos) << result.out;
  nlohmann::json json = nlohmann::json::parse(read_text(path("model_report.json")));
  ASSERT_EQ(json["results"].size(), 2u);
  EXPECT_EQ(json["results"][0]["op"], "l2");
  EXPECT_EQ(json["results"][1]["op"], "softmax");
  const auto& loss = json["results"][0]["report"];
  ASSERT_EQ(loss["leaves"].size(), 2u);
  EXPECT_EQ(loss["leaves"][0]["name"], "x");
  EXPECT_EQ(loss["leaves"][1]["name"], "w");
  ASSERT_EQ(loss["nodes"].size(), 4u);  // relu, softmax, and l2's two inputs
  EXPECT_EQ(loss["nodes"][0]["op"], "relu");

  write_text(path("constants.json"), R"({"dagrad": 1,
    "nodes": [{"name": "c", "op": "constant", "shape": [2], "value": [1, 2]},
              {"name": "s", "op": "sigmoid", "inputs": ["c"]},
              {"name": "loss", "op": "l2", "inputs": ["s", "c"]}],
    "outputs": ["loss"]})");
  CliRun constants = run(fmt::format("'{}'", path("constants.json")));
  EXPECT_EQ(constants.status, 2);
  EXPECT_NE(constants.err.find("depends on no input or parameter"), std::string::npos) << constants.err;

  write_text(path("broken.json"), "{\"dagrad\": 1, \"nodes\": [");
  CliRun broken = run(fmt::format("'{}'", path("broken.json")));
  EXPECT_EQ(broken.status, 2);
  EXPECT_NE(broken.err.find("broken.json"), std::string::npos) << broken.err;
  EXPECT_EQ(run(fmt::format("'{}' --op sigmoid", path("model.json"))).status, 2);  // a file or ops, not both
  EXPECT_EQ(run(fmt::format("--dot '{}'", path("ops.svg"))).status, 2);  // diagrams need a graph file
  EXPECT_EQ(run(fmt::format("'{}' --dot '{}'", path("model.json"), path("model.txt"))).status, 2);
}

TEST_F(GradcheckCli, DrawsTheFailingNodesOfAGraphFile) {
  write_text(path("model.json"), R"({"dagrad": 1,
    "nodes": [{"name": "x", "op": "input", "shape": [3], "value": [1, -2, 3]},
              {"name": "s", "op": "sigmoid", "inputs": ["x"]},
              {"name": "loss", "op": "sum", "inputs": ["s"]}],
    "outputs": ["loss"]})");
  CliRun passing = run(fmt::format("'{}' --dot '{}'", path("model.json"), path("passing.dot")));
  ASSERT_EQ(passing.status, 0) << passing.out << passing.err;
  EXPECT_EQ(read_text(path("passing.dot")).find("FAILED"), std::string::npos);
  // A step of 0.5 makes sigmoid's finite differences inaccurate: its node fails and is drawn so.
  CliRun failing = run(fmt::format("'{}' --eps 0.5 --dot '{}'", path("model.json"), path("failing.dot")));
  ASSERT_EQ(failing.status, 1) << failing.out << failing.err;
  EXPECT_NE(read_text(path("failing.dot")).find("backward FAILED for input 0"), std::string::npos);
}

}  // namespace
}  // namespace dagrad
