#!/usr/bin/env bash
# SPDX-License-Identifier: BSL-1.0
# Defines the compile-cost measurement of the performance issue: compiler CPU seconds (user +
# system) and peak memory for the umbrella header alone, for networks that train (trainer step:
# forward, backward and SGD update instantiated), width 64, written out to 100/200/400 layers and
# built with repeat, and for the flagship example examples/depth_study.cpp. Prints one table per
# compiler, each row with the issue's target and PASS/FAIL; exits 1 if a row fails.
#
#   bash benchmarks/compile_cost.sh [compiler...]      the table (default: g++ clang++-14)
#   bash benchmarks/compile_cost.sh --generate CASE FILE
#       writes the source of one case (include_only, written_N for an even N, repeat_N) to FILE
#   bash benchmarks/compile_cost.sh --guard COMPILER CASE MAX_SECONDS MAX_MIB
#       compiles one case once and fails if it exceeds either limit (the CTest guard
#       typenet_compile_cost, tests/CMakeLists.txt); exits 77 (skipped) without /usr/bin/time
#
# Environment: CXXFLAGS (default "-std=c++20 -O2 -march=native"; add -I for dependencies outside
# the default search path), REPEAT (compiles per case in the table, the least CPU time and the
# largest peak are kept; default 1, and at least 5 for include_only, whose 2 s target is within
# the noise of a shared machine). Needs /usr/bin/time (Debian package `time`).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
read -r -a flags <<< "${CXXFLAGS:--std=c++20 -O2 -march=native}"

# --- Part 1: the sources -----------------------------------------------------------------------
# A network of width 64 and the trainer step that instantiates its forward, backward and update.
network_source() {  # network_source <layer list>
  cat <<CPP
#include <typenet/typenet.hpp>
#include <cstdint>
#include <vector>
namespace tn = typenet;
struct deep : tn::network<tn::input<64>, $1, tn::dense<10>> {};
int main() {
  deep m{tn::seed{1}};
  tn::trainer<deep, tn::loss::softmax_cross_entropy, tn::optim::sgd> fit{m};
  tn::batch<float, 64> x(32);
  std::vector<std::int32_t> y(32, 1);
  return fit.step(x, y) > 0 ? 0 : 1;
}
CPP
}

# n layers written out: n/2 pairs of dense<64>, tanh (an activation counts as a layer, as in
# PyTorch's nn.Sequential), then the output layer dense<10>.
written_layers() {
  local pairs=$(($1 / 2)) s="" i
  for ((i = 0; i < pairs; ++i)); do s+="${s:+, }tn::dense<64>, tn::tanh"; done
  echo "$s"
}

generate() {  # generate <case> <file>
  case "$1" in
    include_only) printf '#include <typenet/typenet.hpp>\nint main() {}\n' ;;
    written_[0-9]*) network_source "$(written_layers "${1#written_}")" ;;
    repeat_[0-9]*) network_source "tn::repeat<${1#repeat_}, tn::dense<64>, tn::tanh>" ;;
    *) echo "compile_cost: unknown case '$1'" >&2; return 2 ;;
  esac > "$2"
}

# --- Part 2: one measured compile --------------------------------------------------------------
# measure <compiler> <source> <object>: sets `seconds` (user + system) and `mib` (peak resident).
measure() {
  local t
  t="$(mktemp)"
  if ! /usr/bin/time -f '%U %S %M' -o "$t" "$1" "${flags[@]}" -I"$root/include" -c "$2" -o "$3"; then
    rm -f "$t"
    echo "compile_cost: $1 failed to compile $2" >&2
    return 1
  fi
  read -r seconds mib < <(awk 'END { printf "%.2f %.0f\n", $1 + $2, $3 / 1024 }' "$t")
  rm -f "$t"
}

need_time() {
  [[ -x /usr/bin/time ]] && return 0
  echo "compile_cost: needs /usr/bin/time (Debian: apt-get install time)" >&2
  return 1
}

# --- Part 3: the generator and the CTest guard -------------------------------------------------
if [[ "${1:-}" == --generate ]]; then
  (($# == 3)) || { echo "usage: compile_cost.sh --generate CASE FILE" >&2; exit 2; }
  generate "$2" "$3"
  exit
fi
if [[ "${1:-}" == --guard ]]; then
  (($# == 5)) || { echo "usage: compile_cost.sh --guard COMPILER CASE MAX_SECONDS MAX_MIB" >&2; exit 2; }
  need_time || exit 77
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  generate "$3" "$work/$3.cpp"
  measure "$2" "$work/$3.cpp" "$work/$3.o"
  verdict="$(awk -v s="$seconds" -v m="$mib" -v S="$4" -v M="$5" \
    'BEGIN { print (s <= S && m <= M) ? "PASS" : "FAIL" }')"
  echo "compile_cost: $3 with $2 ${flags[*]}: $seconds s of compiler CPU (limit $4 s)," \
       "$mib MiB peak (limit $5 MiB): $verdict"
  [[ "$verdict" == PASS ]] && exit 0
  exit 1
fi

# --- Part 4: the table -------------------------------------------------------------------------
need_time || exit 1
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for c in include_only written_100 written_200 written_400 repeat_200 repeat_400; do
  generate "$c" "$work/$c.cpp"
done
cp "$root/examples/depth_study.cpp" "$work/depth_study.cpp"

# Targets of the issue: CPU seconds and MiB ("-" where the issue sets none).
declare -A max_s=([include_only]=2 [written_100]=10 [written_400]=40 [repeat_200]=10 [repeat_400]=10
                  [depth_study]=30)
declare -A max_m=([written_100]=1024 [written_400]=2048 [depth_study]=2048)
declare -A label=(
  [include_only]='`#include <typenet/typenet.hpp>` only'
  [written_100]='100 layers written out'
  [written_200]='200 layers written out'
  [written_400]='400 layers written out'
  [repeat_200]='`repeat<200, dense<64>, tanh>` (400 layers)'
  [repeat_400]='`repeat<400, dense<64>, tanh>` (800 layers)'
  [depth_study]='`examples/depth_study.cpp`'
)
repeat="${REPEAT:-1}"
failed=0

row() {  # row <case> <seconds> <mib>
  local target="" verdict=PASS
  if [[ -n "${max_s[$1]:-}" ]]; then
    target="< ${max_s[$1]} s"
    awk -v s="$2" -v t="${max_s[$1]}" 'BEGIN { exit !(s < t) }' || verdict=FAIL
  fi
  if [[ -n "${max_m[$1]:-}" ]]; then
    target+="${target:+, }< $((max_m[$1] / 1024)) GiB"
    (($3 < max_m[$1])) || verdict=FAIL
  fi
  [[ -n "$target" ]] || { target="-"; verdict="-"; }
  [[ "$verdict" == FAIL ]] && failed=1
  printf '| %s | %s | %s | %s | %s |\n' "${label[$1]}" "$2" "$3" "$target" "$verdict"
}

compilers=("$@")
((${#compilers[@]})) || compilers=(g++ clang++-14)
for c in "${compilers[@]}"; do
  command -v "$c" >/dev/null || { echo "compile_cost: $c not found" >&2; failed=1; continue; }
  echo
  echo "$("$c" --version | head -n 1); flags: ${flags[*]}; $(date -u '+%Y-%m-%d %H:%M UTC');" \
       "best of $repeat (include_only: of $((repeat < 5 ? 5 : repeat))); load average $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  echo '| case | CPU seconds | peak MiB | target | verdict |'
  echo '|---|---:|---:|---|---|'
  declare -A mem=()
  for case in include_only written_100 written_200 written_400 repeat_200 repeat_400 depth_study; do
    best="" peak=0 runs="$repeat"
    [[ "$case" == include_only ]] && ((runs < 5)) && runs=5
    for ((r = 0; r < runs; ++r)); do
      measure "$c" "$work/$case.cpp" "$work/$case.o" || { failed=1; continue 2; }
      if [[ -z "$best" ]] || awk -v a="$seconds" -v b="$best" 'BEGIN { exit !(a < b) }'; then
        best="$seconds"
      fi
      ((mib > peak)) && peak="$mib"
    done
    mem[$case]="$peak"
    row "$case" "$best" "$peak"
    if [[ "$case" == written_400 && -n "${mem[written_100]:-}" && -n "${mem[written_200]:-}" ]]; then
      # Growth per doubling of depth: of the whole peak (the issue's measure, target 2.2x) and,
      # for reading, of what the network adds above the umbrella header alone.
      g1="$(awk -v a="${mem[written_200]}" -v b="${mem[written_100]}" 'BEGIN { printf "%.2f", a / b }')"
      g2="$(awk -v a="${mem[written_400]}" -v b="${mem[written_200]}" 'BEGIN { printf "%.2f", a / b }')"
      a1="$(awk -v a="${mem[written_200]}" -v b="${mem[written_100]}" -v z="${mem[include_only]}" \
        'BEGIN { printf "%.2f", (a - z) / (b - z) }')"
      a2="$(awk -v a="${mem[written_400]}" -v b="${mem[written_200]}" -v z="${mem[include_only]}" \
        'BEGIN { printf "%.2f", (a - z) / (b - z) }')"
      verdict="$(awk -v a="$g1" -v b="$g2" 'BEGIN { print (a <= 2.2 && b <= 2.2) ? "PASS" : "FAIL" }')"
      [[ "$verdict" == FAIL ]] && failed=1
      printf '| peak memory growth per doubling, 100→200 / 200→400 | | %sx / %sx (above include-only: %sx / %sx) | ≤ 2.2x | %s |\n' \
        "$g1" "$g2" "$a1" "$a2" "$verdict"
    fi
  done
done
exit "$failed"
