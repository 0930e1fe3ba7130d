"""The pictures of runs: training and validation accuracy per epoch with the η decays marked (one run, or
a sweep's runs side by side), and a gallery of classified images.

Drawn with matplotlib's object API on an Agg canvas (no pyplot, no window, no global backend switch). The
accuracy plots have fixed margins (in inches): a sweep draws one per run, and matplotlib's automatic layout
was more than half of each drawing's time; for the same reason each thread draws them on one reused figure.
"""

from __future__ import annotations

import importlib
import math
import os
import textwrap
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from backprop_tutor.fileio import atomic_path
from backprop_tutor.train.metrics import EpochMetrics
from backprop_tutor.train.schedule import LearningRateChange

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

#: Characters per line of an accuracy plot's title (a sweep's run: its name and every setting); longer titles
#: are wrapped, not cut at the figure's edges.
TITLE_CHARS = 80
_REUSED = threading.local()  # per thread: matplotlib figures are not safe to share between threads
#: The matplotlib modules the drawings below import when they first draw (a run that draws nothing never loads
#: them); a sweep loads them ahead, where a core is idle (`load_matplotlib`, sweep.executors.WORKER_PRELOAD).
MATPLOTLIB_MODULES = ("matplotlib.figure", "matplotlib.backends.backend_agg", "matplotlib.ticker", "matplotlib.image")


def load_matplotlib() -> None:
    """Import `MATPLOTLIB_MODULES` now (~0.35 s of CPU), so that the first plot starts drawing at once."""
    for name in MATPLOTLIB_MODULES:
        importlib.import_module(name)


def plot_accuracy(path: str | os.PathLike[str], history: list[EpochMetrics], changes: list[LearningRateChange],
                  title: str = "") -> Path:
    """Write a PNG: accuracy (top) and loss (bottom) vs epoch; dashed lines where η was divided."""
    lines = textwrap.wrap(title, TITLE_CHARS) or ["accuracy per epoch"]
    fig, acc, loss = _accuracy_figure()
    drawn = (len(lines), [(m.epoch, m.train_accuracy, m.val_accuracy, m.train_loss, m.val_loss) for m in history],
             [(c.after_epoch, c.learning_rate) for c in changes])
    if drawn == getattr(_REUSED, "drawn", None):  # the same curves again with another title (a sweep's run)
        fig.canvas.restore_region(_REUSED.background)
    else:
        _REUSED.drawn = None  # (if drawing fails, nothing stale is reused)
        _draw_curves(fig, acc, loss, history, changes, len(lines))
        _REUSED.background, _REUSED.drawn = fig.canvas.copy_from_bbox(fig.bbox), drawn
    # y given: matplotlib's automatic title placement (it measures the axis for ticks and an offset text above
    # the axes, which the accuracy axis never has) was a tenth of each drawing
    acc.set_title("\n".join(lines), y=1.0)
    acc.draw_artist(acc.title)
    return _write_png(fig, path)


def _draw_curves(fig: Figure, acc: Axes, loss: Axes, history: list[EpochMetrics], changes: list[LearningRateChange],
                 title_lines: int) -> None:
    """Everything of an accuracy plot but its title (made room for: ``title_lines``), drawn on the canvas."""
    _empty(acc, loss)
    epochs = [m.epoch for m in history]
    draw_accuracy(acc, history, changes)
    loss.plot(epochs, [m.train_loss for m in history], "o-", ms=3, label="training")
    loss.plot(epochs, [m.val_loss for m in history], "s-", ms=3, label="validation")
    mark_changes(loss, changes, epochs[-1] if epochs else 0, labels=False)
    _margins(fig, left=0.8, right=0.15, top=0.35 + 0.2 * (title_lines - 1), bottom=0.55, hspace=0.12)
    if epochs:
        loss.set_xlim(0.5, epochs[-1] + 0.5)
    acc.title.set_visible(False)
    try:
        fig.canvas.draw()
    finally:
        acc.title.set_visible(True)


def _accuracy_figure() -> tuple[Figure, Axes, Axes]:
    """This thread's accuracy figure (accuracy and loss axes). Made once per thread and reused: a new figure's
    axes and ticks were a third of each plot's CPU."""
    made = getattr(_REUSED, "accuracy", None)
    if made is None:
        fig = _figure((8, 6.5), fixed=True)
        acc, loss = fig.subplots(2, 1, sharex=True, height_ratios=(2, 1))
        loss.set_ylabel("loss C (mean)")
        loss.set_xlabel("epoch")
        loss.grid(alpha=0.3)
        made = _REUSED.accuracy = (fig, acc, loss)
    return made


def _empty(*axes: Axes) -> None:
    """The previous plot's curves, η marks and legend taken off ``axes``; autoscaling as on new axes."""
    for ax in axes:
        for artist in [*ax.lines, *ax.texts, *([ax.legend_] if ax.legend_ else [])]:
            artist.remove()
        ax.set_prop_cycle(None)  # training in the first colour again, validation in the second
        ax.relim()  # forget the previous curves' data limits
        ax.set_autoscale_on(True)  # (set_xlim turned it off)


def draw_accuracy(ax: Axes, history: list[EpochMetrics], changes: list[LearningRateChange], *,
                  markers: float = 3, legend: bool = True) -> None:
    """Training and validation accuracy (%) vs epoch on ``ax``, the η decays marked."""
    from matplotlib.ticker import MaxNLocator

    epochs = [m.epoch for m in history]
    ax.plot(epochs, [100 * m.train_accuracy for m in history], "o-", ms=markers, label="training")
    ax.plot(epochs, [100 * m.val_accuracy for m in history], "s-", ms=markers, label="validation")
    mark_changes(ax, changes, epochs[-1] if epochs else 0, labels=True)
    ax.set_ylabel("accuracy (%)")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if legend:
        ax.legend(loc="lower right")
    ax.grid(alpha=0.3)


def mark_changes(ax: Axes, changes: list[LearningRateChange], last_epoch: int, *, labels: bool) -> None:
    """A dashed line between epoch e and e + 1 for every η change after epoch e (within the epochs drawn)."""
    for change in changes:
        if change.after_epoch >= last_epoch:
            continue
        ax.axvline(change.after_epoch + 0.5, color="grey", ls="--", lw=1)
        if labels:
            ax.annotate(f"η → {change.learning_rate:g}", (change.after_epoch + 0.5, 0.02),
                        xycoords=("data", "axes fraction"), rotation=90, va="bottom", ha="right",
                        fontsize=8, color="dimgrey")


def plot_overview(path: str | os.PathLike[str], runs: list[tuple[str, list[EpochMetrics], list[LearningRateChange]]],
                  title: str = "", chosen: str | None = None) -> Path:
    """All of a sweep's runs on one figure: one small accuracy panel per (name, history, changes), on a
    shared accuracy axis, the chosen one's title starred."""
    columns = min(3, max(1, len(runs)))
    rows = max(1, math.ceil(len(runs) / columns))
    fig = _figure((4.2 * columns, 3.0 * rows + 0.4), fixed=True)
    grid = fig.add_gridspec(rows, columns)
    _margins(fig, left=0.7, right=0.15, top=0.75 if title else 0.35, bottom=0.5, hspace=0.45, wspace=0.06)
    axes: list[Axes] = []
    # axes only where a run is (an empty cell of the last row drew nothing but cost a tenth of the drawing)
    for i, (name, history, changes) in enumerate(runs):
        ax = fig.add_subplot(grid[divmod(i, columns)], sharey=axes[0] if axes else None)
        axes.append(ax)
        draw_accuracy(ax, history, changes, markers=1.5, legend=i == 0)
        if i % columns:  # the shared accuracy axis is labelled and numbered once per row, on the left
            ax.set_ylabel("")
            ax.tick_params(axis="y", which="both", labelleft=False)
        # y given: matplotlib's automatic placement measured every axis for ticks above it (they have none)
        ax.set_title(("★ " if name == chosen else "") + name, fontsize=9, y=1.0,
                     fontweight="bold" if name == chosen else "normal")
        ax.set_xlabel("epoch", fontsize=8)
    if title:
        fig.suptitle(title)
    return _save(fig, path)


def plot_gallery(path: str | os.PathLike[str], images: np.ndarray, predicted: np.ndarray, labels: np.ndarray,
                 names: tuple[str, ...], per_group: int = 16, columns: int = 8) -> Path:
    """Write a PNG: the first ``per_group`` correctly classified images, then the first ``per_group``
    misclassified ones, each titled "#index predicted" (and "true …" for a mistake)."""
    right = np.flatnonzero(predicted == labels)[:per_group]
    wrong = np.flatnonzero(predicted != labels)[:per_group]
    groups = [(f"correctly classified (first {len(right)} of {int(np.sum(predicted == labels))})", right, "green"),
              (f"misclassified (first {len(wrong)} of {int(np.sum(predicted != labels))})", wrong, "firebrick")]
    groups = [g for g in groups if len(g[1])]
    heights = [max(1, math.ceil(len(g[1]) / columns)) for g in groups]
    fig = _figure((1.25 * columns, 1.55 * sum(heights) + 0.5 * len(groups)))
    subfigs = fig.subfigures(len(groups), 1, height_ratios=heights, squeeze=False).ravel()
    for sub, (heading, rows, colour), height in zip(subfigs, groups, heights, strict=True):
        sub.suptitle(heading, fontsize=10, color=colour)
        axes = sub.subplots(height, columns, squeeze=False).ravel()
        for ax in axes:
            ax.set_axis_off()
        for ax, i in zip(axes, rows, strict=False):
            side = math.isqrt(images.shape[1])
            ax.imshow(images[i].reshape(side, side), cmap="gray_r", vmin=0, vmax=1, interpolation="nearest")
            title = f"#{i} {names[predicted[i]]}"
            if predicted[i] != labels[i]:
                title += f"\ntrue {names[labels[i]]}"
            ax.set_title(title, fontsize=7, color=colour)
    return _save(fig, path)


def _figure(size: tuple[float, float], fixed: bool = False) -> Figure:
    """A figure of ``size`` inches; ``fixed``: the caller sets the margins (`_margins`), else matplotlib's
    constrained layout places everything."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, dpi=110, layout=None if fixed else "constrained")
    FigureCanvasAgg(fig)
    return fig


def _margins(fig: Figure, *, left: float, right: float, top: float, bottom: float, hspace: float,
             wspace: float = 0.2) -> None:
    """Margins in inches (so they hold at any figure size); the gaps between axes as matplotlib's fractions."""
    width, height = fig.get_size_inches()
    fig.subplots_adjust(left=left / width, right=1 - right / width, top=1 - top / height, bottom=bottom / height,
                        hspace=hspace, wspace=wspace)


def _save(fig: Figure, path: str | os.PathLike[str]) -> Path:
    fig.canvas.draw()
    return _write_png(fig, path)


def _write_png(fig: Figure, path: str | os.PathLike[str]) -> Path:
    """The canvas as drawn (as `Figure.savefig` writes it), atomically; zlib's fastest level (files ~15 % larger,
    a third of the encoding's CPU)."""
    from matplotlib.image import imsave

    with atomic_path(path) as tmp:
        imsave(tmp, np.asarray(fig.canvas.buffer_rgba()), format="png", dpi=fig.dpi,
               pil_kwargs={"compress_level": 1})
    return Path(path)
