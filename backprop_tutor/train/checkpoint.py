"""Checkpoints: everything needed to continue a run to the bit-identical result of an uninterrupted one.

Saved at the end of every epoch and when the run is stopped (Ctrl-C) between two minibatches:
W(l), b(l), the momentum velocities, the state of the shuffling RNG, how far the run got (epochs done,
and the next minibatch of the epoch under way), and the metrics so far. For a stop in mid-epoch the RNG
state is the one *before* that epoch's shuffle, so the resumed run draws the same permutation again.

A checkpoint is checked in full before a run continues from it (`check_checkpoint`): a missing
velocity group or a wrong shape would otherwise continue silently to a different result.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from backprop_tutor.errors import UsageError
from backprop_tutor.fileio import HDF5_READ_ERRORS, atomic_hdf5
from backprop_tutor.plural import count
from backprop_tutor.train.config import SettingError
from backprop_tutor.train.metrics import EpochMetrics
from backprop_tutor.train.tracing import hdf5_reason

CHECKPOINT_FILE = "checkpoint.h5"
FORMAT = "backprop_tutor.checkpoint"


class DamagedCheckpoint(SettingError):
    """A checkpoint that cannot be continued from: names the file and what is wrong."""


@dataclass
class Checkpoint:
    """``epochs_done`` complete epochs; ``next_batch`` (0-based) is where the next epoch resumes (0: its start).
    ``rng_state`` is the shuffling generator's state at the start of epoch ``epochs_done + 1``."""

    epochs_done: int
    next_batch: int
    rng_state: dict[str, Any]
    params: list[tuple[np.ndarray, np.ndarray]]
    velocity: list[tuple[np.ndarray, np.ndarray]] | None
    history: list[EpochMetrics] = field(default_factory=list)


def save_checkpoint(path: str | os.PathLike[str], cp: Checkpoint) -> Path:
    with atomic_hdf5(path) as f:  # built in memory, written whole: a full disk cannot leave half a file
        f.attrs["format"] = FORMAT
        f.attrs["state"] = json.dumps({"epochs_done": cp.epochs_done, "next_batch": cp.next_batch,
                                       "rng_state": cp.rng_state, "history": [m.to_dict() for m in cp.history]})
        f.attrs["layers"] = len(cp.params)
        for l, (W, b) in enumerate(cp.params, start=1):
            f.create_dataset(f"W{l}", data=W)
            f.create_dataset(f"b{l}", data=b)
        if cp.velocity is not None:
            for l, (vW, vb) in enumerate(cp.velocity, start=1):
                f.create_dataset(f"velocity/W{l}", data=vW)
                f.create_dataset(f"velocity/b{l}", data=vb)
    return Path(path)


def checkpoint_bytes(shapes: list[tuple[int, int]], itemsize: int, momentum: bool) -> int:
    """About how many bytes a checkpoint of layers W(l) shaped ``shapes`` takes on disk."""
    n = sum(o * i + o for o, i in shapes)
    return n * itemsize * (2 if momentum else 1) + 64 * 1024


def load_checkpoint(path: str | os.PathLike[str]) -> Checkpoint:
    path = Path(path)
    if not path.exists():
        raise UsageError(f"{path}: no checkpoint here, so there is nothing to resume (a run writes one after "
                         "each epoch and when stopped with Ctrl-C; a finished run has none)")
    try:
        with h5py.File(path, "r") as f:
            if f.attrs.get("format") != FORMAT:
                raise DamagedCheckpoint(f"{path}: not a backprop_tutor checkpoint")
            state = json.loads(f.attrs["state"])
            L = sum(1 for k in f.keys() if k.startswith("W"))
            _check_keys(f, path, L)
            params = [(f[f"W{l}"][()], f[f"b{l}"][()]) for l in range(1, L + 1)]
            velocity = ([(f[f"velocity/W{l}"][()], f[f"velocity/b{l}"][()]) for l in range(1, L + 1)]
                        if "velocity" in f else None)
    except DamagedCheckpoint:
        raise
    except HDF5_READ_ERRORS as err:  # (json's errors for a damaged state are ValueErrors)
        raise DamagedCheckpoint(f"{path}: damaged checkpoint ({hdf5_reason(err)})") from None
    return _from_state(path, state, params, velocity)


def _check_keys(f: h5py.File, path: Path, L: int) -> None:
    """Name the arrays a checkpoint lacks (W1…W(L), b1…b(L), and the velocities when it has any)."""
    wanted = [f"{k}{l}" for l in range(1, L + 1) for k in ("W", "b")]
    if "velocity" in f:
        wanted += [f"velocity/{k}" for k in wanted]
    missing = [k for k in wanted if k not in f]
    if missing:
        raise DamagedCheckpoint(f"{path}: damaged checkpoint: {', '.join(missing)} missing (it holds "
                                f"{', '.join(sorted(f.keys())) or 'nothing'})")


def _from_state(path: Path, state: Any, params: list[tuple[np.ndarray, np.ndarray]],
                velocity: list[tuple[np.ndarray, np.ndarray]] | None) -> Checkpoint:
    def damaged(what: str) -> DamagedCheckpoint:
        return DamagedCheckpoint(f"{path}: damaged checkpoint: {what}")

    if not isinstance(state, dict):
        raise damaged("its state is not a JSON object")
    for key in ("epochs_done", "next_batch"):
        if not (isinstance(state.get(key), int) and not isinstance(state[key], bool) and state[key] >= 0):
            raise damaged(f"{key} = {state.get(key)!r} is not a whole number ≥ 0")
    if not isinstance(state.get("rng_state"), dict):
        raise damaged("the shuffling generator's state is missing")
    try:
        history = [EpochMetrics.from_dict(m) for m in state.get("history", [])]
    except (TypeError, AttributeError) as err:
        raise damaged(f"its metrics history cannot be read ({err})") from None
    return Checkpoint(state["epochs_done"], state["next_batch"], state["rng_state"], params, velocity, history)


@dataclass(frozen=True)
class _Run:
    """What the run's config.json says a checkpoint must continue."""

    shapes: list[tuple[int, int]]
    momentum: float
    epochs: int
    batches_per_epoch: int

    @property
    def layers(self) -> list[tuple[tuple[int, int], tuple[int]]]:
        return [((o, i), (o,)) for o, i in self.shapes]


def check_checkpoint(cp: Checkpoint, path: Path, *, shapes: list[tuple[int, int]], momentum: float, epochs: int,
                     batches_per_epoch: int) -> None:
    """Refuse a checkpoint that does not continue the run described by its config: each of CHECKS in turn
    (the layer shapes, the momentum state, finite numbers, how far it got, its history, the shuffling state)."""
    run = _Run(shapes, momentum, epochs, batches_per_epoch)
    for check in CHECKS:
        problem = check(cp, run)
        if problem:
            raise DamagedCheckpoint(f"{path}: damaged checkpoint: {problem}; the run cannot continue from it "
                                    "(start it again with {force:name})")


def _layer_shapes(cp: Checkpoint, run: _Run) -> str | None:
    got = [(W.shape, b.shape) for W, b in cp.params]
    if got != run.layers:
        return f"its W(l), b(l) are shaped {got} but the run's config.json describes {run.layers}"
    return None


def _velocity(cp: Checkpoint, run: _Run) -> str | None:
    if run.momentum and cp.velocity is None:
        return f"the run uses momentum μ = {run.momentum:g} but the velocity v(l) is missing"
    if cp.velocity is not None and [(vW.shape, vb.shape) for vW, vb in cp.velocity] != run.layers:
        return "its velocities v(l) do not match the layers' shapes"
    return None


def _finite_numbers(cp: Checkpoint, run: _Run) -> str | None:
    arrays = [a for pair in cp.params + (cp.velocity or []) for a in pair]
    if any(a.dtype.kind != "f" or not np.all(np.isfinite(a)) for a in arrays):
        return "it holds non-numbers or NaN/inf weights"
    return None


def _position(cp: Checkpoint, run: _Run) -> str | None:
    """Epochs and minibatches done within the run's; a finished last epoch ends at minibatch 0."""
    if cp.epochs_done <= run.epochs and cp.next_batch < run.batches_per_epoch and (
            cp.next_batch == 0 or cp.epochs_done < run.epochs):
        return None
    return (f"it says {count(cp.epochs_done, 'epoch')} and {count(cp.next_batch, 'minibatch', 'minibatches')} "
            "are done, but the run has "
            f"{count(run.epochs, 'epoch')} of {count(run.batches_per_epoch, 'minibatch', 'minibatches')}")


def _history(cp: Checkpoint, run: _Run) -> str | None:
    if [m.epoch for m in cp.history] != list(range(1, cp.epochs_done + 1)):
        return f"its history lists epochs {[m.epoch for m in cp.history]}, not 1..{cp.epochs_done}"
    if any(not math.isfinite(m.train_loss) for m in cp.history):
        return "its history holds a non-finite loss"
    return None


def _generator_state(cp: Checkpoint, run: _Run) -> str | None:
    try:
        np.random.default_rng().bit_generator.state = cp.rng_state
    except (TypeError, ValueError, KeyError) as err:
        return f"the shuffling generator's state is not valid ({hdf5_reason(err)})"
    return None


#: The checks a checkpoint passes before a run continues from it, in order; each names what is wrong, or None.
CHECKS: tuple[Callable[[Checkpoint, _Run], str | None], ...] = (
    _layer_shapes, _velocity, _finite_numbers, _position, _history, _generator_state)
