"""The whole homework workflow, timed: `tutor sweep` with 6 configurations × 50 epochs on 50,000 Fashion-MNIST
images, the choice retrained on 60,000, the test set evaluated once, the plots and the report.

Run:  PYTHONPATH=. python benchmarks/workflow.py                       (three modes, ~6 minutes)
      PYTHONPATH=. python benchmarks/workflow.py --epochs 5 --modes 1,2   (a quick look)

Modes: `--workers 1` (configurations one after another in one process, BLAS on every core), `--workers 2`
(a process pool of two, one BLAS thread each), `--cluster local --workers 2` (a local Dask cluster of two
single-threaded workers). Each mode is the CLI in a subprocess, in a fresh folder, timed from start to exit
(start-up, data loading, the runs, the retraining, the test, plots and report included). Printed: wall time
per mode (median of --repeat), the ratio to --workers 1, the choice and its test accuracy (the same in every
mode: the runs are seeded). The machine may be shared: read the load average printed beside the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
GRID = ["--activations", "tanh,relu", "--lrs", "0.1,0.01,0.001", "--hidden", "100,50,25", "--batch-size", "500",
        "--decay-at", "20,40", "--init", "he", "--seed", "1"]
MODES = {"1": ["--workers", "1"], "2": ["--workers", "2"], "dask": ["--cluster", "local", "--workers", "2"]}
TARGET_SECONDS = 90.0


def run_mode(mode: str, epochs: int, data: Path, keep: Path | None) -> tuple[float, dict]:
    """Wall seconds of one `tutor sweep` in a fresh folder, and its report.json."""
    with tempfile.TemporaryDirectory(prefix="workflow-") as tmp:
        out = (keep / f"mode-{mode}") if keep else Path(tmp) / "hw"
        command = [sys.executable, "-m", "backprop_tutor", "sweep", "--data", str(data), *GRID,
                   "--epochs", str(epochs), *MODES[mode], "--out", str(out), "--force", "--quiet"]
        started = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True)
        seconds = time.perf_counter() - started
        if done.returncode != 0:
            raise SystemExit(f"mode {mode} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
        return seconds, json.loads((out / "report.json").read_text())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--modes", default="1,2,dask", help="comma-separated: 1, 2, dask")
    parser.add_argument("--repeat", type=int, default=1, help="runs per mode (median reported)")
    parser.add_argument("--data", type=Path, default=SHARED_DATA / "fashion-mnist")
    parser.add_argument("--keep", type=Path, help="keep each mode's sweep folder here")
    args = parser.parse_args()
    modes = args.modes.split(",")
    print(f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.2f} at start; {args.epochs} epochs; "
          f"data {args.data}")
    times: dict[str, list[float]] = {m: [] for m in modes}
    reports: dict[str, dict] = {}
    for _ in range(args.repeat):
        for mode in modes:  # interleaved, so the machine's load hits every mode alike
            seconds, reports[mode] = run_mode(mode, args.epochs, args.data, args.keep)
            times[mode].append(seconds)
            print(f"  {' '.join(MODES[mode]):<28} {seconds:6.1f} s  (load {os.getloadavg()[0]:.2f})", flush=True)
    base = statistics.median(times[modes[0]])
    print(f"\n{'mode':<28} {'wall (median)':>13} {'vs ' + modes[0]:>8}  chosen        test accuracy  "
          f"sum of run seconds")
    for mode in modes:
        report, median = reports[mode], statistics.median(times[mode])
        run_seconds = sum(r["seconds"] for r in report["runs"]) + report["final"]["seconds"]
        print(f"{' '.join(MODES[mode]):<28} {median:11.1f} s {median / base:7.2f}×  "
              f"{report['selection']['chosen']:<13} {100 * report['test']['accuracy']:.2f} %        "
              f"{run_seconds:.1f} s")
    best = min(statistics.median(t) for t in times.values())
    print(f"\nfastest: {best:.1f} s; target for 50 epochs: under {TARGET_SECONDS:.0f} s")


if __name__ == "__main__":
    main()
