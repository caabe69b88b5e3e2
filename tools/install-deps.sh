#!/usr/bin/env bash
# Installs the Debian 12 packages dagrad builds and tests with, only if one
# is missing (so a machine that has them all needs no network and no root).
# Usage: tools/install-deps.sh [--bench]   (--bench adds LibTorch, for the
# LibTorch column of the benchmark comparison only)
set -euo pipefail

packages=(
  cmake ninja-build g++ pkg-config git ccache
  libeigen3-dev libfmt-dev libgtest-dev
  nlohmann-json3-dev libcli11-dev libbenchmark-dev
  libgraphviz-dev graphviz python3-numpy chromium
  libonnx-dev libprotobuf-dev python3-onnx nodejs
)
# The machine's Node.js may bring its own npm (a package that conflicts with Debian's).
if ! command -v npm >/dev/null; then packages+=(npm); fi
# tools/ci-checks.sh: the fuzz targets build with clang and its libFuzzer runtime.
packages+=(clang libclang-rt-14-dev)
if [[ "${1:-}" == "--bench" ]]; then packages+=(libtorch-dev valgrind libopenblas0-pthread); fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

# ONNX Runtime for the ONNX tests (tests/core/onnx): the npm package ships its
# CPU binaries; --ignore-scripts skips its post-install download.
install_onnxruntime() {
  local dir
  dir="$(cd "$(dirname "$0")/.." && pwd)/tests/core/onnx"
  if [[ ! -e "$dir/node_modules/onnxruntime-node/package.json" ]]; then
    (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
  fi
}

if [[ ${#missing[@]} -eq 0 ]]; then install_onnxruntime; exit 0; fi

echo "installing: ${missing[*]}"
sudo=""
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null; then sudo="sudo"; else
    echo "error: these packages are missing and installing them needs root: ${missing[*]}" >&2
    exit 2
  fi
fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
install_onnxruntime
