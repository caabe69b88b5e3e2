#!/usr/bin/env bash
# The README's Quick start: installs what is missing, builds, then runs the
# demo or the whole test suite.
# Usage: tools/quickstart.sh demo | test
#   demo  builds the library and the dagrad program only, then runs `dagrad demo`
#   test  builds everything (tests, examples, benchmark) and runs ctest
# The build is the `release` preset: optimized for this machine's CPU
# (DAGRAD_NATIVE, on by default for a build from source).
set -euo pipefail
cd "$(dirname "$0")/.."

what="${1:-}"
if [[ "$what" != "demo" && "$what" != "test" ]]; then
  echo "usage: tools/quickstart.sh demo | test" >&2
  exit 2
fi
tools/install-deps.sh
cmake --preset release >/dev/null
if [[ "$what" == "demo" ]]; then
  cmake --build --preset release --target dagrad_cli
  exec build/release/bin/dagrad demo
else
  cmake --build --preset release
  exec ctest --preset release
fi
