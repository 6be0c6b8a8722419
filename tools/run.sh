#!/usr/bin/env bash
# SPDX-License-Identifier: BSL-1.0
# Defines the two commands of the README:
#   bash tools/run.sh example   build and run the flagship example (g++, Release)
#   bash tools/run.sh test      build and test with g++, clang++-14 and g++ + ASan/UBSan
# Missing Debian packages are installed first (as root, or through sudo).
set -euo pipefail

# The ONE list of Debian packages typenet needs to build, test and benchmark.
PACKAGES=(
  cmake ninja-build g++ clang-14
  libboost-dev libboost-test-dev libxsimd-dev xtl-dev libeigen3-dev libbenchmark-dev zlib1g-dev
  time  # /usr/bin/time: the compile-cost guard (ctest -L compile_cost) and benchmarks/compile_cost.sh
  python3-numpy python3-torch
  libtorch-dev libopenblas0-pthread dataset-fashion-mnist
)
# The flagship examples, run in this order: examples/<name>.cpp -> target typenet_example_<name>.
# Keep in sync with the "example" build preset in CMakePresets.json.
# depth_study writes its chart and table into build/gcc/depth_study/.
FLAGSHIP=(01_expressions mlp_basics depth_study)
# The configurations `test` runs, in order; each is a workflow preset in CMakePresets.json.
TEST_WORKFLOWS=(gcc clang sanitize)

cd "$(dirname "${BASH_SOURCE[0]}")/.."

usage() {
  echo "usage: bash tools/run.sh example|test" >&2
  exit 2
}

ensure_packages() {
  local missing=() pkg
  for pkg in "${PACKAGES[@]}"; do
    if [[ "$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)" != "install ok installed" ]]; then
      missing+=("$pkg")
    fi
  done
  ((${#missing[@]} == 0)) && return 0

  local cmd="apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${missing[*]}"
  if ((EUID == 0)); then
    echo "run.sh: installing missing Debian packages: ${missing[*]}"
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
  elif command -v sudo >/dev/null 2>&1; then
    echo "run.sh: installing missing Debian packages with sudo: ${missing[*]}"
    sudo apt-get update
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
  else
    echo "run.sh: these Debian packages are missing: ${missing[*]}" >&2
    echo "run.sh: install them as root with:" >&2
    echo "  $cmd" >&2
    exit 1
  fi
}

run_example() {
  cmake --workflow --preset example
  local name exe
  for name in "${FLAGSHIP[@]}"; do
    exe="build/gcc/examples/typenet_example_${name}"
    echo "run.sh: running ${exe}"
    if [[ "$name" == depth_study ]]; then
      "$exe" build/gcc/depth_study
    else
      "$exe"
    fi
  done
}

run_tests() {
  local start=$SECONDS preset t0 passed=()
  for preset in "${TEST_WORKFLOWS[@]}"; do
    echo "run.sh: === configuration '${preset}': configure, build, test ==="
    t0=$SECONDS
    if ! cmake --workflow --preset "$preset"; then
      echo "run.sh: FAILED in configuration '${preset}' (build dir build/${preset});" \
           "passed before it: ${passed[*]:-none}" >&2
      exit 1
    fi
    passed+=("${preset}($((SECONDS - t0))s)")
  done
  echo "run.sh: all configurations passed: ${passed[*]} in $((SECONDS - start))s"
}

(($# == 1)) || usage
case "$1" in
  example) ensure_packages; run_example ;;
  test) ensure_packages; run_tests ;;
  *) usage ;;
esac
