#!/usr/bin/env bash
# The README's Quick start: installs what is missing, builds, then runs the
# demo or the whole test suite.
# Usage: tools/quickstart.sh demo | test
set -euo pipefail
cd "$(dirname "$0")/.."

what="${1:-}"
if [[ "$what" != "demo" && "$what" != "test" ]]; then
  echo "usage: tools/quickstart.sh demo | test" >&2
  exit 2
fi
tools/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release
if [[ "$what" == "demo" ]]; then
  exec build/release/bin/dagrad demo
else
  exec ctest --preset release
fi
