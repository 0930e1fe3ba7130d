"""Tracing chosen minibatches of a training run into one HDF5 file, one group per (epoch, batch).

A traced step runs the same arithmetic as any other step (the recorder only copies), so a traced run
reaches bit-identical parameters. Each group is written with `backprop_tutor.trace.store.write_trace`:
its TraceHeader holds the network spec and, in ``config``, the run config plus the epoch, the batch and
the rows of the training set that made up the minibatch. The file is rewritten atomically for each new
group (copied to a temporary file, appended to, renamed), so it is complete whenever a reader opens it.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import h5py
import numpy as np

from backprop_tutor.trace.events import Trace, TraceHeader
from backprop_tutor.trace.store import write_trace
from backprop_tutor.train.config import LOSS, TrainConfig
from backprop_tutor.train.files import atomic_path

TRACE_FILE = "trace.h5"


def group_name(epoch: int, batch: int) -> str:
    """"epoch1-batch1": the group of the traced minibatch ``batch`` (1-based) of ``epoch``."""
    return f"epoch{epoch}-batch{batch}"


def trace_header(config: TrainConfig, epoch: int, batch: int, learning_rate: float, rows: np.ndarray,
                 run: dict[str, Any]) -> TraceHeader:
    return TraceHeader(
        sizes=config.sizes,
        activations=config.activations,
        loss=LOSS,
        precision=config.precision,
        learning_rate=float(learning_rate),
        batch_size=config.batch_size,
        title=f"{run.get('data_name', config.data)}: epoch {epoch}, minibatch {batch}",
        config={**run, "epoch": epoch, "batch": batch, "training_rows": [int(r) for r in rows]},
    )


class TraceWriter:
    """Adds traces to ``folder/trace.h5``; the file's attrs hold the run config as JSON."""

    def __init__(self, folder: str | os.PathLike[str], run: dict[str, Any]) -> None:
        self.path = Path(folder) / TRACE_FILE
        self.run = run

    def write(self, name: str, trace: Trace) -> Path:
        with atomic_path(self.path) as tmp:
            existing = self.path.exists()
            if existing:
                shutil.copyfile(self.path, tmp)
            with h5py.File(tmp, "a" if existing else "w") as f:
                f.attrs["run"] = json.dumps(self.run)
                if name in f:  # a resumed run re-traces a step it had traced before the interruption
                    del f[name]
                write_trace(f.create_group(name), trace)
        return self.path
