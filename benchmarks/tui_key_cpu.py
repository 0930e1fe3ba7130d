"""How much CPU one key press costs the step-through UI and `tutor practice`, and how many layouts it makes.

    PYTHONPATH=. python benchmarks/tui_key_cpu.py [--rounds 5] [--presses 52]

Headless (App.run_test at 100×30), CPU time of this process (time.process_time) around each round of key
presses, each followed by pilot.pause (the app idle again): the viewer walks → to the last step and ← back on
the hand example and on a 500-sample 784-100-50-25-10 MNIST trace (built from ../shared/data/mnist-t10k);
practice answers every value with ctrl+r (reveal), esc (leave the answer box) and → on the hand example and
on MNIST test image 0 through a 784-4-10 network (the UI tests' practice problem). Prints the median and the
least CPU per key over the rounds (CPU time still grows with the load of a shared machine: compare figures
measured back to back) and the screen layouts per key (Screen._refresh_layout, Textual's full reflow).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from tui_latency import MNIST, mnist_trace, walk

LAYOUTS = [0]


def count_layouts() -> None:
    from textual.screen import Screen

    original = Screen._refresh_layout

    def counted(screen, *args, **kwargs):
        LAYOUTS[0] += 1
        return original(screen, *args, **kwargs)

    Screen._refresh_layout = counted


async def rounds_of(make_app: Callable, keys_of: Callable, rounds: int) -> tuple[list[float], float]:
    """CPU seconds per key of each round (a new app each round), and layouts per key in the last."""
    cpu, layouts = [], 0.0
    for _ in range(rounds):
        app = make_app()
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            keys = keys_of(app)
            LAYOUTS[0], start = 0, time.process_time()
            for key in keys:
                await pilot.press(key)
                await pilot.pause()
            cpu.append((time.process_time() - start) / len(keys))
            layouts = LAYOUTS[0] / len(keys)
    return cpu, layouts


def mnist_practice_spec():
    """Test image 0 through a 784-4-10 tanh/softmax network (He init, seed 1), as tests/tui/conftest.py."""
    import numpy as np

    from backprop_tutor.data.formats import read_idx
    from backprop_tutor.spec import parse_spec

    x = read_idx(MNIST / "t10k-images-idx3-ubyte.gz")[0].reshape(-1).astype(np.float32) / 255
    y = np.eye(10, dtype=np.float32)[int(read_idx(MNIST / "t10k-labels-idx1-ubyte.gz")[0])]
    return parse_spec({"title": "MNIST image 0: 784-4-10 tanh/softmax", "loss": "cross-entropy",
                       "learning_rate": 0.1, "init": {"scheme": "he", "seed": 1},
                       "data": {"x": [[float(v) for v in x]], "y": [[int(v) for v in y]]},
                       "layer": [{"activation": "tanh", "units": 4}, {"activation": "softmax", "units": 10}]},
                      "<mnist image 0>")


def row(name: str, cpu: list[float], layouts: float) -> None:
    print(f"  {name:<44} {statistics.median(cpu) * 1000:6.1f} ms (least {min(cpu) * 1000:5.1f})   "
          f"{layouts:.2f} layouts per key")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--presses", type=int, default=52, help="keys per round in the viewer")
    args = parser.parse_args()

    from backprop_tutor.check.expected import reference_for
    from backprop_tutor.check.practice import PracticeSession
    from backprop_tutor.spec import load_spec, resolve_example, run_spec
    from backprop_tutor.trace.store import TraceFile
    from backprop_tutor.tui.app import TutorApp
    from backprop_tutor.tui.practice import PracticeApp

    count_layouts()
    viewer_keys = lambda app: walk(len(app.source), args.presses)  # noqa: E731
    practice_keys = lambda app: ["ctrl+r", "escape", "right"] * (len(app.source) - 1)  # noqa: E731
    print(f"CPU per key press, headless 100×30, median of {args.rounds} rounds:")
    hand = run_spec(load_spec(resolve_example("hand-backprop")), "float64")
    row("viewer, hand example (→ and ←)", *asyncio.run(rounds_of(lambda: TutorApp(hand), viewer_keys, args.rounds)))
    with tempfile.TemporaryDirectory() as tmp:
        path = mnist_trace(Path(tmp) / "mnist-batch.h5")
        with TraceFile(path) as trace:
            row("viewer, 500-sample MNIST trace (→ and ←)",
                *asyncio.run(rounds_of(lambda: TutorApp(trace), viewer_keys, args.rounds)))
    for name, spec in (("hand example", load_spec(resolve_example("hand-backprop"))),
                       ("MNIST image, 784-4-10", mnist_practice_spec())):
        ref = reference_for(spec)
        row(f"practice, {name} (ctrl+r, esc, →)",
            *asyncio.run(rounds_of(lambda ref=ref: PracticeApp(PracticeSession(ref)), practice_keys, args.rounds)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
