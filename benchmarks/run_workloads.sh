#!/usr/bin/env bash
# SPDX-License-Identifier: BSL-1.0
# Defines the run of the training workloads W1-W4 (docs/performance.md, "Training workloads"):
# builds the bench preset's three workload executables, runs each with repetitions (single
# thread everywhere), runs the libtorch cases a second time with OPENBLAS_CORETYPE=SKYLAKEX, and
# prints a table of medians and ratios from the JSON files. Repetitions of the implementations
# are interleaved in random order, so that all three meet the same contention on a shared machine.
#
#   bash benchmarks/run_workloads.sh [build-dir]     (default build/bench, the preset's own)
#
# Environment: REPETITIONS (default 5), JOBS (build parallelism, default 1), and
# TYPENET_FASHION_MNIST_DIR (W3's data, default /usr/share/datasets/fashion-mnist).
# The JSON files and the table land in <build-dir>/workloads/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

build_dir="${1:-build/bench}"
repetitions="${REPETITIONS:-5}"
jobs="${JOBS:-1}"
out="${build_dir}/workloads"
executables=(train_step epoch inference)

cmake --preset bench -B "$build_dir" >/dev/null
targets=()
for e in "${executables[@]}"; do targets+=("typenet_bench_${e}"); done
cmake --build "$build_dir" --target "${targets[@]}" -j "$jobs"
mkdir -p "$out"

echo "run_workloads.sh: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) before the run"
# One thread for everyone: OpenBLAS (libtorch's BLAS on Debian) reads this when it loads; libtorch
# and the peers also set it in code.
export OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1
for e in "${executables[@]}"; do
  exe="${build_dir}/benchmarks/typenet_bench_${e}"
  echo "run_workloads.sh: ${exe} (OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}, as installed)"
  "$exe" --benchmark_repetitions="$repetitions" --benchmark_display_aggregates_only=true \
         --benchmark_enable_random_interleaving=true --benchmark_out="${out}/${e}.json" --benchmark_out_format=json
  if grep -q '"libtorch_blas_core"' "${out}/${e}.json"; then
    echo "run_workloads.sh: ${exe}, libtorch cases again with OPENBLAS_CORETYPE=SKYLAKEX"
    OPENBLAS_CORETYPE=SKYLAKEX "$exe" --benchmark_filter='libtorch|fma_peak' \
         --benchmark_repetitions="$repetitions" --benchmark_display_aggregates_only=true \
         --benchmark_enable_random_interleaving=true --benchmark_out="${out}/${e}_skylakex.json" --benchmark_out_format=json
  fi
done
echo "run_workloads.sh: load average $(cut -d' ' -f1-3 /proc/loadavg) after the run"

/usr/bin/python3 - "$out" "${executables[@]}" <<'PY' | tee "${out}/table.md"
import json, os, sys

out, names = sys.argv[1], sys.argv[2:]

def load(path):
    if not os.path.exists(path):
        return None, {}
    with open(path) as f:
        data = json.load(f)
    # Medians of the repetitions (CPU time: the machine is shared, and every case is one thread).
    # "W3/typenet/iterations:1" -> "W3/typenet"
    med = {"/".join(b["run_name"].split("/")[:2]): b for b in data["benchmarks"]
           if b.get("aggregate_name") == "median" and not b.get("error_occurred")}
    return data["context"], med

def seconds(b):
    scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b["time_unit"]]
    return b["cpu_time"] * scale

rows, context = [], None
for name in names:
    ctx, med = load(os.path.join(out, name + ".json"))
    _, skx = load(os.path.join(out, name + "_skylakex.json"))
    if ctx is None:
        continue
    context = context or ctx
    peak = med["fma_peak"]["flop_rate"] if "fma_peak" in med else None
    workloads = sorted({k.split("/")[0] for k in med if "/" in k})
    for w in workloads:
        t = {impl: seconds(med[f"{w}/{impl}"]) for impl in ("typenet", "eigen", "libtorch") if f"{w}/{impl}" in med}
        if f"{w}/libtorch" in skx:
            t["libtorch_skx"] = seconds(skx[f"{w}/libtorch"])
        flops = next(med[f"{w}/{i}"]["gemm_flops"] for i in ("typenet", "eigen", "libtorch") if f"{w}/{i}" in med)
        rows.append((w, t, flops, peak))

def fmt_time(s):
    return "-" if s is None else (f"{s * 1e3:.3f} ms" if s >= 1e-3 else f"{s * 1e6:.1f} us")

def ratio(a, b):
    return "-" if a is None or b is None else f"{a / b:.2f}"

def frac(t, flops, peak):
    return "-" if t is None or not peak else f"{flops / t / peak:.0%}"

if context:
    print(f"machine: {context.get('cpu_model', '?')}, {context.get('num_cpus', '?')} cores, "
          f"{context.get('xsimd_arch', '?')}; FP32 FMA peak {context.get('fp32_fma_peak_gflops', '?')} GFLOP/s; "
          f"libtorch BLAS core {context.get('libtorch_blas_core', 'n/a')}; load at start "
          f"{context.get('loadavg_1min_at_start', '?')}")
print()
print("| workload | typenet | Eigen | libtorch | libtorch SKYLAKEX | typenet/Eigen | typenet/libtorch "
      "| typenet/libtorch SKYLAKEX | GEMM MFLOP | peak: typenet / Eigen / libtorch |")
print("|---|---|---|---|---|---|---|---|---|---|")
for w, t, flops, peak in rows:
    g = t.get
    print(f"| {w} | {fmt_time(g('typenet'))} | {fmt_time(g('eigen'))} | {fmt_time(g('libtorch'))} "
          f"| {fmt_time(g('libtorch_skx'))} | {ratio(g('typenet'), g('eigen'))} | {ratio(g('typenet'), g('libtorch'))} "
          f"| {ratio(g('typenet'), g('libtorch_skx'))} | {flops / 1e6:.2f} "
          f"| {frac(g('typenet'), flops, peak)} / {frac(g('eigen'), flops, peak)} / {frac(g('libtorch'), flops, peak)} |")
print()
print("Median CPU time of the repetitions; ratio < 1: typenet is faster. Peak: GEMM FLOP rate over the "
      "FMA peak measured in the same executable.")
PY
