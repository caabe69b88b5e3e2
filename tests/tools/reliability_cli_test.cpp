// Issue 16's reproducers, run as a user (or an attacker) runs dagrad: every
// user error exits 2 with a message naming the file, line or flag; a
// diverging run exits 1 naming the epoch; no output file is clobbered.
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "dagrad/train.hpp"
#include "support/command.hpp"

namespace dagrad {
namespace {

namespace fs = std::filesystem;
using testing_support::read_text;
using CliRun = testing_support::CommandResult;

class ReliabilityCli : public testing_support::ScratchDirectoryTest {
 protected:
  CliRun dagrad(const std::string& arguments) {
    return testing_support::run_command(fmt::format("'{}' {}", DAGRAD_CLI, arguments), dir_);
  }
  bool mentions(const CliRun& run, const std::string& text) { return run.err.find(text) != std::string::npos; }
};

constexpr const char* one_input = R"({"name": "x", "op": "input", "shape": [1], "value": [2]})";

TEST_F(ReliabilityCli, ANumberOutOfRangeInAGraphFileNamesTheFileAndLine) {
  std::string file = write("big.json", fmt::format("{{\"dagrad\": 1,\n \"nodes\": [\n"
                                                   "  {{\"name\": \"x\", \"op\": \"input\", \"shape\": [1], "
                                                   "\"value\": [1e400]}}\n ]}}\n"));
  CliRun run = dagrad("eval '" + file + "'");
  EXPECT_EQ(run.status, 2) << run.err;
  EXPECT_TRUE(mentions(run, file + ":3:")) << run.err;
  EXPECT_TRUE(mentions(run, "number overflow parsing '1e400'")) << run.err;
}

TEST_F(ReliabilityCli, AShapeWhoseElementCountOverflowsIsRefused) {
  std::string file = write("huge.json", R"({"dagrad": 1, "nodes": [
    {"name": "x", "op": "input", "shape": [274177, 67280421310721], "value": [1]}], "outputs": ["x"]})");
  CliRun run = dagrad("eval '" + file + "'");
  EXPECT_EQ(run.status, 2) << run.err;
  EXPECT_TRUE(mentions(run, "has more elements than a tensor can hold")) << run.err;

  std::string unsigned_dim = write("minus_one.json", R"({"dagrad": 1, "nodes": [
    {"name": "x", "op": "input", "shape": [18446744073709551615], "value": [1]}], "outputs": ["x"]})");
  run = dagrad("eval '" + unsigned_dim + "'");
  EXPECT_EQ(run.status, 2) << run.err;
  EXPECT_TRUE(mentions(run, "dimensions must be non-negative integers, got the number 18446744073709551615"))
      << run.err;
}

// A small file whose shapes ask for far more memory than any machine has:
// refused before the first allocation, not ended by bad_alloc or the kernel.
TEST_F(ReliabilityCli, AGraphTooLargeForTheMachineIsRefusedBeforeRunning) {
  std::string nodes = R"({"name": "x", "op": "input", "shape": [46000, 1], "value": [1)";
  for (int i = 1; i < 46000; ++i) nodes += ",1";
  nodes += R"(]}, {"name": "t", "op": "transpose", "inputs": ["x"]},
              {"name": "y0", "op": "matmul", "inputs": ["x", "t"]})";
  for (int i = 1; i < 16; ++i) nodes += fmt::format(R"(, {{"name": "y{}", "op": "add", "inputs": ["y{}", "y0"]}})", i, i - 1);
  nodes += R"(, {"name": "loss", "op": "sum", "inputs": ["y15"]})";
  std::string file = write("huge.json", R"({"dagrad": 1, "nodes": [)" + nodes + R"(], "outputs": ["loss"]})");
  for (const char* command : {"eval", "grad"}) {
    CliRun run = dagrad(fmt::format("{} '{}'", command, file));
    EXPECT_EQ(run.status, 2) << command << ": " << run.err;
    EXPECT_TRUE(mentions(run, file + ": the graph's values")) << command << ": " << run.err;
    EXPECT_TRUE(mentions(run, "GB of memory")) << command << ": " << run.err;
  }
}

TEST_F(ReliabilityCli, DevicesAndDirectoriesAreNotInputFiles) {
  CliRun run = dagrad("eval /dev/zero");
  EXPECT_EQ(run.status, 2) << run.err;
  EXPECT_EQ(run.err, "dagrad eval: error: cannot open \"/dev/zero\": is a character device, not a regular file\n");

  run = dagrad("eval '" + dir_.string() + "'");
  EXPECT_EQ(run.status, 2) << run.err;
  EXPECT_EQ(run.err, fmt::format("dagrad eval: error: cannot open \"{}\": is a directory\n", dir_.string()));

  run = dagrad("train --epochs 1 --data '" + dir_.string() + "'");
  EXPECT_EQ(run.status, 2) << run.err;
  EXPECT_EQ(run.err, fmt::format("dagrad train: error: cannot open \"{}\": is a directory\n", dir_.string()));
}

TEST_F(ReliabilityCli, AModelTooLargeForTheMachineIsRefusedBeforeAllocating) {
  CliRun run = dagrad("train --epochs 1 --hidden 1000000000");
  EXPECT_EQ(run.status, 2) << run.err;
  EXPECT_TRUE(mentions(run, "--hidden 1000000000: the model (4000000001 parameters, layers 2-1000000000-1) needs "
                            "about"))
      << run.err;
}

TEST_F(ReliabilityCli, ANanLabelIsRejectedNamingFileAndLine) {
  std::string file = write("nan.csv", "a,b,label\n1,2,0\n2,1,nan\n3,3,1\n");
  CliRun run = dagrad("train --epochs 1 --data '" + file + "'");
  EXPECT_EQ(run.status, 2) << run.err;
  EXPECT_EQ(run.err, fmt::format("dagrad train: error: {}:3: the label \"nan\" is not a finite number; labels are "
                                 "class numbers or names\n",
                                 file));
}

TEST_F(ReliabilityCli, ADivergingRunExitsOneNamingTheEpochAndSavesNothing) {
  CliRun run = dagrad(fmt::format("train --epochs 5 --optimizer sgd --lr 1e308 --save '{}'", path("m.json")));
  EXPECT_EQ(run.status, 1) << run.out << run.err;
  EXPECT_TRUE(mentions(run, "dagrad train: training diverged at epoch 1: ")) << run.err;
  EXPECT_EQ(run.out.find("accuracy:"), std::string::npos) << run.out;
  EXPECT_FALSE(fs::exists(path("m.json")));
}

TEST_F(ReliabilityCli, SaveNonFiniteKeepsADivergedModelAndItLoadsBack) {
  CliRun run = dagrad(
      fmt::format("train --epochs 5 --optimizer sgd --lr 1e308 --save '{}' --save-non-finite", path("m.json")));
  EXPECT_EQ(run.status, 1) << run.out << run.err;
  EXPECT_TRUE(mentions(run, "dagrad train: training diverged at epoch 1: ")) << run.err;
  ASSERT_TRUE(fs::exists(path("m.json"))) << run.err;
  Model model = load_model(path("m.json"));
  EXPECT_EQ(model.graph->find("layer1/W").shape(), (Shape{2, 8}));
}

TEST_F(ReliabilityCli, SavingThroughALinkOrOntoAFifoIsRefusedWithStatusTwo) {
  std::string victim = write("victim.txt", "precious");
  fs::create_symlink(victim, path("m.json"));
  CliRun run = dagrad(fmt::format("train --epochs 1 --save '{}'", path("m.json")));
  EXPECT_EQ(run.status, 2) << run.err;
  EXPECT_TRUE(mentions(run, "it is a symbolic link")) << run.err;
  EXPECT_EQ(read_text(victim), "precious");

  ASSERT_EQ(::mkfifo(path("device").c_str(), 0600), 0);
  run = dagrad(fmt::format("train --epochs 1 --save '{}'", path("device")));
  EXPECT_EQ(run.status, 2) << run.err;
  EXPECT_TRUE(mentions(run, "it is a FIFO (named pipe), not a regular file")) << run.err;
  EXPECT_TRUE(fs::is_fifo(path("device")));

  std::string graph = write("g.json", fmt::format(R"({{"dagrad": 1, "nodes": [{}], "outputs": ["x"]}})", one_input));
  fs::create_symlink(victim, path("diagram.dot"));
  run = dagrad(fmt::format("dot '{}' -o '{}'", graph, path("diagram.dot")));
  EXPECT_EQ(run.status, 2) << run.err;
  EXPECT_TRUE(mentions(run, "it is a symbolic link")) << run.err;
  EXPECT_EQ(read_text(victim), "precious");
}

// Anomaly mode on the command line: the first node whose value or gradient
// is NaN or infinite is named, with status 1.
TEST_F(ReliabilityCli, CheckFiniteNamesTheFirstNonFiniteNode) {
  std::string file = write("nan.json", R"({"dagrad": 1, "nodes": [
    {"name": "x", "op": "input", "shape": [2], "value": [1, -1]},
    {"name": "logarithm", "op": "log", "inputs": ["x"]},
    {"name": "s", "op": "sigmoid", "inputs": ["logarithm"]},
    {"name": "loss", "op": "sum", "inputs": ["s"]}], "outputs": ["loss"]})");
  CliRun plain = dagrad("eval '" + file + "'");
  EXPECT_EQ(plain.status, 0) << plain.err;  // NaN printed, as NumPy prints it
  for (const char* command : {"eval", "grad", "gradcheck"}) {
    CliRun run = dagrad(fmt::format("{} --check-finite '{}'", command, file));
    EXPECT_EQ(run.status, 1) << command << ": " << run.out << run.err;
    EXPECT_TRUE(mentions(run, "\"logarithm\"")) << command << ": " << run.err;
  }
  CliRun train = dagrad("train --epochs 5 --optimizer sgd --lr 1e308 --check-finite");
  EXPECT_EQ(train.status, 1) << train.err;
  EXPECT_TRUE(mentions(train, "dagrad train: training diverged at epoch 1: ")) << train.err;
  EXPECT_TRUE(mentions(train, "bce_with_logits \"loss\": the first non-finite value")) << train.err;
}

}  // namespace
}  // namespace dagrad
