"""What `import backprop_tutor as bt` and the first notebook calls cost, each in a fresh interpreter.

Prints the median of N runs (default 9) of: the bare import; the import plus `bt.example("hand-backprop")`
(the trace and its 14 step views); plus the widget (anywidget, ipywidgets); and which heavy modules
each loaded. The target (issue 21): the bare import under 0.3 s, without h5py or Textual.

    PYTHONPATH=. python benchmarks/notebook_import.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

HEAVY = ("numpy", "h5py", "textual", "matplotlib", "rich", "mpmath", "anywidget", "ipywidgets")
CASES = {
    "import backprop_tutor as bt": "",
    "… + bt.example('hand-backprop')": "ex = bt.example('hand-backprop')",
    "… + its widget": "ex = bt.example('hand-backprop'); ex.widget",
}
PROBE = """
import time, sys, json
t = time.perf_counter()
import backprop_tutor as bt
{work}
elapsed = time.perf_counter() - t
print(json.dumps([elapsed, [m for m in {heavy!r} if m in sys.modules]]))
"""


def measure(work: str, runs: int) -> tuple[float, list[str]]:
    times, loaded = [], []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", PROBE.format(work=work, heavy=HEAVY)],
                             capture_output=True, text=True, check=True)
        elapsed, loaded = json.loads(out.stdout)
        times.append(elapsed)
    return statistics.median(times), loaded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    for name, work in CASES.items():
        median, loaded = measure(work, args.runs)
        print(f"{name:34} {median * 1000:7.1f} ms   loads: {', '.join(loaded) or 'nothing heavy'}")


if __name__ == "__main__":
    main()
