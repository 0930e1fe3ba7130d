"""What a sweep leaves: the folder layout, each run's outcome and summary as its folder tells it, the choice
on validation accuracy, and the sweep's result (read by the report)."""

from __future__ import annotations

import contextlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from backprop_tutor.errors import UsageError
from backprop_tutor.train.config import TrainConfig
from backprop_tutor.train.metrics import EpochMetrics
from backprop_tutor.train.run_folder import METRICS_JSON, RunFolder
from backprop_tutor.train.schedule import LearningRateChange
from backprop_tutor.train.sweep.grid import Configuration

SWEEP_FILE = "sweep.json"
RUNS_DIR = "runs"
FINAL_DIR = "final"
PLOTS_DIR = "plots"
FAILURE_FILE = "failure.json"
TEST_FILE = "test.json"
#: Written on Ctrl-C: the runs in other processes (or on a cluster) see it and stop at a checkpoint.
STOP_FILE = ".stop"
SELECT_RULES = {"final": "the highest validation accuracy after the last epoch",
                "best-epoch": "the highest validation accuracy in any epoch"}


@dataclass
class RunOutcome:
    name: str
    status: str  # "complete", "interrupted" or "failed"
    error: str = ""


def run_state(folder: Path) -> str:
    """What a configuration's folder holds: "complete" (its completion marker), "failed" (failure.json),
    "running" (another process holds it), "interrupted" (a run to resume: from its checkpoint, or from the
    start if it was killed before one) or "new"."""
    run = RunFolder(folder)
    if run.is_complete():
        return "complete"
    if (folder / FAILURE_FILE).exists():
        return "failed"
    status = run.status()
    return {"none": "new", "diverged": "interrupted"}.get(status, status)


def read_metrics(folder: Path) -> dict[str, Any]:
    try:
        return json.loads((folder / METRICS_JSON).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


# --- reading runs back, and choosing one ----------------------------------------------------------
@dataclass
class RunSummary:
    """A configuration's run as its folder tells it: status, per-epoch figures, η changes, failure."""

    name: str
    settings: dict[str, Any]
    config: TrainConfig
    folder: Path
    status: str
    history: list[EpochMetrics] = field(default_factory=list)
    changes: list[LearningRateChange] = field(default_factory=list)
    error: str = ""

    @property
    def final(self) -> EpochMetrics | None:
        return self.history[-1] if self.history else None

    @property
    def best(self) -> EpochMetrics | None:
        """The epoch of the highest validation accuracy (the earliest of equals)."""
        return max(self.history, key=lambda m: m.val_accuracy, default=None)

    @property
    def seconds(self) -> float:
        return sum(m.seconds for m in self.history)

    def score(self, rule: str) -> float:
        """Validation accuracy by ``rule`` (see SELECT_RULES): after the last epoch, or the best epoch's."""
        chosen = self.final if rule == "final" else self.best
        return chosen.val_accuracy if chosen is not None else math.nan


def summarize(configuration: Configuration, folder: Path) -> RunSummary:
    status = run_state(folder)
    metrics = read_metrics(folder)
    error = ""
    if status == "failed":
        with contextlib.suppress(OSError, ValueError):
            error = json.loads((folder / FAILURE_FILE).read_text(encoding="utf-8"))["error"]
    return RunSummary(configuration.name, configuration.settings, configuration.config, folder, status,
                      [EpochMetrics.from_dict(m) for m in metrics.get("epochs", [])],
                      [LearningRateChange(c["after_epoch"], c["learning_rate"])
                       for c in metrics.get("learning_rate_changes", [])], error)


def select(summaries: list[RunSummary], rule: str) -> RunSummary:
    """The complete run with the highest validation accuracy by ``rule``; of equals, the first in grid order.
    Only validation figures are read: the test set plays no part in the choice."""
    if rule not in SELECT_RULES:
        raise UsageError(f"unknown selection rule {rule!r}; choose one of {', '.join(SELECT_RULES)}")
    complete = [s for s in summaries if s.status == "complete" and math.isfinite(s.score(rule))]
    if not complete:
        raise UsageError("no configuration finished, so there is nothing to choose from")
    return max(complete, key=lambda s: s.score(rule))  # max keeps the first of equal scores


@dataclass
class SweepResult:
    """``status``: "complete" (chosen, retrained, tested), "failed" (stopped by --fail-fast, or nothing
    finished) or "interrupted"; ``summaries`` in grid order."""

    status: str
    folder: Path
    summaries: list[RunSummary]
    chosen: RunSummary | None = None
    final: RunSummary | None = None
    test: dict[str, Any] | None = None
    report: dict[str, Any] | None = None
