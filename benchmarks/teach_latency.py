"""How quickly the teaching views of issue 13 answer a key (w, n, i, m, :, # and the keys inside them).

    PYTHONPATH=. python benchmarks/teach_latency.py [--rounds 5] [--mnist FILE.h5]

Headless at 100×30: from the key press to the end of the first repaint after it (what tui_latency.py
measures) and to the end of the last repaint before the app is idle again (a new screen takes several), on the
hand-worked example and on a 500-sample 784-100-50-25-10 MNIST trace; prints the median and the slowest
press of each key next to the targets (hand example < 150 ms, MNIST trace < 250 ms).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from tui_latency import PaintClock, mnist_trace

TARGETS = {"hand": 0.150, "mnist": 0.250}
#: each round: open a view, move inside it, close it, then a step on (so the next round sees a new step)
HAND_ROUND = ["w", "down", "right", "comma", "full_stop", "escape", "s", "down", "left", "escape", "right"]
MNIST_ROUND = ["w", "comma", "down", "escape", "s", "left", "escape", "i", "down", "escape", "m",
               "colon", "1", "enter", "number_sign", "9", "enter", "right"]


def press_times(trace, keys: list[str]) -> list[tuple[float, float]]:
    """For every key: (to the end of the first repaint after it, as tui_latency.py measures; to the end of
    the last repaint before the app is idle again: a new screen may take several)."""
    return asyncio.run(_settled(trace, keys))


async def _settled(trace, keys: list[str]) -> list[tuple[float, float]]:
    from backprop_tutor.tui.app import TutorApp

    clock = PaintClock()
    times = []
    try:
        async with TutorApp(trace).run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            for key in keys:
                t = time.perf_counter()
                await pilot.press(key)
                await pilot.pause()
                done = time.perf_counter()
                ends = [end for end in clock.ends if t < end <= done] or [done]
                times.append((ends[0] - t, ends[-1] - t))
    finally:
        clock.close()
    return times


def by_key(keys: list[str], seconds: list[tuple[float, float]]) -> dict[str, list[tuple[float, float]]]:
    out: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for key, s in zip(keys, seconds, strict=False):
        out[key].append(s)
    return out


def report(title: str, keys: list[str], seconds: list[tuple[float, float]], target: float) -> None:
    print(f"{title}: ms to the first repaint (median) | to the screen settled (median / slowest)")
    for key, times in by_key(keys, seconds).items():
        first = statistics.median(t[0] for t in times)
        settled = [t[1] for t in times]
        verdict = "ok" if statistics.median(settled) < target else "SLOW"  # a new screen is there when settled
        print(f"  {key:<12} {first * 1000:7.1f} | {statistics.median(settled) * 1000:7.1f} / {max(settled) * 1000:7.1f}"
              f"   target < {target * 1000:.0f} ms (settled, median)  {verdict}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--mnist", type=Path, help="a saved 500-sample trace (default: build one)")
    args = parser.parse_args()

    from backprop_tutor.spec import load_spec, resolve_example, run_spec
    from backprop_tutor.trace.store import TraceFile

    hand = run_spec(load_spec(resolve_example("hand-backprop")), "float64")
    keys = HAND_ROUND * args.rounds
    report("hand example", keys, press_times(hand, keys), TARGETS["hand"])
    with tempfile.TemporaryDirectory() as tmp:
        path = args.mnist or mnist_trace(Path(tmp) / "mnist-batch.h5")
        keys = MNIST_ROUND * args.rounds
        with TraceFile(path) as tf:
            report("MNIST 500-sample trace", keys, press_times(tf, keys), TARGETS["mnist"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
