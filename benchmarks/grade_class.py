"""How long `tutor grade` takes for a class, whole process (start-up, checking, gradebook, feedback,
summary and histogram included).

    PYTHONPATH=. python benchmarks/grade_class.py [--students 300] [--repeat 3] [--workers 1,2]

Makes a class with `tutor worksheet --random --seeds 1-N` in a temporary folder and N submissions:
a third the answer keys (all right), a third a sheet with one root slip and every later value carried
from it (JSON), a third blank worksheets. Then times `python -m backprop_tutor grade CLASS SUBS --out
GRADES --workers W`, median of --repeat runs per W. Target: 300 submissions in under 10 s.
Prints the machine's load, since every figure depends on it.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "grading"))
from grading_helpers import write_slipped  # the same slipped sheets the tests grade

TUTOR = [sys.executable, "-m", "backprop_tutor"]
TARGET = 10.0


def make_class(folder: Path, n: int) -> tuple[Path, Path]:
    subprocess.run([*TUTOR, "worksheet", "--random", "--seeds", f"1-{n}", "--out", str(folder / "class")],
                   stdout=subprocess.DEVNULL, check=True)
    subs = folder / "submissions"
    subs.mkdir()
    for seed in range(1, n + 1):
        problem = folder / "class" / f"seed-{seed}"
        if seed % 3 == 1:
            shutil.copy(problem / "key.md", subs / f"seed-{seed}.md")
        elif seed % 3 == 2:
            write_slipped(problem / "spec.toml", subs / f"seed-{seed}.json")
        else:
            shutil.copy(problem / "worksheet.md", subs / f"seed-{seed}.md")
    return folder / "class", subs


def median_seconds(command: list[str], repeat: int) -> tuple[float, float]:
    """Median wall time and median CPU time (user + system, the process and its workers) of ``command``:
    on a loaded machine the CPU time is close to what the wall time would be on a quiet one (one worker)."""
    times, cpus = [], []
    for _ in range(repeat):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
        times.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(command)}: exit {done.returncode}\n{done.stderr.decode()}")
    return statistics.median(times), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=300, help="submissions in the class (default 300)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing (default 3)")
    parser.add_argument("--workers", default="1,2", help="worker counts to time, e.g. 1,2 (default)")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}; load average {os.getloadavg()[0]:.2f} (of {os.cpu_count()} cores)")
    with tempfile.TemporaryDirectory() as tmp:
        klass, subs = make_class(Path(tmp), args.students)
        floor, floor_cpu = median_seconds([*TUTOR, "--version"], args.repeat)
        print(f"tutor --version (start-up)                 median {floor:6.2f} s wall, {floor_cpu:6.2f} s CPU")
        for workers in (int(w) for w in args.workers.split(",")):
            took, cpu = median_seconds([*TUTOR, "grade", str(klass), str(subs), "--out", str(Path(tmp) / "grades"),
                                        "--workers", str(workers)], args.repeat)
            print(f"tutor grade, {args.students} submissions, --workers {workers}   median {took:6.2f} s wall = "
                  f"{took / args.students * 1e3:.1f} ms each, {cpu:6.2f} s CPU; target {TARGET:g} s wall: "
                  f"{'met' if took < TARGET else 'NOT met'}")
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
