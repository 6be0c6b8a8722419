#!/usr/bin/env bash
# SPDX-License-Identifier: BSL-1.0
# Defines the compile-cost measurement: compiler CPU seconds and peak memory for networks that
# train (forward, backward and update instantiated), width 64, written out to 100/200/400 layers
# and as repeat<200, dense, tanh>, plus the umbrella header alone. Prints one table per compiler.
# Usage: bash benchmarks/compile_cost.sh [compiler...]   (default: g++ clang++-14)
set -euo pipefail
[[ -x /usr/bin/time ]] || { echo "compile_cost: needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

network() {  # network <name> <layer list>
  cat > "$work/$1.cpp" <<CPP
#include <typenet/typenet.hpp>
#include <cstdint>
#include <vector>
namespace tn = typenet;
struct deep : tn::network<tn::input<64>, $2, tn::dense<10>> {};
int main() {
  deep m{tn::seed{1}};
  tn::trainer<deep, tn::loss::softmax_cross_entropy, tn::optim::sgd> fit{m};
  tn::batch<float, 64> x(32);
  std::vector<std::int32_t> y(32, 1);
  return fit.step(x, y) > 0 ? 0 : 1;
}
CPP
}
written() {  # n/2 blocks of dense<64>, tanh
  local n=$(( $1 / 2 )) s="" i
  for ((i = 0; i < n; ++i)); do s+="${s:+, }tn::dense<64>, tn::tanh"; done
  echo "$s"
}
printf '#include <typenet/typenet.hpp>\nint main() {}\n' > "$work/include_only.cpp"
network written_100 "$(written 100)"
network written_200 "$(written 200)"
network written_400 "$(written 400)"
network repeat_400 "tn::repeat<200, tn::dense<64>, tn::tanh>"

for cxx in "${@:-g++ clang++-14}"; do
  for c in $cxx; do
    command -v "$c" >/dev/null || { echo "compile_cost: $c not found" >&2; continue; }
    echo "== $c -std=c++20 -O2 -march=native -c"
    printf '%-14s %12s %14s\n' case "CPU seconds" "peak MiB"
    for case in include_only written_100 written_200 written_400 repeat_400; do
      /usr/bin/time -f '%U %S %M' -o "$work/time" "$c" -std=c++20 -O2 -march=native -I"$root/include" \
        -c "$work/$case.cpp" -o "$work/$case.o"
      awk -v c="$case" '{ printf "%-14s %12.2f %14.0f\n", c, $1 + $2, $3 / 1024 }' "$work/time"
    done
  done
done
