"""How long exact mode takes on the hand-worked example: computing the step and showing it.

    PYTHONPATH=. python benchmarks/exact_mode.py [--repeat 20]

Run it on two checkouts (e.g. before and after a change) and compare the medians. Prints the median
time of `run_spec(hand-backprop, "exact")` (the engine and the recorder), of building the full-digit
Markdown worksheet from that trace, and of a float64 step for scale, and the ratio exact / float64.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from backprop_tutor.render.markdown import trace_to_markdown

try:  # each repeat as the first run of a process (the values a step repeats are converted once per process)
    from backprop_tutor.numbers.certain import clear_cache
except ImportError:  # a checkout from before exact mode carried bounds
    def clear_cache() -> None:
        pass
from backprop_tutor.spec import load_spec, resolve_example, run_spec


def median_seconds(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    spec = load_spec(resolve_example("hand-backprop"))
    trace = run_spec(spec, "exact")
    step = median_seconds(lambda: (clear_cache(), run_spec(spec, "exact")), args.repeat)
    shown = median_seconds(lambda: trace_to_markdown(trace, digits=None, full=True), args.repeat)
    floats = median_seconds(lambda: run_spec(spec, "float64"), args.repeat)
    print(f"exact step (engine + recorder)   median {step * 1e3:8.2f} ms")
    print(f"exact worksheet, full digits     median {shown * 1e3:8.2f} ms")
    print(f"float64 step, for scale          median {floats * 1e3:8.2f} ms   exact/float64 = {step / floats:.1f}×")


if __name__ == "__main__":
    main()
