#!/usr/bin/env bash
# SPDX-License-Identifier: BSL-1.0
# Defines the run of the training workloads W1-W4 (docs/performance.md, "Training workloads"):
# builds the bench preset's three workload executables, runs each with repetitions (single
# thread everywhere, except the two-thread W1 cases of tn::parallel and W4 on a tn::thread_pool),
# runs the libtorch cases a second time with OPENBLAS_CORETYPE=SKYLAKEX, measures W3's peak
# memory once per implementation, each in its own process (typenet_bench_epoch
# --peak-memory=...), and prints tables of medians and ratios from the JSON files: times and
# FLOP rates, the two-thread speed-up, W4 against the cache read bandwidth, heap allocations per
# step, peak memory.
# Repetitions of the implementations are interleaved in random order, so that all three meet
# the same contention on a shared machine.
#
#   bash benchmarks/run_workloads.sh [build-dir]     (default build/bench, the preset's own)
#
# Environment: REPETITIONS (default 5), JOBS (build parallelism, default 1), and
# TYPENET_FASHION_MNIST_DIR (W3's data, default /usr/share/datasets/fashion-mnist).
# The JSON files, the peak-memory reports and the tables land in <build-dir>/workloads/.
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
    OPENBLAS_CORETYPE=SKYLAKEX "$exe" --benchmark_filter='libtorch|fma_peak|stream_read' \
         --benchmark_repetitions="$repetitions" --benchmark_display_aggregates_only=true \
         --benchmark_enable_random_interleaving=true --benchmark_out="${out}/${e}_skylakex.json" --benchmark_out_format=json
  fi
done
# W3's peak memory: one process per implementation, since a process's peak is the whole
# process's. Each prints a report whose last line is JSON.
for impl in typenet eigen libtorch; do
  echo "run_workloads.sh: W3 peak memory, ${impl}"
  if ! "${build_dir}/benchmarks/typenet_bench_epoch" --peak-memory="$impl" | tee "${out}/peak_memory_${impl}.txt"; then
    echo "run_workloads.sh: the peak-memory run of ${impl} failed" >&2
    rm -f "${out}/peak_memory_${impl}.txt"
  fi
done
echo "run_workloads.sh: load average $(cut -d' ' -f1-3 /proc/loadavg) after the run"

/usr/bin/python3 - "$out" "${executables[@]}" <<'PY' | tee "${out}/table.md"
import json, os, sys

out, names = sys.argv[1], sys.argv[2:]

def load(path, aggregate="median"):
    if not os.path.exists(path):
        return None, {}
    with open(path) as f:
        data = json.load(f)
    # Medians of the repetitions (CPU time: the machine is shared, and every case but the
    # two-thread ones, which the tables below read in real time, is one thread).
    # "W3/typenet/iterations:1" -> "W3/typenet"
    med = {"/".join(b["run_name"].split("/")[:2]): b for b in data["benchmarks"]
           if b.get("aggregate_name") == aggregate and not b.get("error_occurred")}
    return data["context"], med

def seconds(b, clock="cpu_time"):
    scale = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}[b["time_unit"]]
    return b[clock] * scale

rows, context, runs = [], None, {}
for name in names:
    ctx, med = load(os.path.join(out, name + ".json"))
    _, skx = load(os.path.join(out, name + "_skylakex.json"))
    if ctx is None:
        continue
    runs[name] = (med, skx)
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

# Two threads (tn::parallel): real time, since the CPU time of the calling thread hides the worker.
med = runs.get("train_step", ({}, {}))[0]
_, fastest = load(os.path.join(out, "train_step.json"), "min")
if any(k.endswith("/typenet_2threads") for k in med):
    print()
    print("| workload | 1 thread | 2 threads | speed-up 1 / 2 threads | fastest repetitions: 1 / 2 threads, speed-up "
          "| CPU use, 2 threads | process CPU per step: 1 / 2 threads |")
    print("|---|---|---|---|---|---|---|")
    for w in ("W1", "W1_batch256"):
        one, two = med.get(f"{w}/typenet"), med.get(f"{w}/typenet_2threads")
        if one is None or two is None:
            continue
        t1, t2 = seconds(one, "real_time"), seconds(two, "real_time")
        f1, f2 = fastest.get(f"{w}/typenet"), fastest.get(f"{w}/typenet_2threads")
        best = "-" if f1 is None or f2 is None else (
            f"{fmt_time(seconds(f1, 'real_time'))} / {fmt_time(seconds(f2, 'real_time'))}, "
            f"{seconds(f1, 'real_time') / seconds(f2, 'real_time'):.2f}")
        c = lambda b: fmt_time(b.get("process_cpu_per_step"))
        print(f"| {w} | {fmt_time(t1)} | {fmt_time(t2)} | {t1 / t2:.2f} | {best} | {two.get('cpu_utilisation', 0):.2f} "
              f"| {c(one)} / {c(two)} |")
    print()
    print("Real time per step, median of the repetitions (and their minimum). Speed-up > 1: two threads are faster "
          "(the issue asks >= 1.6 at batch 256). CPU use: CPU time of the whole process over real time (at most 2; "
          "the pool's spinning counts).")

# W4 against the read bandwidth of a buffer as large as the W1 parameters.
med, skx = runs.get("inference", ({}, {}))
if "stream_read" in med:
    bw = med["stream_read"]["read_bandwidth"]
    print()
    print("| W4 (inference, batch 1) | typenet | typenet, 2 threads | Eigen | libtorch | libtorch SKYLAKEX |")
    print("|---|---|---|---|---|---|")
    cells = {"typenet": med.get("W4/typenet"), "typenet_2threads": med.get("W4/typenet_2threads"),
             "eigen": med.get("W4/eigen"), "libtorch": med.get("W4/libtorch"), "libtorch_skx": skx.get("W4/libtorch")}
    # Real time for two threads (the calling thread's CPU time hides the worker), CPU time otherwise.
    clock = lambda k: "real_time" if k == "typenet_2threads" else "cpu_time"
    order = ("typenet", "typenet_2threads", "eigen", "libtorch", "libtorch_skx")
    def bandwidth(k):
        b = cells[k]
        return None if b is None else b["weight_bytes"] / seconds(b, clock(k))
    eigen = cells["eigen"]
    time_of = lambda k: "-" if cells[k] is None else fmt_time(seconds(cells[k], clock(k)))
    over_eigen = lambda k: "-" if cells[k] is None or eigen is None else \
        f"{seconds(cells[k], clock(k)) / seconds(eigen):.2f}"
    gbs = lambda k: "-" if cells[k] is None else f"{bandwidth(k) * 1e-9:.1f} GB/s"
    frac_bw = lambda k: "-" if cells[k] is None else f"{bandwidth(k) / bw:.0%}"
    print("| time per call | " + " | ".join(time_of(k) for k in order) + " |")
    print("| time / Eigen's | " + " | ".join(over_eigen(k) for k in order) + " |")
    print("| parameter bytes / time | " + " | ".join(gbs(k) for k in order) + " |")
    print("| fraction of the read bandwidth (one core's) | " + " | ".join(frac_bw(k) for k in order) + " |")
    print()
    print(f"Read bandwidth: {bw * 1e-9:.1f} GB/s (median of stream_read: a vectorised sum over "
          f"{med['stream_read']['bytes'] / 1e3:.0f} KB, the size of the W1 parameters, read again and again). "
          "At batch 1 every parameter is read once per call, so this is one core's ceiling for W4. Two threads "
          "(model(x, pool), real time) read the first layer's weights from two cores' caches: beside the "
          "issue's single-thread target, not part of it.")

# Heap allocations per steady-state step (counted over 100 steps after warm-up, whole process).
med = runs.get("train_step", ({}, {}))[0]
if any("allocations_per_step" in b for b in med.values()):
    print()
    print("| workload | typenet | typenet, 2 threads | Eigen | libtorch |")
    print("|---|---|---|---|---|")
    for w in ("W1", "W2", "W1_batch256"):
        a = lambda impl: "-" if f"{w}/{impl}" not in med else f"{med[f'{w}/{impl}'].get('allocations_per_step', 0):g}"
        print(f"| {w} | {a('typenet')} | {a('typenet_2threads')} | {a('eigen')} | {a('libtorch')} |")
    print()
    print("Heap allocations (malloc, calloc, realloc, the aligned ones; operator new included) per "
          "steady-state step; typenet's must be 0 (the run stops otherwise).")

# W3's peak memory, one process per implementation.
peak = {}
for impl in ("typenet", "eigen", "libtorch"):
    path = os.path.join(out, f"peak_memory_{impl}.txt")
    if os.path.exists(path):
        with open(path) as f:
            lines = [l for l in f if l.startswith("{")]
        if lines:
            r = json.loads(lines[-1])
            if "skipped" not in r:
                peak[impl] = r
if peak:
    mib = lambda b: f"{b / 2**20:.1f} MiB"
    print()
    print("| W3 peak memory | peak RSS | RSS over the data | peak heap | heap over the data "
          "| through operator new | heap allocations | ru_maxrss |")
    print("|---|---|---|---|---|---|---|---|")
    for impl, r in peak.items():
        print(f"| {impl} | {mib(r['rss_peak_kib'] * 1024)} | {mib((r['rss_peak_kib'] - r['rss_data_kib']) * 1024)} "
              f"| {mib(r['heap_peak_bytes'])} | {mib(r['heap_peak_bytes'] - r['heap_data_bytes'])} "
              f"| {mib(r['new_growth_bytes'])} | {r['allocations']} | {mib(r['ru_maxrss_kib'] * 1024)} |")
    if "typenet" in peak and "eigen" in peak:
        t, e = peak["typenet"], peak["eigen"]
        q = lambda a, b: "-" if b <= 0 else f"{a / b:.2f}"
        print(f"| typenet / Eigen | {q(t['rss_peak_kib'], e['rss_peak_kib'])} "
              f"| {q(t['rss_peak_kib'] - t['rss_data_kib'], e['rss_peak_kib'] - e['rss_data_kib'])} "
              f"| {q(t['heap_peak_bytes'], e['heap_peak_bytes'])} "
              f"| {q(t['heap_peak_bytes'] - t['heap_data_bytes'], e['heap_peak_bytes'] - e['heap_data_bytes'])} "
              f"| | | {q(t['ru_maxrss_kib'], e['ru_maxrss_kib'])} |")
    print()
    print("One process per implementation (typenet_bench_epoch --peak-memory=...): load the data, set up, reset "
          "the peaks, one epoch. Peak RSS: VmHWM over the epoch (shared libraries included: all three processes "
          "map libtorch). Heap: every malloc-family block of the process (operator new included), so "
          "\"over the data\" is the implementation's own peak: parameters, gradients, buffers and "
          "whatever a step allocates. ru_maxrss: the whole process, loading included. Ratio < 1: typenet uses less.")
PY
