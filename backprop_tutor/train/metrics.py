"""What a run measures after every epoch: loss and accuracy on the training and validation sets.

Both come from forward passes only (inference, no a'(l), no update), in chunks, with the parameters
at the end of the epoch. Loss is the mean of C = −Σ_k y_k log a_k over the set.
"""

from __future__ import annotations

import csv
import io
import math
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np

from backprop_tutor.engine.network import Network
from backprop_tutor.fileio import write_text_atomic

#: Rows per forward pass when measuring (bigger chunks keep the matrix products efficient).
EVAL_CHUNK = 1000


@dataclass
class EpochMetrics:
    """One epoch's figures. Accuracies are fractions in [0, 1]; ``seconds`` is the epoch's wall time."""

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
        return {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in asdict(self).items()}

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
    n = x.shape[0]
    if n == 0:
        return math.nan, math.nan
    total_loss = 0.0
    correct = 0
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        for start in range(0, n, chunk):
            xc, yc = x[start:start + chunk], y[start:start + chunk]
            a_L = net.forward(xc, derivatives=False)
            correct += int(np.count_nonzero(np.argmax(a_L, axis=1) == np.argmax(yc, axis=1)))
            total_loss += float(np.sum(net.cost(yc), dtype=np.float64))
    return total_loss / n, correct / n


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
