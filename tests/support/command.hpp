// Running programs the way a user does, for the tests of tools/: a shell
// command line, its exit status and everything it printed.
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <string>

#include <fmt/format.h>
#include <gtest/gtest.h>

namespace dagrad::testing_support {

struct CommandResult {
  int status = -1;  // exit status, or -1 when the program did not exit normally
  std::string out, err;
};

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Runs `command_line` in a shell, its stdout and stderr captured through
// files in `scratch` (which must exist).
inline CommandResult run_command(const std::string& command_line, const std::filesystem::path& scratch) {
  std::filesystem::path out = scratch / "stdout.txt", err = scratch / "stderr.txt";
  std::string command = fmt::format("{} > '{}' 2> '{}' < /dev/null", command_line, out.string(), err.string());
  int raw = std::system(command.c_str());
  CommandResult result;
  result.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  result.out = read_text(out);
  result.err = read_text(err);
  std::filesystem::remove(out);
  std::filesystem::remove(err);
  return result;
}

// A fresh directory for each test (per process: ctest runs tests in
// parallel), removed afterwards.
class ScratchDirectoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::path(::testing::TempDir()) /
           fmt::format("dagrad_{}_{}_{}", info->test_suite_name(), info->name(), ::getpid());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path(name), std::ios::binary) << text;
    return path(name);
  }

  std::filesystem::path dir_;
};

// The number after "<what> accuracy: " on a line of its own, or -1.
inline double reported_accuracy(const std::string& out, const std::string& what) {
  std::smatch match;
  std::regex line("(^|\n)" + what + " accuracy: (0\\.[0-9]{4}|1\\.0000)\n");
  if (!std::regex_search(out, match, line)) return -1;
  return std::stod(match[2]);
}

}  // namespace dagrad::testing_support
