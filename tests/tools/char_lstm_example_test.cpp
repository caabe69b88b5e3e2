// tools/examples/char_lstm.cpp, run as built on the shipped text: the loss
// falls from ln(vocabulary) to below the stated figure, in float64 and in
// float32, and the program samples text.
#include <unistd.h>

#include <filesystem>
#include <regex>

#include <gtest/gtest.h>

#include "dagrad/dagrad.hpp"
#include "support/command.hpp"

namespace dagrad {
namespace {

namespace fs = std::filesystem;

testing_support::CommandResult run_char_lstm(const std::string& extra) {
  fs::path dir = fs::path(::testing::TempDir()) / fmt::format("dagrad_char_lstm_{}", ::getpid());
  fs::create_directories(dir);
  auto result = testing_support::run_command(
      fmt::format("'{}/char_lstm' '{}/tools/data/alice_chapter1.txt' {}", DAGRAD_EXAMPLES_DIR, DAGRAD_SOURCE_DIR, extra),
      dir);
  fs::remove_all(dir);
  return result;
}

double final_loss(const std::string& out) {
  std::smatch match;
  if (!std::regex_search(out, match, std::regex(R"(final loss: ([0-9.]+) nats)"))) return -1;
  return std::stod(match[1]);
}

// The stated figure (README): below 1.9 nats per character after 500 steps,
// from ln(vocabulary) = 3.9 for uniform guessing.
constexpr double stated_loss = 1.9;

TEST(CharLstmExample, LossFallsBelowTheStatedFigureAndItSamples) {
  auto r = run_char_lstm("");
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_GT(final_loss(r.out), 0.0) << r.out;
  EXPECT_LT(final_loss(r.out), stated_loss) << r.out;
  const auto sample = r.out.find("sample:\nAlice was beginning to get very ");
  ASSERT_NE(sample, std::string::npos) << r.out;
  EXPECT_GE(r.out.size() - sample, 300u) << r.out;
}

TEST(CharLstmExample, Float32TrainsAsWell) {
  auto r = run_char_lstm("--float32");
  ASSERT_EQ(r.status, 0) << r.out << r.err;
  EXPECT_GT(final_loss(r.out), 0.0) << r.out;
  EXPECT_LT(final_loss(r.out), stated_loss) << r.out;
}

TEST(CharLstmExample, ReportsAMissingFile) {
  fs::path dir = fs::path(::testing::TempDir());
  auto r = testing_support::run_command(fmt::format("'{}/char_lstm' /no/such/text.txt", DAGRAD_EXAMPLES_DIR), dir);
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "char_lstm: cannot open \"/no/such/text.txt\": No such file or directory\n");
}

}  // namespace
}  // namespace dagrad
