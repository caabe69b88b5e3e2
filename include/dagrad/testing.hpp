// GoogleTest assertions for gradient checks (header-only; include it in a
// test program that links GTest):
//
//   EXPECT_GRADIENTS_OK(graph, loss, {x, W});           // chosen leaves
//   EXPECT_GRADIENTS_OK(graph, loss);                   // every input and parameter
//   ASSERT_GRADIENTS_OK(graph, loss, {W}, options);     // with GradcheckOptions
//   EXPECT_OP_GRADIENTS_OK("softmax");                  // a registered op at all its examples
//   EXPECT_OP_MUTANTS_KILLED("my_op");                  // the checker catches every broken backward of it
//
// On failure the whole report is printed: the leaves' errors, and every node
// whose backward disagrees with finite differences, earliest first.
#pragma once

#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "dagrad/gradcheck.hpp"

namespace dagrad::test {

inline ::testing::AssertionResult report_result(const GradcheckReport& report) {
  if (report.passed()) return ::testing::AssertionSuccess() << report.to_string();
  return ::testing::AssertionFailure() << report.to_string();
}

inline ::testing::AssertionResult gradients_ok(Graph& graph, Expr output, std::span<const Expr> wrt,
                                               const GradcheckOptions& options = {}) {
  return report_result(gradcheck(graph, output, wrt, options));
}
inline ::testing::AssertionResult gradients_ok(Graph& graph, Expr output, std::initializer_list<Expr> wrt,
                                               const GradcheckOptions& options = {}) {
  return report_result(gradcheck(graph, output, wrt, options));
}
inline ::testing::AssertionResult gradients_ok(Graph& graph, Expr output, const GradcheckOptions& options = {}) {
  return report_result(gradcheck(graph, output, options));
}

// Every example the op's OpInfo offers (drawn from options.seed) must pass.
inline ::testing::AssertionResult op_gradients_ok(std::string_view op_name, const GradcheckOptions& options = {}) {
  std::vector<OpExampleCheck> checks = gradcheck_op(op_name, options);
  std::string failures;
  int failed = 0;
  for (const OpExampleCheck& check : checks) {
    if (check.passed()) continue;
    ++failed;
    failures += fmt::format("\n{} at {}:\n{}", check.op, check.description, check.report.to_string());
  }
  if (checks.empty()) return ::testing::AssertionFailure() << "op " << op_name << " offers no examples to check";
  if (failed == 0) {
    return ::testing::AssertionSuccess() << op_name << ": " << checks.size() << " examples passed";
  }
  return ::testing::AssertionFailure() << op_name << ": " << failed << " of " << checks.size()
                                       << " examples fail the gradient check" << failures;
}

// Every mutant of the op's backward (see Mutation) that changes what it
// writes must fail one of its examples, and the real op must pass them all.
inline ::testing::AssertionResult op_mutants_killed(std::string_view op_name, const GradcheckOptions& options = {}) {
  OpMutantReport report = mutant_check_op(op_name, options);
  if (report.kill_rate() == 1.0 && report.correct_failures.empty()) {
    return ::testing::AssertionSuccess() << to_string(report);
  }
  return ::testing::AssertionFailure() << to_string(report);
}

}  // namespace dagrad::test

// EXPECT_GRADIENTS_OK(graph, output [, {leaves...}] [, options])
#define EXPECT_GRADIENTS_OK(graph, ...) EXPECT_TRUE(::dagrad::test::gradients_ok(graph, __VA_ARGS__))
#define ASSERT_GRADIENTS_OK(graph, ...) ASSERT_TRUE(::dagrad::test::gradients_ok(graph, __VA_ARGS__))
// EXPECT_OP_GRADIENTS_OK("op_name" [, options])
#define EXPECT_OP_GRADIENTS_OK(...) EXPECT_TRUE(::dagrad::test::op_gradients_ok(__VA_ARGS__))
#define ASSERT_OP_GRADIENTS_OK(...) ASSERT_TRUE(::dagrad::test::op_gradients_ok(__VA_ARGS__))
// EXPECT_OP_MUTANTS_KILLED("op_name" [, options])
#define EXPECT_OP_MUTANTS_KILLED(...) EXPECT_TRUE(::dagrad::test::op_mutants_killed(__VA_ARGS__))
