"""What a run measures after every epoch: loss and accuracy on the training and validation sets.

Both come from forward passes only (inference, no a'(l), no update), in chunks, with the parameters
at the end of the epoch. Loss is the mean of C = −Σ_k y_k log a_k over the set.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import io
import math
import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from threadpoolctl import ThreadpoolController

from backprop_tutor.engine.network import Network
from backprop_tutor.fileio import write_text_atomic

#: Rows per forward pass when measuring (bigger chunks keep the matrix products efficient).
EVAL_CHUNK = 1000


@dataclass
class EpochMetrics:
    """One epoch's figures. Accuracies are fractions in [0, 1]; ``seconds`` is the epoch's wall time: its steps
    and its measuring pass, or, for an epoch measured behind on another core (`train.behind`), its steps and any
    wait for the figures of the epoch before it (its own are taken while the next epoch trains)."""

    epoch: int
    learning_rate: float
    train_loss: float
    train_accuracy: float
    val_loss: float
    val_accuracy: float
    seconds: float

    @property
    def finite(self) -> bool:
        return math.isfinite(self.train_loss) and math.isfinite(self.val_loss)

    def to_dict(self) -> dict[str, float | int | None]:
        """JSON-ready: a NaN or infinite figure (a diverged run) becomes None (null)."""
        # (not dataclasses.asdict: it deep-copies, 15 µs an epoch's figures, written ~100 times at each epoch's end)
        return {k: (None if isinstance(v, float) and not math.isfinite(v) else v)
                for k in COLUMNS for v in (getattr(self, k),)}

    @classmethod
    def from_dict(cls, values: dict[str, float | int | None]) -> EpochMetrics:
        return cls(**{k: (math.nan if v is None else v) for k, v in values.items()})  # type: ignore[arg-type]


@dataclass
class RunMetrics:
    """metrics.json: the run's ``status`` as it last wrote it ("running", "interrupted", "diverged",
    "complete"), the figures of every epoch so far, the η changes already made ({"after_epoch",
    "first_epoch", "learning_rate"}), warnings (e.g. a growing loss), and ``test`` ({"loss",
    "accuracy", "n_test"}) once a run with the test setting completes, else None."""

    status: str
    epochs: list[EpochMetrics]
    learning_rate_changes: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    test: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "epochs": [m.to_dict() for m in self.epochs],
                "learning_rate_changes": self.learning_rate_changes, "warnings": self.warnings, "test": self.test}

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> RunMetrics:
        """Raises TypeError, KeyError or AttributeError for a file that does not have this shape."""
        return cls(str(values["status"]), [EpochMetrics.from_dict(m) for m in values["epochs"]],
                   list(values.get("learning_rate_changes", [])), list(values.get("warnings", [])),
                   values.get("test"))


def evaluate(net: Network, x: np.ndarray, y: np.ndarray, chunk: int = EVAL_CHUNK) -> tuple[float, float]:
    """(mean loss, accuracy) of ``net`` on (x, y) by forward passes only; y one-hot (N, 10)."""
    return mean_figures(chunk_figures(net, x, y, 0, x.shape[0], chunk), x.shape[0])


#: (sum of C, number right) of one chunk of rows
ChunkFigures = tuple[float, int]


def chunk_figures(net: Network, x: np.ndarray, y: np.ndarray, start: int, stop: int,
                  chunk: int = EVAL_CHUNK, classes: np.ndarray | None = None) -> list[ChunkFigures]:
    """(Σ C, number right) of each chunk of rows start, start + chunk, … < stop, by forward passes of ``net``.
    ``classes``: argmax of every row of y, if known already (else taken chunk by chunk)."""
    figures = []
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for first in range(start, stop, chunk):
            end = min(first + chunk, stop)
            xc, yc = x[first:end], y[first:end]
            a_L = net.forward(xc, derivatives=False)
            k = np.argmax(yc, axis=1) if classes is None else classes[first:end]
            right = int(np.count_nonzero(np.argmax(a_L, axis=1) == k))
            figures.append((float(np.sum(net.cost(yc), dtype=np.float64)), right))
    return figures


def mean_figures(figures: list[ChunkFigures], n: int) -> tuple[float, float]:
    """(mean loss, accuracy) over n rows from their chunks' figures, added in the chunks' order."""
    if n == 0:
        return math.nan, math.nan
    total_loss = 0.0
    correct = 0
    for loss_sum, right in figures:
        total_loss += loss_sum
        correct += right
    return total_loss / n, correct / n


class ChunkHelpers(Protocol):
    """Other processes that measure runs of chunks while this one measures its own (`train.processes`)."""

    count: int  # how many

    def measure(self, x: np.ndarray, y: np.ndarray, chunk: int, chunks: list[tuple[int, int]]) -> bool:
        """Ask each for the chunks [first, stop) of ``chunk`` rows of (x, y), one run each; False if they do not
        hold (x, y) or do not measure in chunks of that size."""

    def figures(self) -> list[ChunkFigures]:
        """The figures of the chunks asked for, in order, once they are in."""


class Evaluator:
    """(mean loss, accuracy) of a network by forward passes in chunks, on ``threads`` cores: each thread takes
    a run of consecutive chunks with one BLAS thread and its own work arrays (a second Network on the same
    layers). Every chunk is computed as one thread computes it and the chunks' sums are added in order, so
    the figures are those of a one-thread pass, whatever ``threads``. Why not one pass on several BLAS
    threads: only the products split over them, the elementwise work and the small layers stay on one
    core while the other BLAS threads wait (spinning); threads of one BLAS thread each split everything
    and use 5 % more CPU than one thread (measured on machine A, benchmarks/README.md). With ``helpers`` (a run
    split over processes), they take runs of the chunks of the sets they hold in the same way."""

    def __init__(self, net: Network, threads: int = 1, chunk: int = EVAL_CHUNK,
                 helpers: ChunkHelpers | None = None) -> None:
        self.chunk, self.helpers = chunk, helpers
        self.nets = [net] + [Network(net.layers, net.loss, net.ops, net.relu_prime_at_zero)
                             for _ in range(max(threads, 1) - 1)]
        self._classes: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def classes(self, y: np.ndarray) -> np.ndarray:
        """argmax of every row of the labels y, taken once per label array: a run measures the same arrays every
        epoch, never changed (numpy's argmax along short rows costs ~1 ms per 60,000 rows). The array is kept
        beside its classes, so its id cannot pass to another array."""
        kept = self._classes.get(id(y))
        if kept is None or kept[0] is not y:
            if len(self._classes) >= 4:
                self._classes.clear()
            kept = self._classes[id(y)] = (y, np.argmax(y, axis=1))
        return kept[1]

    def figures(self, x: np.ndarray, y: np.ndarray) -> list[ChunkFigures]:
        """Each chunk's (Σ C, number right), in order."""
        n_chunks = -(-x.shape[0] // self.chunk)
        classes = self.classes(y)
        if self.helpers is not None and n_chunks > 1:
            parts = np.array_split(np.arange(n_chunks), min(self.helpers.count + 1, n_chunks))
            if self.helpers.measure(x, y, self.chunk, [(int(p[0]), int(p[-1]) + 1) for p in parts[1:]]):
                stop = min((int(parts[0][-1]) + 1) * self.chunk, x.shape[0])
                return chunk_figures(self.nets[0], x, y, 0, stop, self.chunk, classes) + self.helpers.figures()
        if len(self.nets) == 1 or n_chunks == 0:
            return chunk_figures(self.nets[0], x, y, 0, x.shape[0], self.chunk, classes)
        from concurrent.futures import ThreadPoolExecutor

        parts = np.array_split(np.arange(n_chunks), min(len(self.nets), n_chunks))
        bounds = [(int(p[0]) * self.chunk, min((int(p[-1]) + 1) * self.chunk, x.shape[0])) for p in parts]
        with _blas_threads(1), ThreadPoolExecutor(max(len(bounds) - 1, 1)) as pool:
            others = [pool.submit(chunk_figures, net, x, y, *b, self.chunk, classes)
                      for net, b in zip(self.nets[1:], bounds[1:], strict=False)]
            figures = chunk_figures(self.nets[0], x, y, *bounds[0], self.chunk, classes)
            for other in others:
                figures += other.result()
        return figures

    def __call__(self, x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
        return mean_figures(self.figures(x, y), x.shape[0])

    def training_and_validation(self, x_train: np.ndarray, y_train: np.ndarray, x_val: np.ndarray,
                                y_val: np.ndarray) -> tuple[tuple[float, float], tuple[float, float]]:
        """The figures of both sets. When the validation images are the last training images (a sweep's final
        run trains on training + validation images) and the chunks line up, the validation figures are the
        last chunks' of the training pass: the same products on the same memory, so the same numbers."""
        figures = self.figures(x_train, y_train)
        first = _tail_row(x_val, x_train)
        if first is not None and first == _tail_row(y_val, y_train) and first % self.chunk == 0:
            val = mean_figures(figures[first // self.chunk:], x_val.shape[0])
        else:
            val = self(x_val, y_val)
        return mean_figures(figures, x_train.shape[0]), val


def _tail_row(part: np.ndarray, whole: np.ndarray) -> int | None:
    """The row of ``whole`` where ``part`` begins if ``part`` is ``whole``'s last rows in the same memory, else
    None."""
    n = part.shape[0]
    if not (0 < n <= whole.shape[0] and part.shape[1:] == whole.shape[1:] and part.dtype == whole.dtype
            and part.strides == whole.strides and whole.flags.c_contiguous):
        return None
    first = whole.shape[0] - n
    offset = part.__array_interface__["data"][0] - whole.__array_interface__["data"][0]
    return first if offset == first * whole.strides[0] else None


@functools.cache
def _controller() -> ThreadpoolController:
    return ThreadpoolController()


def _blas_threads(n: int) -> contextlib.AbstractContextManager[object]:
    """The BLAS libraries held at ``n`` threads for a while (µs to set, where `threadpool_limits` takes 0.25 ms)."""
    return _controller().limit(limits=n, user_api="blas")


COLUMNS = tuple(f.name for f in fields(EpochMetrics))


def metrics_csv(history: list[EpochMetrics]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for m in history:
        writer.writerow([repr(v) if isinstance(v, float) else v for v in (getattr(m, c) for c in COLUMNS)])
    return out.getvalue()


def write_metrics_csv(path: str | os.PathLike[str], history: list[EpochMetrics]) -> Path:
    return write_text_atomic(path, metrics_csv(history))
