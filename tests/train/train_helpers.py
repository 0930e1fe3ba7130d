"""Builders for the training tests' data (tiny, written to a temporary folder), comparing their results, and
recording the runs a sweep hands out (holding a test to a number of cores: tests/cores.py)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from backprop_tutor.train.sweep import executors, workflow

#: `tutor` in a process of its own (the same Python, whether or not the script is on PATH)
TUTOR = [sys.executable, "-c", "import sys; from backprop_tutor.cli import main; sys.exit(main(sys.argv[1:]))"]


def make_npz(path: Path, n_train: int = 600, n_test: int = 100, seed: int = 0, noise: float = 0.35) -> Path:
    """Ten classes, each a fixed random 28×28 template plus noise: easy enough to learn in a few epochs."""
    rng = np.random.default_rng(seed)
    templates = rng.random((10, 784))

    def images(n: int) -> tuple[np.ndarray, np.ndarray]:
        labels = rng.integers(0, 10, n)
        x = np.clip(templates[labels] + noise * rng.standard_normal((n, 784)), 0, 1)
        return (x * 255).round().astype(np.uint8), labels.astype(np.uint8)

    x_train, y_train = images(n_train)
    x_test, y_test = images(n_test)
    np.savez(path, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    return path


def figures(folder: Path) -> list[list[object]]:
    """A run folder's metrics.json epochs without their wall times: what two runs with the same results share."""
    from backprop_tutor.train.metrics import COLUMNS

    epochs = json.loads((folder / "metrics.json").read_text())["epochs"]
    return [[e[k] for k in COLUMNS if k != "seconds"] for e in epochs]


def same_parameters(a: Path, b: Path) -> bool:
    """Whether two parameter files hold the same arrays, bit for bit."""
    from backprop_tutor.params import read_parameters

    return all(np.array_equal(x, y) for pa, pb in zip(read_parameters(a), read_parameters(b), strict=True)
               for x, y in zip(pa, pb, strict=True))


def recorded_tasks(monkeypatch: pytest.MonkeyPatch) -> list[executors.RunTask]:
    """Every run task a sweep of this process makes, as it is handed to a worker (its own or a pool's)."""
    tasks: list[executors.RunTask] = []
    task_for = executors.task_for

    def recording(*args, **kwargs) -> executors.RunTask:
        tasks.append(task_for(*args, **kwargs))
        return tasks[-1]

    monkeypatch.setattr(workflow, "task_for", recording)
    return tasks
