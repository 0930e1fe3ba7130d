"""How long `tutor check` takes: one sheet as a whole process, and a class's sheets in one call.

    PYTHONPATH=. python benchmarks/check_speed.py [--sheets 100] [--repeat 11]

Makes a class set with `tutor worksheet --random --seeds 1-N` (N random hand-computable problems, each
its own spec) in a temporary folder, and the hand example's answer key, then times whole processes
(`python -m backprop_tutor check …`, start-up included, as a student or a shell loop runs it):

- one sheet: the hand example's key, median of --repeat runs (target < 150 ms), beside the start-up
  floor of the interpreter alone and of importing what checking needs (numpy, mpmath, rich);
- a class in one call: `tutor check seed-1/key.md … seed-N/key.md`, median of 3 runs; per sheet =
  the whole call / N (target < 20 ms), and the marginal cost of a sheet = (call − one sheet) / (N − 1);
- the same class as a shell loop of N single-sheet calls would take (N × one sheet), for the ratio.

Prints the machine's load and the BLAS kernel (threadpoolctl), since every figure depends on both, and
CPU time (user + system) beside wall time: on a shared machine CPU time is the steadier figure. The
bytecode cache is on (in the temporary folder), as in an installed package.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TUTOR = [sys.executable, "-m", "backprop_tutor"]


def median_seconds(command: list[str], repeat: int, env: dict[str, str]) -> tuple[float, float]:
    """Median wall time and median CPU time (user + system) of ``command`` as a whole process, after one
    run that is not counted (it writes the bytecode cache, as the first run after an install does)."""
    walls, cpus = [], []
    for n in range(repeat + 1):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, check=False)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(command[:6])} …: exit {done.returncode}\n{done.stderr.decode()}")
        if n:
            walls.append(wall)
            cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return statistics.median(walls), statistics.median(cpus)


def blas() -> str:
    code = ("import numpy, threadpoolctl\n"
            "for p in threadpoolctl.threadpool_info():\n"
            "    print(p.get('internal_api'), p.get('version'), p.get('architecture'), p.get('num_threads'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    return f"{out[0]} {out[1]}, kernel {out[2]}, {out[3]} threads" if len(out) >= 4 else "unknown"


def make_sheets(folder: Path, n: int) -> tuple[Path, list[Path]]:
    key = folder / "hand-key.md"
    key.write_text(subprocess.run([*TUTOR, "worksheet", "hand-backprop", "--key"], capture_output=True, text=True,
                                  check=True).stdout, encoding="utf-8")
    subprocess.run([*TUTOR, "worksheet", "--random", "--seeds", f"1-{n}", "--out", str(folder / "class")],
                   stdout=subprocess.DEVNULL, check=True)
    return key, [folder / "class" / f"seed-{i}" / "key.md" for i in range(1, n + 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sheets", type=int, default=100, help="how many random problems in the class (default 100)")
    parser.add_argument("--repeat", type=int, default=11, help="runs of each single-sheet timing (default 11)")
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}; load average {os.getloadavg()[0]:.2f} (of {os.cpu_count()} cores); "
          f"BLAS: {blas()}")
    with tempfile.TemporaryDirectory() as tmp:
        key, sheets = make_sheets(Path(tmp), args.sheets)
        # bytecode cached as in an installed package (this environment may set PYTHONDONTWRITEBYTECODE)
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = str(Path(tmp) / "pycache")
        rows = [("python -c pass", median_seconds([sys.executable, "-c", "pass"], args.repeat, env)),
                ("import numpy, mpmath, rich", median_seconds(
                    [sys.executable, "-c", "import numpy, mpmath, rich.console"], args.repeat, env)),
                ("tutor check hand-key.md", median_seconds([*TUTOR, "check", str(key)], args.repeat, env))]
        many = median_seconds([*TUTOR, "check", *map(str, sheets)], 3, env)
    n = len(sheets)
    for what, (wall, cpu) in rows:
        print(f"{what:<32} median {wall * 1e3:7.1f} ms wall, {cpu * 1e3:6.1f} ms CPU")
    one, needs = rows[2][1], rows[1][1]
    print(f"  one sheet: target 150 ms {'met' if one[0] < 0.150 else 'NOT met'} ({one[0] / 0.150:.2f}× the target; "
          f"{one[0] / needs[0]:.2f}× the imports alone)")
    print(f"tutor check, {n} keys in one call  median {many[0] * 1e3:7.0f} ms wall, {many[1] * 1e3:6.0f} ms CPU")
    print(f"  per sheet {many[0] / n * 1e3:.1f} ms wall, {many[1] / n * 1e3:.1f} ms CPU: target 20 ms "
          f"{'met' if many[0] / n < 0.020 else 'NOT met'}; marginal cost of a sheet (call − one sheet) / {n - 1} = "
          f"{(many[0] - one[0]) / (n - 1) * 1e3:.1f} ms")
    print(f"  a shell loop of {n} single calls ≈ {n * one[0]:.1f} s; one call is {n * one[0] / many[0]:.1f}× faster")


if __name__ == "__main__":
    main()
