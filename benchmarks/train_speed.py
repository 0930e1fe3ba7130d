"""How fast `tutor train` is, against what this machine's matrix multiply can do.

Run:  PYTHONPATH=. python benchmarks/train_speed.py                 (all three parts, ~5 minutes)
      PYTHONPATH=. python benchmarks/train_speed.py --skip-runs     (part 1 only, ~20 s)

1. Step throughput, 784-100-50-25-10, B = 500, float32. The reference is plain np.matmul on exactly
   the shapes one training step multiplies (forward s(l) = a(l-1) W(l)ᵀ, backward δ(l+1) W(l+1),
   gradients δ(l)ᵀ a(l-1)), timed in the same rounds as the step (interleaved, so load from other
   processes hits both alike); a 2048² square float32 matmul is printed too, as the machine's peak.
   Effective GFLOP/s of a step = 2 × (MACs of those products) / step time. Also timed: the same step
   written as bare numpy without the engine's recorder hooks, to show the instrumentation costs nothing.
2. A full run with and without `--trace-batch 1` (the CLI in a subprocess, alternating, medians):
   the trace's overhead on training time (sum of the epochs' seconds) and on wall time.
3. Peak memory (max RSS of the `tutor train` process, from os.wait4) of those full runs.

Medians everywhere; the machine may be shared, so read the spread as well. Part 1 runs at each BLAS thread
count of --threads (the kernel threadpoolctl reports is printed with each), in each BLAS environment of
--blas-env (benchmarks/machine.py: as the shell has it, and "native", without OPENBLAS_CORETYPE/L2_SIZE; each
in a process of its own, since OpenBLAS reads them when it loads).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from machine import SHARED_DATA, blas_kernel_here, env_label, environment, envs_to_measure, load
from threadpoolctl import threadpool_limits

from backprop_tutor.engine.flops import step_flops
from backprop_tutor.engine.network import mlp

SIZES = [784, 100, 50, 25, 10]
B = 500


def matmuls_of_a_step(rng: np.random.Generator):
    """Closures doing exactly the step's matrix products, on preallocated float32 arrays."""
    a = [rng.random((B, n), dtype=np.float32) for n in SIZES]
    d = [rng.random((B, n), dtype=np.float32) for n in SIZES]
    W = [None] + [rng.random((n_out, n_in), dtype=np.float32) for n_in, n_out in itertools.pairwise(SIZES)]
    s = [np.empty((B, n), np.float32) for n in SIZES]
    dW = [None] + [np.empty(w.shape, np.float32) for w in W[1:]]
    L = len(SIZES) - 1

    def run() -> None:
        for l in range(1, L + 1):
            np.matmul(a[l - 1], W[l].T, out=s[l])
        for l in range(L - 1, 0, -1):
            np.matmul(d[l + 1], W[l + 1], out=s[l])
        for l in range(L, 0, -1):
            np.matmul(d[l].T, a[l - 1], out=dW[l])

    return run


def bare_step_factory(net, x: np.ndarray, y: np.ndarray, eta: float):
    """The engine's step written as plain numpy (same products, same elementwise work), no hooks."""
    Ws = [layer.W for layer in net.layers]
    bs = [layer.b for layer in net.layers]
    L = len(Ws)
    s = [None] + [np.empty((B, n), np.float32) for n in SIZES[1:]]
    a = [x] + [np.empty((B, n), np.float32) for n in SIZES[1:]]
    ap = [None] + [np.empty((B, n), np.float32) for n in SIZES[1:]]
    d = [None] + [np.empty((B, n), np.float32) for n in SIZES[1:]]
    dW, db = [None] + [np.empty(w.shape, np.float32) for w in Ws], [None] + [np.empty(b.shape, np.float32) for b in bs]
    inv_B, eta32, ones_B, ones_out = np.float32(1 / B), np.float32(eta), np.ones(B, np.float32), np.ones((10, 1),
                                                                                                         np.float32)

    def run() -> None:
        for l in range(1, L + 1):
            np.matmul(a[l - 1], Ws[l - 1].T, out=s[l])
            s[l] += bs[l - 1]
            if l < L:
                np.tanh(s[l], out=a[l])
                np.multiply(a[l], a[l], out=ap[l])
                np.subtract(np.float32(1), ap[l], out=ap[l])
            else:
                np.subtract(s[l], s[l].max(axis=1, keepdims=True), out=a[l])
                np.exp(a[l], out=a[l])
                a[l] /= a[l] @ ones_out
        np.subtract(a[L], y, out=d[L])
        for l in range(L - 1, 0, -1):
            np.matmul(d[l + 1], Ws[l], out=d[l])
            d[l] *= ap[l]
        for l in range(L, 0, -1):
            np.matmul(d[l].T, a[l - 1], out=dW[l])
            dW[l] *= inv_B
            np.matmul(ones_B, d[l], out=db[l])
            db[l] *= inv_B
        for l in range(L, 0, -1):
            dW[l] *= eta32
            db[l] *= eta32
            Ws[l - 1] -= dW[l]
            bs[l - 1] -= db[l]

    return run


def timed(fn, reps: int) -> float:
    start = time.perf_counter()
    for _ in range(reps):
        fn()
    return (time.perf_counter() - start) / reps


def part1(rounds: int, reps: int, threads: int) -> dict[str, float]:
    """Part 1 on ``threads`` BLAS threads."""
    with threadpool_limits(threads, "blas"):
        print(f"\n1. on {threads} BLAS thread{'s' if threads > 1 else ''}: {blas_kernel_here()}")
        return _part1(rounds, reps)


def _part1(rounds: int, reps: int) -> dict[str, float]:
    rng = np.random.default_rng(0)
    x = rng.random((B, 784), dtype=np.float32)
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, B)]
    net = mlp(SIZES, ["tanh"] * 3 + ["softmax"], "cross-entropy", "float32", seed=1)
    bare_net = mlp(SIZES, ["tanh"] * 3 + ["softmax"], "cross-entropy", "float32", seed=1)
    engine_step = lambda: net.train_step(x, y, 1e-4)  # noqa: E731 - tiny η: the weights stay sane for hours
    bare_step = bare_step_factory(bare_net, x, y, 1e-4)
    matmuls = matmuls_of_a_step(rng)
    for fn in (engine_step, bare_step, matmuls):
        timed(fn, 20)  # warm up
    t_mm, t_step, t_bare = [], [], []
    order = np.random.default_rng(1)
    for _ in range(rounds):  # the three in a random order each round, so no one always runs after another
        for i in order.permutation(3):
            [t_mm, t_step, t_bare][i].append(timed([matmuls, engine_step, bare_step][i], reps))
    sq = rng.random((2048, 2048), dtype=np.float32)
    t_sq = [timed(lambda: sq @ sq, 1) for _ in range(7)]
    flop = step_flops(SIZES, B)
    med = {k: float(np.median(v)) for k, v in (("matmul", t_mm), ("step", t_step), ("bare", t_bare))}
    gf = {k: flop / v / 1e9 for k, v in med.items()}
    gf_square = 2 * 2048**3 / float(np.median(t_sq)) / 1e9
    ratios = np.array(t_mm) / np.array(t_step)  # per round: same load for both
    print(f"   one training step, {'-'.join(map(str, SIZES))}, B = {B}, float32 "
          f"({flop / 1e6:.1f} MFLOP: forward, backward δ and ∇W products)")
    print(f"   np.matmul on the step's shapes : {med['matmul'] * 1e3:6.3f} ms  {gf['matmul']:6.1f} GFLOP/s")
    print(f"   engine train_step              : {med['step'] * 1e3:6.3f} ms  {gf['step']:6.1f} GFLOP/s "
          f"(p10–p90 {np.percentile(t_step, 10) * 1e3:.2f}–{np.percentile(t_step, 90) * 1e3:.2f} ms)")
    print(f"   bare-numpy step (no hooks)     : {med['bare'] * 1e3:6.3f} ms  {gf['bare']:6.1f} GFLOP/s")
    print(f"   square 2048² float32 matmul    : {gf_square:6.1f} GFLOP/s (machine peak reference)")
    print(f"   ratio step / same-shape matmul : {100 * float(np.median(ratios)):5.1f} %  (median of {rounds} rounds; "
          f"target ≥ 80 %)")
    print(f"   ratio step / square matmul     : {100 * gf['step'] / gf_square:5.1f} %")
    print(f"   engine vs bare numpy           : {100 * (med['step'] / med['bare'] - 1):+5.1f} % "
          "(the recorder hooks when no batch is traced)")
    return {"ratio_same_shapes": float(np.median(ratios)), "ratio_square": gf["step"] / gf_square,
            "step_ms": med["step"] * 1e3, "gflops_step": gf["step"], "gflops_matmul": gf["matmul"],
            "gflops_square": gf_square, "hooks_overhead": med["step"] / med["bare"] - 1}


def traced_step_cost(rounds: int = 9) -> tuple[float, float]:
    """(median seconds of a plain step, median extra seconds of a traced one: recording + writing trace.h5).

    Measured in-process, alternating, on random data (it compresses worse than images: an upper bound)."""
    from backprop_tutor.trace.recorder import Recorder
    from backprop_tutor.train.config import TrainConfig
    from backprop_tutor.train.tracing import TraceWriter, trace_header

    rng = np.random.default_rng(2)
    x = rng.random((B, 784), dtype=np.float32)
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, B)]
    net = mlp(SIZES, ["tanh"] * 3 + ["softmax"], "cross-entropy", "float32", seed=1)
    config = TrainConfig(hidden=SIZES[1:-1], trace_batches=[1])
    rows = np.arange(B)
    plain, traced = [], []
    with tempfile.TemporaryDirectory() as tmp, TraceWriter(tmp, {"config": config.to_dict()}) as writer:
        for i in range(rounds):
            plain.append(timed(lambda: net.train_step(x, y, 1e-4), 5))
            start = time.perf_counter()
            recorder = Recorder(trace_header(config, 1, 1, 1e-4, rows, {}))
            net.train_step(x, y, 1e-4, recorder)
            writer.write(f"epoch1-batch{i}", recorder.trace)
            traced.append(time.perf_counter() - start)
    return float(np.median(plain)), float(np.median(traced)) - float(np.median(plain))


def one_run(args: argparse.Namespace, folder: Path, traced: bool) -> dict[str, float]:
    cmd = [sys.executable, "-m", "backprop_tutor", "train", "--data", args.data, "--hidden", "100,50,25",
           "--activation", "tanh", "--lr", "0.01", "--batch-size", "500", "--epochs", str(args.epochs),
           "--decay-at", "20,40", "--init", "he", "--seed", "1", "--quiet", "--force", "--test", "--out", str(folder)]
    if traced:
        cmd += ["--trace-batch", "1"]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        raise SystemExit(f"tutor train failed (status {status}): {' '.join(cmd)}")
    metrics = json.loads((folder / "metrics.json").read_text())
    return {"wall": wall, "train": sum(m["seconds"] for m in metrics["epochs"]), "maxrss_mb": usage.ru_maxrss / 1024,
            "val_accuracy": metrics["epochs"][-1]["val_accuracy"], "train_accuracy": metrics["epochs"][-1][
                "train_accuracy"], "test_accuracy": metrics["test"]["accuracy"]}


def part2(args: argparse.Namespace) -> None:
    runs: dict[bool, list[dict[str, float]]] = {False: [], True: []}
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.repeats):
            for traced in ((False, True) if i % 2 == 0 else (True, False)):
                r = one_run(args, Path(tmp) / f"run-{traced}", traced)
                runs[traced].append(r)
                print(f"   run {i + 1} {'traced  ' if traced else 'untraced'}: train {r['train']:6.1f} s, "
                      f"wall {r['wall']:6.1f} s, max RSS {r['maxrss_mb']:6.0f} MB", flush=True)
        trace_size = (Path(tmp) / "run-True" / "trace.h5").stat().st_size
    med = {t: {k: float(np.median([r[k] for r in rs])) for k in rs[0]} for t, rs in runs.items()}
    print(f"\n2. {args.epochs}-epoch runs on {args.data}, median of {args.repeats} each")
    print(f"   untraced: training {med[False]['train']:6.1f} s, wall {med[False]['wall']:6.1f} s")
    print(f"   --trace-batch 1: training {med[True]['train']:6.1f} s, wall {med[True]['wall']:6.1f} s  "
          f"(trace.h5 {trace_size / 1e6:.2f} MB)")
    print(f"   A/B difference: {100 * (med[True]['train'] / med[False]['train'] - 1):+.2f} % of training time, "
          f"{100 * (med[True]['wall'] / med[False]['wall'] - 1):+.2f} % of wall time (whole runs: load noise "
          "on a shared machine can exceed the effect; see the direct measure below)")
    step, extra = traced_step_cost()
    print(f"   direct measure: a traced step costs {extra * 1e3:.0f} ms more than a plain one ({step * 1e3:.1f} ms; "
          f"recording + writing its group to trace.h5) = {100 * extra / med[False]['train']:.2f} % of the median "
          f"untraced run's training time (target < 3 %)")
    last = runs[False][-1]
    print(f"   final accuracy: training {100 * last['train_accuracy']:.2f} %, validation "
          f"{100 * last['val_accuracy']:.2f} %, test {100 * last['test_accuracy']:.2f} %")
    peak = max(r["maxrss_mb"] for rs in runs.values() for r in rs)
    print(f"\n3. peak memory (max RSS of tutor train): {peak:.0f} MB (target < 1024 MB)")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--rounds", type=int, default=30, help="interleaved timing rounds in part 1")
    p.add_argument("--reps", type=int, default=20, help="steps per round")
    p.add_argument("--threads", default="1,2", help="BLAS thread counts for part 1, comma-separated (default 1,2)")
    p.add_argument("--blas-env", default="both", choices=["both", "as-is", "native"],
                   help="BLAS environment(s): this shell's, native (no OPENBLAS_CORETYPE/L2_SIZE), or both")
    p.add_argument("--skip-runs", action="store_true", help="part 1 only")
    p.add_argument("--data", default="fashion-mnist", help="data for the full runs (default fashion-mnist)")
    p.add_argument("--epochs", type=int, default=50)
    p.add_argument("--repeats", type=int, default=3, help="runs of each kind in part 2")
    p.add_argument("--in-env", help=argparse.SUPPRESS)  # set in the child process that runs one environment
    args = p.parse_args()
    if args.in_env is None:
        for name in envs_to_measure(args.blas_env):  # each environment in a process of its own
            print(f"=== BLAS environment {env_label(name)}", flush=True)
            subprocess.run([sys.executable, __file__, *sys.argv[1:], "--in-env", name], env=environment(name),
                           check=True)
        return
    if "BACKPROP_TUTOR_DATA" not in os.environ and (SHARED_DATA / args.data).is_dir():
        os.environ["BACKPROP_TUTOR_DATA"] = str(SHARED_DATA)
    print(f"numpy {np.__version__}, OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}, "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', '(unset)')}, {load()}")
    for threads in (int(t) for t in args.threads.split(",")):
        part1(args.rounds, args.reps, threads)
    if not args.skip_runs:
        print()
        part2(args)


if __name__ == "__main__":
    main()
