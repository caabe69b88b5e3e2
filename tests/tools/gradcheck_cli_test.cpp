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
  EXPECT_NE(result.out.find("checks passed (registered ops; eps 0.0001, atol 1e-05, rtol 0.001, "
                            "threshold 1e-07, seed 0)"),
            std::string::npos)
      << result.out;

  nlohmann::json json = nlohmann::json::parse(read_text(path("report.json")));
  EXPECT_EQ(json["passed"], true);
  EXPECT_EQ(json["seed"], 0);
  EXPECT_EQ(json["settings"]["eps"], 1e-4);
  EXPECT_EQ(json["settings"]["threshold"], 1e-7);
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

TEST_F(GradcheckCli, FlagsSetThePassRuleAndEveryReportEchoesThem) {
  CliRun result = run(fmt::format("--op sigmoid --eps 1e-7 --atol 1e-9 --rtol 1e-6 --threshold 2e-7 --json '{}' "
                                  "--junit '{}' -v",
                                  path("r.json"), path("r.xml")));
  ASSERT_EQ(result.status, 0) << result.out << result.err;
  std::string settings = "eps 1e-07, atol 1e-09, rtol 1e-06, threshold 2e-07";
  EXPECT_EQ(result.out.rfind(settings, 0), 0u) << result.out;  // the first line
  EXPECT_NE(result.out.find("passed (registered ops; " + settings), std::string::npos) << result.out;
  // Each verbose report (one per example) names the settings too.
  EXPECT_EQ(count(result.out, settings + " (the course's difference)"), 5u) << result.out;
  EXPECT_NE(result.out.find("difference = ||grad - gradapprox|| / (||grad|| + ||gradapprox||) = "), std::string::npos);
  nlohmann::json json = nlohmann::json::parse(read_text(path("r.json")));
  EXPECT_EQ(json["settings"]["eps"], 1e-7);
  EXPECT_EQ(json["settings"]["atol"], 1e-9);
  EXPECT_EQ(json["settings"]["rtol"], 1e-6);
  EXPECT_EQ(json["settings"]["threshold"], 2e-7);
  for (const auto& entry : json["results"]) {
    EXPECT_EQ(entry["report"]["options"]["threshold"], 2e-7);
    EXPECT_TRUE(entry["report"]["difference"].is_number());
    EXPECT_TRUE(entry["difference"].is_number());
  }
  std::string xml = read_text(path("r.xml"));
  EXPECT_NE(xml.find("<property name=\"threshold\" value=\"2e-07\"/>"), std::string::npos) << xml;
}

TEST_F(GradcheckCli, MutantsReportTheKillRatePerOp) {
  CliRun result = run(fmt::format("--mutants --op mul --op relu --json '{}'", path("m.json")));
  ASSERT_EQ(result.status, 0) << result.out << result.err;
  EXPECT_NE(result.out.find("mul: 7 of 7 mutants killed (100%)"), std::string::npos) << result.out;
  // relu has one differentiable input: slot swaps and another slot's flag do not apply.
  EXPECT_NE(result.out.find("relu: 5 of 5 mutants killed (100%)"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("not applicable: one differentiable input"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("12 of 12 mutants killed over 2 ops"), std::string::npos) << result.out;
  nlohmann::json json = nlohmann::json::parse(read_text(path("m.json")));
  EXPECT_EQ(json["passed"], true);
  ASSERT_EQ(json["ops"].size(), 2u);
  EXPECT_EQ(json["ops"][0]["op"], "mul");
  EXPECT_EQ(json["ops"][0]["kill_rate"], 1.0);
  EXPECT_EQ(json["ops"][0]["mutants"].size(), 7u);
  EXPECT_EQ(run(fmt::format("--mutants '{}'", path("m.json"))).status, 2);  // ops only, not graph files
}

TEST_F(GradcheckCli, BadUsageExitsTwo) {
  CliRun unknown_op = run("--op no_such_op");
  EXPECT_EQ(unknown_op.status, 2);
  EXPECT_NE(unknown_op.err.find("unknown op \"no_such_op\" (known ops: "), std::string::npos) << unknown_op.err;
  EXPECT_EQ(run("--no-such-flag").status, 2);
  for (const char* bad : {"--eps 0", "--eps 1", "--atol -1", "--rtol -1", "--threshold 0"}) {
    CliRun bad_option = run(fmt::format("--op sigmoid {}", bad));
    EXPECT_EQ(bad_option.status, 2) << bad;
    EXPECT_NE(bad_option.err.find("dagrad gradcheck: error: gradcheck: "), std::string::npos) << bad_option.err;
  }
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

// A plugin built out of tree (tests/tools/plugin: a small CMake project that
// needs only dagrad's headers), loaded by --plugin and DAGRAD_PLUGINS, its
// ops seen by gradcheck (ops, graph files, diagrams, mutants) and eval.
TEST_F(GradcheckCli, PluginBuiltOutOfTreeIsCheckedThroughTheCli) {
  auto shell = [&](const std::string& command) { return testing_support::run_command(command, dir_); };
  CliRun configure = shell(fmt::format("'{}' -S '{}/tests/tools/plugin' -B '{}' -G Ninja -DCMAKE_BUILD_TYPE=Release "
                                       "-DCMAKE_CXX_COMPILER='{}' -DDAGRAD_INCLUDE_DIR='{}/include'",
                                       DAGRAD_CMAKE, DAGRAD_SOURCE_DIR, path("build"), DAGRAD_CXX_COMPILER,
                                       DAGRAD_SOURCE_DIR));
  ASSERT_EQ(configure.status, 0) << configure.out << configure.err;
  CliRun build = shell(fmt::format("'{}' --build '{}'", DAGRAD_CMAKE, path("build")));
  ASSERT_EQ(build.status, 0) << build.out << build.err;
  std::string plugin = path("build/libmyops.so");
  auto dagrad = [&](const std::string& arguments) { return shell(fmt::format("'{}' {}", DAGRAD_CLI, arguments)); };

  // A correct user op passes; its mutants are all killed.
  CliRun cube = dagrad(fmt::format("--plugin '{}' gradcheck --op my_cube", plugin));
  EXPECT_EQ(cube.status, 0) << cube.out << cube.err;
  EXPECT_NE(cube.out.find("checks passed"), std::string::npos) << cube.out;
  CliRun mutants = shell(fmt::format("DAGRAD_PLUGINS='{}' '{}' gradcheck --mutants --op my_cube", plugin, DAGRAD_CLI));
  EXPECT_EQ(mutants.status, 0) << mutants.out << mutants.err;
  EXPECT_NE(mutants.out.find("my_cube: 5 of 5 mutants killed (100%)"), std::string::npos) << mutants.out;

  // A wrong one fails (exit 1) and is named; --plugin also after the command.
  CliRun wrong = dagrad(fmt::format("gradcheck --op my_square_wrong --plugin '{}' --json '{}' --junit '{}'", plugin,
                                    path("r.json"), path("r.xml")));
  EXPECT_EQ(wrong.status, 1) << wrong.out << wrong.err;
  EXPECT_NE(wrong.out.find("first wrong backward: node \"my_square_wrong\" (my_square_wrong), input 0 \"x0\""),
            std::string::npos)
      << wrong.out;
  nlohmann::json json = nlohmann::json::parse(read_text(path("r.json")));
  EXPECT_EQ(json["passed"], false);
  EXPECT_GT(json["failed"].get<int>(), 0);
  EXPECT_EQ(count(read_text(path("r.xml")), "<failure "), json["failed"].get<std::size_t>());
  EXPECT_NE(read_text(path("r.xml")).find("wrong backward in node &quot;my_square_wrong&quot; (my_square_wrong), input 0"),
            std::string::npos);

  // Graph files: eval runs the plugin's op, gradcheck draws its failing node.
  write_text(path("model.json"), R"({"dagrad": 1,
    "nodes": [{"name": "x", "op": "input", "shape": [3], "value": [1, -2, 3]},
              {"name": "cube", "op": "my_cube", "inputs": ["x"]},
              {"name": "square", "op": "my_square_wrong", "inputs": ["cube"]},
              {"name": "loss", "op": "sum", "inputs": ["square"]}],
    "outputs": ["loss"]})");
  CliRun eval = dagrad(fmt::format("--plugin '{}' eval '{}'", plugin, path("model.json")));
  EXPECT_EQ(eval.status, 0) << eval.out << eval.err;
  EXPECT_NE(eval.out.find("794"), std::string::npos) << eval.out;  // 1 + 64 + 729
  CliRun drawn = dagrad(fmt::format("--plugin '{}' gradcheck '{}' --dot '{}'", plugin, path("model.json"),
                                    path("failing.dot")));
  EXPECT_EQ(drawn.status, 1) << drawn.out << drawn.err;
  EXPECT_NE(drawn.out.find("wrong backward in node \"square\" (my_square_wrong), input 0 \"cube\""),
            std::string::npos)
      << drawn.out;
  EXPECT_NE(read_text(path("failing.dot")).find("backward FAILED for input 0"), std::string::npos);
  CliRun unknown = dagrad(fmt::format("eval '{}'", path("model.json")));  // without the plugin
  EXPECT_EQ(unknown.status, 2);
  EXPECT_NE(unknown.err.find("unknown op \"my_cube\""), std::string::npos) << unknown.err;

  // Clear errors, exit 2: a duplicate name, not a plugin, no such file.
  CliRun twice = dagrad(fmt::format("--plugin '{}' --plugin '{}' gradcheck --op my_cube", plugin,
                                    path("build/libmyops_again.so")));
  EXPECT_EQ(twice.status, 2);
  EXPECT_NE(twice.err.find(fmt::format("dagrad: error: plugin \"{}\" failed to register its ops: an op named "
                                       "\"my_cube\" is already registered",
                                       path("build/libmyops_again.so"))),
            std::string::npos)
      << twice.err;
  CliRun not_plugin = dagrad(fmt::format("--plugin '{}' gradcheck", path("build/libnot_a_plugin.so")));
  EXPECT_EQ(not_plugin.status, 2);
  EXPECT_NE(not_plugin.err.find("defines no dagrad entry point"), std::string::npos) << not_plugin.err;
  CliRun missing = dagrad(fmt::format("--plugin '{}' gradcheck", path("no_such.so")));
  EXPECT_EQ(missing.status, 2);
  EXPECT_NE(missing.err.find(fmt::format("cannot load plugin \"{}\": ", path("no_such.so"))), std::string::npos)
      << missing.err;
  CliRun from_environment = shell(fmt::format("DAGRAD_PLUGINS=':{}' '{}' gradcheck --op my_cube", path("no_such.so"),
                                              DAGRAD_CLI));
  EXPECT_EQ(from_environment.status, 2);
  EXPECT_NE(from_environment.err.find("(listed in DAGRAD_PLUGINS)"), std::string::npos) << from_environment.err;
}

}  // namespace
}  // namespace dagrad
