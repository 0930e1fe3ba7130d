"""The whole homework workflow, timed: `tutor sweep` with 6 configurations × 50 epochs on 50,000 Fashion-MNIST
images, the choice retrained on 60,000, the test set evaluated once, the plots and the report.

Run:  PYTHONPATH=. python benchmarks/workflow.py --modes 2 --repeat 3      (the figure of issue 23, ~3 minutes)
      PYTHONPATH=. python benchmarks/workflow.py                          (three modes, ~6 minutes)
      PYTHONPATH=. python benchmarks/workflow.py --epochs 5 --modes 1,2   (a quick look)

Modes: `--workers 1` (configurations one after another in one process), `--workers 2` (a process pool of two,
one BLAS thread each), `--cluster local --workers 2` (a local Dask cluster of two single-threaded workers).
Each mode is the CLI in a subprocess, in a fresh folder, timed from start to exit (start-up, data loading, the
runs, the retraining, the test, plots and report included), in each BLAS environment of `--blas-env`
(benchmarks/machine.py: as the shell has it, and "native", without OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE).

The machine's limit: the workflow's arithmetic (the FLOP of every matrix product it does, counted from the
run folders' own settings and image counts by `engine.flops`) divided by the rate of a square 2048² float32
product on every core, measured in the same environment right before each workflow run. The ratio wall time /
that bound says how close the workflow comes to what the machine's matrix units allow (1.0 = no overhead at
all). Printed: per environment and mode the median wall time, the bound, the ratio, the choice and its test
accuracy (the same everywhere: the runs are seeded), the BLAS kernel and the load; and after each run its
phases (start-up, grid, choice, the retraining with its median and first epoch, test + plots + report).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from machine import SHARED_DATA, blas_kernel, env_label, environment, envs_to_measure, load, square_rate

from backprop_tutor.cli import OPENBLAS_THREAD_TIMEOUT
from backprop_tutor.engine.flops import epoch_flops, forward_flops

GRID = ["--activations", "tanh,relu", "--lrs", "0.1,0.01,0.001", "--hidden", "100,50,25", "--batch-size", "500",
        "--decay-at", "20,40", "--init", "he", "--seed", "1"]
MODES = {"1": ["--workers", "1"], "2": ["--workers", "2"], "dask": ["--cluster", "local", "--workers", "2"]}
TARGET_RATIO = 1.5  # issue 23: within 1.5× of the machine's limit, native kernel, quiet machine


def run_mode(mode: str, epochs: int, data: Path, keep: Path | None,
             env: dict[str, str]) -> tuple[float, dict, int, dict[str, float]]:
    """Wall seconds of one `tutor sweep` in a fresh folder, its report.json, the FLOP it did, and its phases."""
    with tempfile.TemporaryDirectory(prefix="workflow-") as tmp:
        out = (keep / f"mode-{mode}") if keep else Path(tmp) / "hw"
        command = [sys.executable, "-m", "backprop_tutor", "sweep", "--data", str(data), *GRID,
                   "--epochs", str(epochs), *MODES[mode], "--out", str(out), "--force", "--quiet"]
        began, started = time.time(), time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, env=env)
        seconds = time.perf_counter() - started
        if done.returncode != 0:
            raise SystemExit(f"mode {mode} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        return seconds, json.loads((out / "report.json").read_text()), workflow_flops(out), phases(out, began,
                                                                                                 began + seconds)


def phases(out: Path, began: float, ended: float) -> dict[str, float]:
    """Where the wall time went, from the run folders' file times: start-up until the first run wrote its
    config.json; the grid until the last run was complete; the choice until the retraining began; the
    retraining (and its median and first epoch); the test, the plots and the report until the process ended."""
    def written(path: Path) -> float:
        return path.stat().st_mtime

    runs, final = sorted((out / "runs").iterdir()), out / "final"
    first, last = min(written(r / "config.json") for r in runs), max(written(r / "complete.json") for r in runs)
    epochs = [m["seconds"] for m in json.loads((final / "metrics.json").read_text())["epochs"]]
    return {"start": first - began, "grid": last - first, "choice": written(final / "config.json") - last,
            "final": written(final / "complete.json") - written(final / "config.json"),
            "final epoch": statistics.median(epochs), "final first epoch": epochs[0],
            "end": ended - written(final / "complete.json")}


def run_flops(folder: Path, merged: bool = False) -> int:
    """The FLOP of one run folder's matrix products: every epoch's steps and measuring passes. ``merged``: the
    retraining, whose validation images are the last of its training images, so their figures come from the
    training pass (`metrics.Evaluator.training_and_validation`): no forward pass of their own is counted."""
    info = json.loads((folder / "config.json").read_text())
    config, n_train = info["config"], info["n_train"]
    measured = n_train if merged else n_train + info["n_validation"]
    return config["epochs"] * epoch_flops(info["sizes"], config["batch_size"], n_train, measured)


def workflow_flops(out: Path) -> int:
    """Every configuration's run, the retraining of the choice, and the one pass over the test images."""
    runs = sorted((out / "runs").iterdir())
    test = json.loads((out / "final" / "test.json").read_text())
    sizes = json.loads((out / "final" / "config.json").read_text())["sizes"]
    return sum(run_flops(r) for r in runs) + run_flops(out / "final", merged=True) + forward_flops(sizes,
                                                                                                  test["n_test"])


def measure(args: argparse.Namespace, envs: list[str], modes: list[str]) -> dict[tuple[str, str], list[dict]]:
    """Each (environment, mode) --repeat times, interleaved so the machine's load hits all alike; each run with
    the square-matmul rate measured in its environment just before it."""
    results: dict[tuple[str, str], list[dict]] = {(e, m): [] for e in envs for m in modes}
    for _ in range(args.repeat):
        for env_name in envs:
            env = environment(env_name)
            for mode in modes:
                rate = square_rate(env)
                seconds, report, flop, phase = run_mode(mode, args.epochs, args.data, args.keep, env)
                bound = flop / (rate * 1e9)
                results[env_name, mode].append({"seconds": seconds, "report": report, "flop": flop, "rate": rate,
                                                "bound": bound, "ratio": seconds / bound})
                print(f"  {env_name:<7} {' '.join(MODES[mode]):<28} {seconds:6.1f} s  bound {bound:5.1f} s "
                      f"({flop / 1e12:.2f} TFLOP at {rate:.0f} GFLOP/s)  ratio {seconds / bound:4.2f}  ({load()})\n"
                      f"          phases: {', '.join(f'{k} {v:.2f} s' for k, v in phase.items())}", flush=True)
    return results


def report(results: dict[tuple[str, str], list[dict]], envs: list[str]) -> None:
    print(f"\n{'BLAS environment':<9} {'mode':<28} {'wall':>7} {'bound':>7} {'ratio':>6}  chosen        test     "
          "sum of run seconds")
    for (env_name, mode), runs in results.items():
        med = {k: statistics.median(r[k] for r in runs) for k in ("seconds", "bound", "ratio")}
        rep = runs[-1]["report"]
        run_seconds = sum(r["seconds"] for r in rep["runs"]) + rep["final"]["seconds"]
        print(f"{env_name:<9} {' '.join(MODES[mode]):<28} {med['seconds']:5.1f} s {med['bound']:5.1f} s "
              f"{med['ratio']:5.2f}×  {rep['selection']['chosen']:<13} {100 * rep['test']['accuracy']:.2f} %  "
              f"{run_seconds:.1f} s")
    print(f"(medians of {len(runs)}; bound = the workflow's FLOP / the square 2048² float32 matmul rate on every "
          f"core; target ratio ≤ {TARGET_RATIO} with the native kernel on a quiet machine)")
    for env_name in envs:
        env = environment(env_name)
        timeout = env.get("OPENBLAS_THREAD_TIMEOUT") or env.get("GOTO_THREAD_TIMEOUT")
        print(f"{env_label(env_name)}: {blas_kernel(env)}; idle BLAS threads spin 2^"
              f"{timeout or OPENBLAS_THREAD_TIMEOUT} ticks ({'set in the shell' if timeout else 'tutor default'})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--modes", default="1,2,dask", help="comma-separated: 1, 2, dask")
    parser.add_argument("--repeat", type=int, default=1, help="runs per mode (median reported)")
    parser.add_argument("--blas-env", default="both", choices=["both", "as-is", "native"],
                        help="BLAS environment(s): this shell's, native (no OPENBLAS_CORETYPE/L2_SIZE), or both")
    parser.add_argument("--data", type=Path, default=SHARED_DATA / "fashion-mnist")
    parser.add_argument("--keep", type=Path, help="keep each mode's sweep folder here")
    args = parser.parse_args()
    envs = envs_to_measure(args.blas_env)
    print(f"{load()} at start; {args.epochs} epochs; data {args.data}")
    report(measure(args, envs, args.modes.split(",")), envs)


if __name__ == "__main__":
    main()
