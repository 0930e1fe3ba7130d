"""The run's picture: training and validation accuracy per epoch, with the η decays marked.

Drawn with matplotlib's object API on an Agg canvas (no pyplot, no window, no global backend switch).
"""

from __future__ import annotations

import os
from pathlib import Path

from backprop_tutor.fileio import atomic_path
from backprop_tutor.train.metrics import EpochMetrics
from backprop_tutor.train.schedule import LearningRateChange


def plot_accuracy(path: str | os.PathLike[str], history: list[EpochMetrics], changes: list[LearningRateChange],
                  title: str = "") -> Path:
    """Write a PNG: accuracy (top) and loss (bottom) vs epoch; dashed lines where η was divided."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 6.5), dpi=110, layout="constrained")
    FigureCanvasAgg(fig)
    acc, loss = fig.subplots(2, 1, sharex=True, height_ratios=(2, 1))
    epochs = [m.epoch for m in history]
    acc.plot(epochs, [100 * m.train_accuracy for m in history], "o-", ms=3, label="training")
    acc.plot(epochs, [100 * m.val_accuracy for m in history], "s-", ms=3, label="validation")
    loss.plot(epochs, [m.train_loss for m in history], "o-", ms=3, label="training")
    loss.plot(epochs, [m.val_loss for m in history], "s-", ms=3, label="validation")
    last = epochs[-1] if epochs else 0
    for change in changes:
        if change.after_epoch >= last:
            continue
        for ax in (acc, loss):
            ax.axvline(change.after_epoch + 0.5, color="grey", ls="--", lw=1)
        acc.annotate(f"η → {change.learning_rate:g}", (change.after_epoch + 0.5, 0.02),
                     xycoords=("data", "axes fraction"), rotation=90, va="bottom", ha="right",
                     fontsize=8, color="dimgrey")
    acc.set_ylabel("accuracy (%)")
    acc.legend(loc="lower right")
    acc.grid(alpha=0.3)
    acc.set_title(title or "accuracy per epoch")
    loss.set_ylabel("loss C (mean)")
    loss.set_xlabel("epoch")
    loss.grid(alpha=0.3)
    if epochs:
        loss.set_xlim(0.5, last + 0.5)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")
    return Path(path)
