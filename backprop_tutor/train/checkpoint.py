"""Checkpoints: everything needed to continue a run to the bit-identical result of an uninterrupted one.

Saved at the end of every epoch and when the run is stopped (Ctrl-C) between two minibatches:
W(l), b(l), the momentum velocities, the state of the shuffling RNG, how far the run got (epochs done,
and the next minibatch of the epoch under way), and the metrics so far. For a stop in mid-epoch the RNG
state is the one *before* that epoch's shuffle, so the resumed run draws the same permutation again.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from backprop_tutor.errors import UsageError
from backprop_tutor.fileio import atomic_path
from backprop_tutor.train.metrics import EpochMetrics

CHECKPOINT_FILE = "checkpoint.h5"
FORMAT = "backprop_tutor.checkpoint"


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
    with atomic_path(path) as tmp, h5py.File(tmp, "w") as f:
        f.attrs["format"] = FORMAT
        f.attrs["state"] = json.dumps({"epochs_done": cp.epochs_done, "next_batch": cp.next_batch,
                                       "rng_state": cp.rng_state, "history": [m.to_dict() for m in cp.history]})
        for l, (W, b) in enumerate(cp.params, start=1):
            f.create_dataset(f"W{l}", data=W)
            f.create_dataset(f"b{l}", data=b)
        if cp.velocity is not None:
            for l, (vW, vb) in enumerate(cp.velocity, start=1):
                f.create_dataset(f"velocity/W{l}", data=vW)
                f.create_dataset(f"velocity/b{l}", data=vb)
    return Path(path)


def load_checkpoint(path: str | os.PathLike[str]) -> Checkpoint:
    path = Path(path)
    if not path.exists():
        raise UsageError(f"{path}: no checkpoint here, so there is nothing to resume (a run writes one after "
                         "each epoch and when stopped with Ctrl-C; a finished run has none)")
    try:
        with h5py.File(path, "r") as f:
            if f.attrs.get("format") != FORMAT:
                raise UsageError(f"{path}: not a backprop_tutor checkpoint")
            state = json.loads(f.attrs["state"])
            L = sum(1 for k in f.keys() if k.startswith("W"))
            params = [(f[f"W{l}"][()], f[f"b{l}"][()]) for l in range(1, L + 1)]
            velocity = ([(f[f"velocity/W{l}"][()], f[f"velocity/b{l}"][()]) for l in range(1, L + 1)]
                        if "velocity" in f else None)
    except (OSError, KeyError, ValueError) as err:
        raise UsageError(f"{path}: damaged checkpoint ({err})") from None
    return Checkpoint(state["epochs_done"], state["next_batch"], state["rng_state"], params, velocity,
                      [EpochMetrics.from_dict(m) for m in state["history"]])
