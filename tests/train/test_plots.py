"""The accuracy plot: drawn on one reused figure per thread, so each plot must look as if drawn on a new one;
long titles wrapped, not cut."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
from PIL import Image

from backprop_tutor.train.metrics import EpochMetrics
from backprop_tutor.train.plots import plot_accuracy
from backprop_tutor.train.schedule import LearningRateChange

LONG_TITLE = ("tanh-lr0.1-b100-l2_0.0001-m0.9: 784-100-50-25-10 tanh, η₀ = 0.1, B = 100, xavier init, μ = 0.9, "
              "λ = 0.0001")


def _history(epochs: int, scale: float = 1.0) -> list[EpochMetrics]:
    return [EpochMetrics(epoch=e, learning_rate=0.1, train_loss=scale * 2 / e, train_accuracy=1 - 0.5 / (scale * e),
                         val_loss=scale * 2.2 / e, val_accuracy=0.97 - 0.5 / (scale * e), seconds=1.0)
            for e in range(1, epochs + 1)]


def _pixels(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"))


def _in_new_thread(*args: object, **kwargs: object) -> None:
    """plot_accuracy on a figure of its own: a new thread makes a new one."""
    thread = threading.Thread(target=plot_accuracy, args=args, kwargs=kwargs)
    thread.start()
    thread.join()


def test_a_plot_on_the_reused_figure_looks_as_on_a_new_one(tmp_path: Path) -> None:
    # first a longer, larger run with η changes, a legend and a long title; then a short one without changes
    changes = [LearningRateChange(10, 0.05), LearningRateChange(20, 0.02)]
    plot_accuracy(tmp_path / "first.png", _history(30, 3.0), changes, title=LONG_TITLE)
    plot_accuracy(tmp_path / "reused.png", _history(4), [], title="short")
    _in_new_thread(tmp_path / "new.png", _history(4), [], title="short")
    plot_accuracy(tmp_path / "empty.png", [], [])  # no epoch yet: still a picture
    reused, new = _pixels(tmp_path / "reused.png"), _pixels(tmp_path / "new.png")
    assert reused.shape == new.shape
    assert np.array_equal(reused, new), f"{np.sum(np.any(reused != new, axis=-1))} pixels differ"
    assert _pixels(tmp_path / "empty.png").shape == new.shape


def test_a_long_title_is_wrapped_not_cut(tmp_path: Path) -> None:
    plot_accuracy(tmp_path / "long.png", _history(5), [], title=LONG_TITLE)
    pixels = _pixels(tmp_path / "long.png")
    edges = np.concatenate([pixels[:, :3], pixels[:, -3:]], axis=1)
    assert edges.min() > 200, "something (the title) is drawn to the figure's left or right edge"


def test_the_same_curves_with_another_title(tmp_path: Path) -> None:
    """A sweep draws each run twice (the run's accuracy.png, the sweep's plots/<name>.png): the second time only
    the title is drawn anew, over the curves kept from the first."""
    history, changes = _history(12), [LearningRateChange(6, 0.05)]
    plot_accuracy(tmp_path / "run.png", history, changes, title="fashion: 784-30-10 tanh, η = 0.1, B = 10")
    plot_accuracy(tmp_path / "sweep.png", history, changes, title="tanh-b10: 784-30-10 tanh, η₀ = 0.1, B = 10")
    _in_new_thread(tmp_path / "new.png", history, changes, title="tanh-b10: 784-30-10 tanh, η₀ = 0.1, B = 10")
    run, sweep, new = (_pixels(tmp_path / f"{n}.png") for n in ("run", "sweep", "new"))
    assert np.array_equal(sweep, new), f"{np.sum(np.any(sweep != new, axis=-1))} pixels differ"
    assert not np.array_equal(run, sweep)
