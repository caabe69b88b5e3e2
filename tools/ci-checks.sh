#!/usr/bin/env bash
# CI's reliability checks, run by .ci/run after the README's test command:
#   1. the whole test suite under AddressSanitizer + UndefinedBehaviorSanitizer
#      (the `sanitize` preset: clang++, which also builds the libFuzzer targets
#      of tests/fuzz and replays each one's corpus as a test);
#   2. the concurrency test under ThreadSanitizer (the `tsan` preset, that
#      test only);
#   3. each libFuzzer target for a fixed time, from the same sanitize build,
#      starting from its corpus in tests/fuzz/corpus/<target>/.
# Any failure stops the script with a non-zero status. A fuzzer's crash input
# is written to build/sanitize/crash-<target>-*: add it to the target's corpus
# with the fix, so it stays a regression test (ctest replays every corpus).
#
# Usage: tools/ci-checks.sh [sanitize|tsan|fuzz]...   (default: all three)
#   DAGRAD_FUZZ_SECONDS=60   time per fuzz target
#
# Time: with the release build and tests before it, all of .ci/run must fit
# in CI's 90 minutes on 2 cores. One sanitizer build serves the suite and the
# fuzzers (a separate fuzz build compiled the library twice); the timings
# measured end to end are in README's "Sanitizers and fuzzing".
set -euo pipefail
cd "$(dirname "$0")/.."

fuzz_seconds="${DAGRAD_FUZZ_SECONDS:-60}"
fuzz_targets=(graph_file csv parameter_file tensor_printer)
steps=("$@")
if [[ ${#steps[@]} -eq 0 ]]; then steps=(sanitize tsan fuzz); fi

# Graphviz keeps a few process-lifetime allocations (tests/lsan.supp); UB is
# an error, not a warning.
export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

section() { printf '\n==== %s (%s)\n' "$1" "$(date -u +%H:%M:%S)"; }

for step in "${steps[@]}"; do
  case "$step" in
    sanitize)
      section "sanitize: the test suite under ASan + UBSan"
      # The package tests (an install and consumers built against it) test
      # packaging, not memory safety: the release run has them.
      cmake --preset sanitize -DDAGRAD_INSTALL=OFF
      cmake --build --preset sanitize
      ctest --preset sanitize
      ;;
    tsan)
      section "tsan: the concurrency test under ThreadSanitizer"
      cmake --preset tsan -DDAGRAD_INSTALL=OFF -DDAGRAD_BUILD_TOOLS=OFF
      cmake --build --preset tsan --target dagrad_concurrency_tests
      TSAN_OPTIONS="halt_on_error=1" ctest --preset tsan -R '^Concurrency\.'
      ;;
    fuzz)
      section "fuzz: ${#fuzz_targets[@]} libFuzzer targets, ${fuzz_seconds} s each, under ASan + UBSan"
      # The sanitize step's build when it ran first; on its own, the library
      # and the four targets only.
      cmake --preset sanitize -DDAGRAD_INSTALL=OFF
      cmake --build --preset sanitize --target "${fuzz_targets[@]/#/fuzz_}"
      for target in "${fuzz_targets[@]}"; do
        # New inputs the fuzzer finds go to a scratch directory, not into the
        # repository; the corpus is only read.
        scratch=$(mktemp -d)
        section "fuzz_${target}"
        build/sanitize/tests/fuzz/"fuzz_${target}" -max_total_time="$fuzz_seconds" -timeout=10 -rss_limit_mb=2048 \
          -print_final_stats=1 -artifact_prefix="build/sanitize/crash-${target}-" "$scratch" "tests/fuzz/corpus/${target}"
        rm -rf "$scratch"
      done
      ;;
    *)
      echo "usage: $0 [sanitize|tsan|fuzz]..." >&2
      exit 2
      ;;
  esac
done
section "reliability checks passed"
