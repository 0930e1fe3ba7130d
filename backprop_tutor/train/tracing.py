"""Tracing chosen minibatches of a training run into one HDF5 file, one group per (epoch, batch).

A traced step runs the same arithmetic as any other step (the recorder only copies), so a traced run
reaches bit-identical parameters. Each group is written with `backprop_tutor.trace.store.write_trace`:
its TraceHeader holds the network spec and, in ``config``, the run config plus the epoch, the batch and
the rows of the training set that made up the minibatch.

The file stays open for the whole run and each traced minibatch adds one group, so tracing a minibatch
costs only that minibatch (no rewriting of the groups before it). A group is written unlinked (an HDF5
anonymous group) and linked under its name only once complete, then the file is flushed: a group is
there complete or not at all, and a run stopped early keeps every group it finished. A resumed run
opens the file in append mode. While the run is going, HDF5's file lock keeps other programs from
opening trace.h5; read it once the run has ended or been stopped. A new trace.h5 is created whole
(a temporary file renamed); one that a killed run (or a damaged disk) left unreadable, even in part, is
moved aside when the run resumes, not deleted.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from types import TracebackType
from typing import Any

import h5py
import numpy as np

from backprop_tutor.errors import TraceError, UsageError
from backprop_tutor.fileio import HDF5_READ_ERRORS, atomic_path
from backprop_tutor.trace.events import Trace, TraceHeader
from backprop_tutor.trace.store import TraceFile, list_traces, write_trace
from backprop_tutor.train.config import LOSS, TrainConfig

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
        momentum=float(config.momentum),
        l2=float(config.l2),
        config={**run, "epoch": epoch, "batch": batch, "training_rows": [int(r) for r in rows]},
    )


class TraceWriter:
    """Adds traces to ``folder/trace.h5``, kept open from `open` to `close` (or as a context manager);
    the file's attrs hold the run config as JSON. ``append``: keep the groups already in the file (a
    resumed run); otherwise the file is created afresh."""

    def __init__(self, folder: str | os.PathLike[str], run: dict[str, Any], *, append: bool = False) -> None:
        self.path = Path(folder) / TRACE_FILE
        self.run = run
        self.append = append
        self._file: h5py.File | None = None
        #: where a trace.h5 that could not be opened to append to was moved (it was damaged by a kill)
        self.set_aside: Path | None = None

    def open(self) -> TraceWriter:
        self._open_file()
        return self

    def _open_file(self) -> h5py.File:
        if self._file is None:
            if not self.append or not self.path.exists():
                self._create()
            elif not _reads_back(self.path):
                self.set_aside = self._set_aside()  # damaged by a kill or a disk: keep it for the user, start anew
                self._create()
            try:
                self._file = h5py.File(self.path, "a")
            except OSError as err:
                if not self.append:
                    raise UsageError(f"{self.path}: cannot open the trace file for writing ({hdf5_reason(err)}). If "
                                     "another program has it open (e.g. the UI or `tutor export`), close it and run "
                                     "again") from None
                self.set_aside = self._set_aside()  # damaged by a kill: keep it for the user, start anew
                self._create()
                self._file = h5py.File(self.path, "a")
        return self._file

    def _create(self) -> None:
        """A new trace.h5 holding only the run's attrs, made whole before it takes its name: a kill at
        the start leaves either no trace.h5 or a valid empty one."""
        with atomic_path(self.path) as tmp, h5py.File(tmp, "w") as f:
            f.attrs["run"] = json.dumps(self.run)

    def _set_aside(self) -> Path:
        aside = self.path.with_name(f"trace-damaged-{time.strftime('%Y%m%d-%H%M%S')}.h5")
        os.replace(self.path, aside)
        return aside

    def write(self, name: str, trace: Trace) -> Path:
        """Add ``trace`` as group ``name`` (replacing one of that name: a resumed run re-traces a step it
        had traced after its last checkpoint) and flush, so the group is on disk when this returns."""
        f = self._open_file()
        group = f.create_group(None)  # anonymous: not reachable from the file's root until linked
        write_trace(group, trace)
        if name in f:
            del f[name]
        f[name] = group  # the link makes the complete group visible in one step
        f.flush()
        return self.path

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def __enter__(self) -> TraceWriter:
        return self.open()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()


def _reads_back(path: Path) -> bool:
    """Whether every trace in ``path`` opens and reads whole (a file damaged in the middle can still open
    for appending, and a resumed run would add to it and call the run complete)."""
    try:
        with h5py.File(path, "r") as f:
            names = list_traces(f)
        for name in names:
            with TraceFile(path, name) as trace:
                trace.load()
    except (*HDF5_READ_ERRORS, TraceError):
        return False
    return True


def hdf5_reason(err: BaseException) -> str:
    """HDF5's message without its internals (addresses, timestamps)."""
    return str(err).split("(")[0].strip() or type(err).__name__
