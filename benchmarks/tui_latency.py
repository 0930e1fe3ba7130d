"""How quickly the step-through UI answers a key, and how quickly it starts.

    PYTHONPATH=. python benchmarks/tui_latency.py [--presses 50] [--mnist FILE.h5]

Measures, headless (App.run_test at 100×30), the median time from a key press to the repainted screen
(pilot.press + pilot.pause) on the hand-worked example and on a 500-sample 784-100-50-25-10 MNIST trace
(built from ../shared/data/mnist-t10k unless --mnist names one), the time from constructing the app to
its first paint, and the cold start of whole processes. Prints medians next to the targets.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
MNIST = ROOT.parent / "shared" / "data" / "mnist-t10k"
TARGETS = {"hand": 0.050, "mnist": 0.200, "help": 0.150, "startup": 1.5}


def mnist_trace(path: Path, n: int = 500) -> Path:
    """One SGD step of a 784-100-50-25-10 tanh/softmax net on the first n MNIST test images, saved."""
    from backprop_tutor.data.formats import read_idx
    from backprop_tutor.engine.network import mlp
    from backprop_tutor.trace.events import TraceHeader
    from backprop_tutor.trace.recorder import Recorder
    from backprop_tutor.trace.store import save_trace

    x = read_idx(MNIST / "t10k-images-idx3-ubyte.gz")[:n].reshape(n, -1).astype(np.float32) / 255
    y = np.eye(10, dtype=np.float32)[read_idx(MNIST / "t10k-labels-idx1-ubyte.gz")[:n].astype(int)]
    sizes, acts = [784, 100, 50, 25, 10], ["tanh"] * 3 + ["softmax"]
    net = mlp(sizes, acts, "cross-entropy", "float32", seed=1)
    recorder = Recorder(TraceHeader(sizes=sizes, activations=acts, loss="cross-entropy", precision="float32",
                                    learning_rate=0.01, batch_size=n, title="MNIST minibatch"))
    net.train_step(x, y, 0.01, recorder)
    return save_trace(recorder.trace, path)


class PaintClock:
    """Records when each screen refresh (the compositor writing the screen) finishes."""

    def __init__(self) -> None:
        from textual.screen import Screen

        self.ends: list[float] = []
        self.screens: list[str] = []  # the class of the screen painted, per paint
        self._screen, self._original = Screen, Screen._compositor_refresh
        clock = self

        def timed(screen, *args, **kwargs):
            result = clock._original(screen, *args, **kwargs)
            clock.ends.append(time.perf_counter())
            clock.screens.append(type(screen).__name__)
            return result

        Screen._compositor_refresh = timed

    def first_after(self, t: float, screen: str | None = None) -> float | None:
        """The end of the first repaint after ``t`` (of a screen of class ``screen``, if given)."""
        return next((end for end, name in zip(self.ends, self.screens, strict=True)
                     if end > t and screen in (None, name)), None)

    def close(self) -> None:
        self._screen._compositor_refresh = self._original


async def key_latencies(trace, keys: list[str], app=None, screen: str | None = None
                        ) -> tuple[float, list[float], list[float]]:
    """(construction → first paint, [press + pause per key], [key → end of the first repaint after it,
    of a ``screen`` if given])."""
    from backprop_tutor.tui.app import TutorApp

    clock = PaintClock()
    try:
        t0 = time.perf_counter()
        app = app or TutorApp(trace)
        async with app.run_test(size=(100, 30)) as pilot:
            await pilot.pause()
            startup = (clock.first_after(t0) or time.perf_counter()) - t0
            pilot_times, paint_times = [], []
            for key in keys:
                t = time.perf_counter()
                await pilot.press(key)
                await pilot.pause()
                pilot_times.append(time.perf_counter() - t)
                end = clock.first_after(t, screen if key == "question_mark" else None)
                if end is not None:
                    paint_times.append(end - t)
    finally:
        clock.close()
    return startup, pilot_times, paint_times


def empty_app():
    """The same measurement on an app that only updates one Static: what Pilot itself costs."""
    from textual.app import App
    from textual.widgets import Footer, Static

    class Empty(App[None]):
        BINDINGS = [("right", "next", "Next"), ("left", "next", "Back")]  # noqa: RUF012
        count = 0

        def compose(self):
            yield Static("0", id="n")
            yield Footer()

        def action_next(self) -> None:
            self.count += 1
            self.query_one("#n", Static).update(str(self.count))

    return Empty()


def walk(n_steps: int, presses: int) -> list[str]:
    """→ to the last step, ← back to the first, and again: every step shown, forward and back."""
    keys: list[str] = []
    while len(keys) < presses:
        keys += ["right"] * (n_steps - 1) + ["left"] * (n_steps - 1)
    return keys[:presses]


def cold(args: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run([sys.executable, *args], cwd=ROOT, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
                   check=True, capture_output=True)
    return time.perf_counter() - t


def row(name: str, seconds: float, target: float | None) -> None:
    verdict = "" if target is None else f"target < {target * 1000:.0f} ms  {'ok' if seconds < target else 'SLOW'}"
    print(f"  {name:<58} {seconds * 1000:8.1f} ms   {verdict}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--presses", type=int, default=50)
    parser.add_argument("--mnist", type=Path, help="a saved 500-sample trace (default: build one)")
    args = parser.parse_args()

    from backprop_tutor.spec import load_spec, resolve_example, run_spec
    from backprop_tutor.trace.store import TraceFile

    hand = run_spec(load_spec(resolve_example("hand-backprop")), "float64")
    _, p_empty, r_empty = asyncio.run(key_latencies(None, walk(14, args.presses), app=empty_app()))
    start_hand, p_hand, r_hand = asyncio.run(key_latencies(hand, walk(len(hand), args.presses)))
    _, _, r_help = asyncio.run(key_latencies(hand, ["question_mark", "escape"] * (args.presses // 2),
                                             screen="HelpScreen"))
    r_help = r_help[0::2]  # the ? presses (the escapes close it)

    with tempfile.TemporaryDirectory() as tmp:
        path = args.mnist or mnist_trace(Path(tmp) / "mnist-batch.h5")
        with TraceFile(path) as tf:
            start_mnist, p_steps, r_steps = asyncio.run(key_latencies(tf, walk(len(tf), args.presses)))
        with TraceFile(path) as tf:
            _, _, r_help_mnist = asyncio.run(key_latencies(tf, ["question_mark", "escape"] * (args.presses // 2),
                                                           screen="HelpScreen"))
            r_help_mnist = r_help_mnist[0::2]
        with TraceFile(path) as tf:  # a new sample each press: nothing cached, rows read from disk
            keys = ["right"] * 6 + ["right_square_bracket"] * args.presses
            _, p_samples, r_samples = asyncio.run(key_latencies(tf, keys))
            p_samples, r_samples = p_samples[6:], r_samples[6:]
        hand_file = Path(tmp) / "hand.h5"
        from backprop_tutor.trace.store import save_trace

        save_trace(hand, hand_file)
        cold_help = statistics.median(cold(["-m", "backprop_tutor", "view", str(hand_file), "--help"])
                                      for _ in range(3))
        cold_import = statistics.median(cold(["-c", "import backprop_tutor.tui.app"]) for _ in range(3))

    med = statistics.median
    print(f"key press → end of the first repaint after it, median of {args.presses} presses (headless, 100×30):")
    row("hand example, → and ← through all 14 steps", med(r_hand), TARGETS["hand"])
    row("MNIST 500-sample trace, → and ← through all steps", med(r_steps), TARGETS["mnist"])
    row("MNIST 500-sample trace, ] (new sample, uncached) at δ(4)", med(r_samples), TARGETS["mnist"])
    row("hand example, ? (open the help; escape closes it)", med(r_help), TARGETS["help"])
    row("MNIST 500-sample trace, ? (open the help)", med(r_help_mnist), TARGETS["help"])
    row("(reference: an app that updates one Static)", med(r_empty), None)
    print("the same, measured as pilot.press + pilot.pause (includes Pilot's idle-waiting):")
    row("hand example", med(p_hand), TARGETS["hand"])
    row("MNIST 500-sample trace, steps", med(p_steps), TARGETS["mnist"])
    row("MNIST 500-sample trace, ] samples", med(p_samples), TARGETS["mnist"])
    row("(reference: an app that updates one Static)", med(p_empty), None)
    print("start-up:")
    row("hand example: App() → first paint", start_hand, TARGETS["startup"])
    row("MNIST trace: App() → first paint", start_mnist, TARGETS["startup"])
    row("process: python -m backprop_tutor view FILE --help", cold_help, TARGETS["startup"])
    row("process: python -c 'import backprop_tutor.tui.app'", cold_import, TARGETS["startup"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
