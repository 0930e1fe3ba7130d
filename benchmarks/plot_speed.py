"""How much CPU an accuracy plot (`train.plots.plot_accuracy`, a run's accuracy.png) and a sweep's overview cost.

    PYTHONPATH=. python benchmarks/plot_speed.py [--rounds 5] [--plots 20]

CPU time of this process (time.process_time) per plot of a 50-epoch history with two η changes and a sweep's
title, written to a temporary folder: "new curves" draws a different history each time (as `tutor train` and
the tests do), "another title" the same curves again under another title (a sweep draws each run twice: the
run's accuracy.png, then plots/<name>.png), "first in a process" includes making the figure (matplotlib
imported already); "sweep overview" is a sweep's overview.png of 4 runs of 3 epochs (`plot_overview`, 2 × 3
panels, the size of the tests' sweeps), made anew each time as a sweep does. Prints the median and the least
over the rounds. CPU time still grows with the load of a shared machine, so compare figures measured back to
back (A/B against an older checkout: PYTHONPATH=that checkout, python this script).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from backprop_tutor.train.metrics import EpochMetrics
from backprop_tutor.train.plots import plot_accuracy, plot_overview
from backprop_tutor.train.schedule import LearningRateChange

CHANGES = [LearningRateChange(20, 0.005), LearningRateChange(35, 0.0025)]
TITLES = ("fashion-mnist: 784-100-50-25-10 relu, η = 0.01, B = 500",
          "relu-lr0.01: 784-100-50-25-10 relu, η₀ = 0.01, B = 500, xavier init")


def history(epochs: int, shift: float) -> list[EpochMetrics]:
    return [EpochMetrics(epoch=e, learning_rate=0.01, train_loss=2 / e ** 0.5 + shift,
                         train_accuracy=1 - 0.5 / e ** 0.5,
                         val_loss=2.1 / e ** 0.5 + shift, val_accuracy=0.98 - 0.5 / e ** 0.5 - shift, seconds=1.0)
            for e in range(1, epochs + 1)]


def per_plot(folder: Path, plots: int, same_curves: bool) -> float:
    """CPU seconds per plot over ``plots`` plots."""
    runs = [history(50, 0.0), history(50, 0.01)]
    started = time.process_time()
    for i in range(plots):
        curves = runs[0] if same_curves else runs[i % 2]
        plot_accuracy(folder / f"{i}.png", curves, CHANGES, title=TITLES[i % 2])
    return (time.process_time() - started) / plots


def per_overview(folder: Path, plots: int) -> float:
    """CPU seconds per sweep overview of 4 runs over ``plots`` overviews."""
    runs = [(f"relu-lr0.{i + 1}", history(3, 0.01 * i), []) for i in range(4)]
    started = time.process_time()
    for i in range(plots):
        plot_overview(folder / f"overview-{i}.png", runs, title="training and validation accuracy per epoch",
                      chosen=runs[1][0])
    return (time.process_time() - started) / plots


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--plots", type=int, default=20)
    args = parser.parse_args()
    import matplotlib.backends.backend_agg
    import matplotlib.figure  # noqa: F401 (imported before the clock starts, as a sweep's workers do)

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        first = per_plot(folder, 1, same_curves=False)
        per_overview(folder, 1)  # (its bold title font loaded)
        figures = {"new curves": [], "another title": [], "sweep overview": []}
        for _ in range(args.rounds):
            for name, values in figures.items():
                values.append(per_overview(folder, args.plots) if name == "sweep overview" else
                              per_plot(folder, args.plots, same_curves=name == "another title"))
    print(f"first in a process  {1000 * first:6.1f} ms CPU")
    for name, values in figures.items():
        print(f"{name:<19} {1000 * statistics.median(values):6.1f} ms CPU per plot (median of {args.rounds} rounds "
              f"of {args.plots}; least {1000 * min(values):.1f})")


if __name__ == "__main__":
    main()
