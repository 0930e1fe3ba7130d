"""A run folder: the files one training run writes, who may write them, and how to read them back.

    config.json     written first: "format", the settings (TrainConfig, with the BLAS threads), the data
                    set and its split, the layers and activations, the versions
    metrics.json    "status" and the figures of every epoch so far (and metrics.csv, the same as a table)
    checkpoint.h5   the state to continue from; present until the run completes
    params.h5       W1, b1, W2, … at the end (W(l) shaped (out, in))
    accuracy.png    training and validation accuracy per epoch
    trace.h5        the traced minibatches (when asked for)
    complete.json   the completion marker, written last: a run is finished exactly when it is there
    .lock           the OS lock (filelock) that the writing process holds for the whole run; removed at its end

Every file is written whole or not at all (a temporary file renamed over the target). A folder is
recognisably ours when its config.json says ``"format": "backprop_tutor.run"``; only such a folder is
ever replaced, and only with ``force``. Temporary files left by a killed process (``.NAME.*.part``) are
removed when the folder is next claimed.
"""

from __future__ import annotations

import json
import math
import os
import time
from pathlib import Path
from typing import Any

import filelock
import numpy as np

from backprop_tutor.engine.network import Network, network_from_parameters
from backprop_tutor.errors import UsageError
from backprop_tutor.fileio import write_text_atomic
from backprop_tutor.params import read_parameters, write_parameters
from backprop_tutor.train.checkpoint import CHECKPOINT_FILE, Checkpoint, load_checkpoint, save_checkpoint
from backprop_tutor.train.config import LOSS, SettingError, TrainConfig
from backprop_tutor.train.metrics import EpochMetrics, RunMetrics, write_metrics_csv
from backprop_tutor.train.tracing import TRACE_FILE

RUN_FORMAT = "backprop_tutor.run"
CONFIG_FILE = "config.json"
METRICS_JSON = "metrics.json"
METRICS_CSV = "metrics.csv"
PARAMS_FILE = "params.h5"
PLOT_FILE = "accuracy.png"
COMPLETE_FILE = "complete.json"
LOCK_FILE = ".lock"
#: Every file a run writes; the only ones `force` ever removes.
RUN_FILES = (CONFIG_FILE, METRICS_JSON, METRICS_CSV, PARAMS_FILE, PLOT_FILE, TRACE_FILE, CHECKPOINT_FILE,
             COMPLETE_FILE)


def release_lock(lock: filelock.BaseFileLock) -> None:
    """Let go of a folder's OS lock and remove its file, so a folder no process is writing keeps no empty
    `.lock`. The file is removed while still held: a process that opened it just before gets, once it is
    released, a lock on a removed file, which filelock (≥ 3.21) drops to try again on a new one, so two
    processes never both hold the folder."""
    try:
        Path(lock.lock_file).unlink(missing_ok=True)
    except OSError:  # a read-only folder: the file stays; the lock is let go all the same
        pass
    finally:
        lock.release()


class RunFolderBusy(UsageError):
    """Another process holds the run folder's lock."""


class RunFolder:
    """One run's folder. Reading needs no lock; writing needs `claim` (a context manager), which takes
    the OS lock for as long as the run lasts and refuses a folder that another process is using."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lock: filelock.BaseFileLock | None = None
        self._created = False

    def __repr__(self) -> str:
        return f"RunFolder({str(self.path)!r})"

    def file(self, name: str) -> Path:
        return self.path / name

    # --- reading ------------------------------------------------------------------------------
    def is_run(self) -> bool:
        """True when config.json marks this folder as a backprop_tutor run (ours to replace with force)."""
        try:
            info = json.loads(self.file(CONFIG_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return False
        return isinstance(info, dict) and (info.get("format") == RUN_FORMAT or "backprop_tutor" in info)

    def is_complete(self) -> bool:
        """True when the run finished: its completion marker is there (or, for a run written before
        there were markers, metrics.json says "complete" beside its params.h5)."""
        if self.file(COMPLETE_FILE).is_file():
            return True
        try:
            legacy = "format" not in self.read_info()
            return legacy and self.file(PARAMS_FILE).is_file() and self.read_metrics().status == "complete"
        except UsageError:
            return False

    def is_busy(self) -> bool:
        """True while a process (this one included) holds the lock, i.e. a run is writing the folder."""
        if self._lock is not None and self._lock.is_locked:
            return True
        if not self.file(LOCK_FILE).exists():
            return False
        probe = filelock.FileLock(self.file(LOCK_FILE), thread_local=False)
        try:
            probe.acquire(blocking=False)
        except filelock.Timeout:
            return True
        except OSError:
            return False  # a read-only folder: nobody can be writing it
        probe.release()
        return False

    def status(self) -> str:
        """The true state, whatever metrics.json last said: "complete" (the marker is there), "running"
        (a process holds the lock), "diverged" (stopped on a diverging loss), "interrupted" (stopped or
        killed: continue it with resume), or "none" (no run here)."""
        if self.is_complete():
            return "complete"
        if self.is_busy():
            return "running"
        if not self.is_run():
            return "none"
        try:
            said = self.read_metrics().status
        except UsageError:
            said = None
        return "diverged" if said == "diverged" else "interrupted"

    def read_info(self) -> dict[str, Any]:
        """config.json as written: {"format", "config": {…settings…}, "data_name", "n_train", "sizes", …}."""
        return self._read_json(CONFIG_FILE, "config", dict, "damaged run config",
                               f"no {CONFIG_FILE} here, so no run")

    def _read_json(self, name: str, key: str, kind: type, damaged: str, missing: str) -> dict[str, Any]:
        path = self.file(name)
        if self.path.exists() and not self.path.is_dir():
            raise UsageError(f"{self.path}: is a file, not a run folder; give the folder a run was written to "
                             "(`tutor train --out DIR` makes DIR)")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise UsageError(f"{self.path}: {missing}") from None
        except (OSError, ValueError) as err:
            raise UsageError(f"{path}: {damaged} ({err})") from None
        if not isinstance(data, dict) or not isinstance(data.get(key), kind):
            raise UsageError(f"{path}: {damaged} (no \"{key}\" {'object' if kind is dict else 'list'})")
        return data

    def read_config(self) -> TrainConfig:
        """The TrainConfig the run was started with, each setting checked for type and value."""
        info = self.read_info()
        try:
            config = TrainConfig.from_dict(info["config"])
            config.check()
        except UsageError as err:
            raise UsageError(f"{self.file(CONFIG_FILE)}: damaged run config: {err}") from None
        return config

    def read_metrics(self) -> RunMetrics:
        """metrics.json (see `RunMetrics`). Its status is what the run last wrote; `status` gives the
        truth after a kill."""
        values = self._read_json(METRICS_JSON, "epochs", list, "damaged metrics",
                                 f"no {METRICS_JSON} yet (the run has not finished an epoch)")
        try:
            return RunMetrics.from_dict(values)
        except (TypeError, KeyError, AttributeError) as err:
            raise UsageError(f"{self.file(METRICS_JSON)}: damaged metrics ({err})") from None

    def read_history(self) -> list[EpochMetrics]:
        return self.read_metrics().epochs

    def read_parameters(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """[(W(1), b(1)), …] of a finished run (float64)."""
        if not self.is_complete():
            raise UsageError(f"{self.path}: the run has not finished ({self.status()}), so it has no {PARAMS_FILE}")
        return read_parameters(self.file(PARAMS_FILE))

    def network(self, precision: str = "float64") -> Network:
        """The finished run's network: its parameters with its activations, ready for `forward`."""
        params, config = self.read_parameters(), self.read_config()
        expected = list(zip(config.sizes[1:], config.sizes[:-1], strict=True))
        if [W.shape for W, _ in params] != expected:
            raise UsageError(f"{self.file(PARAMS_FILE)}: holds W(l) shaped {[W.shape for W, _ in params]}, but "
                             f"{CONFIG_FILE} describes {expected}")
        return network_from_parameters(params, config.activations, LOSS, precision)

    def read_checkpoint(self) -> Checkpoint:
        return load_checkpoint(self.file(CHECKPOINT_FILE))

    # --- claiming -----------------------------------------------------------------------------
    def claim(self, *, resume: bool = False, force: bool = False) -> RunFolder:
        """Take the folder for a run (a new one, or ``resume`` the one in it): check that it may be used,
        take its lock (held until `release`), remove temporary files a killed run left. A new run may
        only replace a run of ours, and only with ``force``; it never touches other files."""
        self._check_not_foreign(resume=resume)  # before the lock file is made: a folder not ours is not touched
        self._created = not self.path.exists()
        self.path.mkdir(parents=True, exist_ok=True)
        lock = filelock.FileLock(self.file(LOCK_FILE), thread_local=False)
        try:
            lock.acquire(blocking=False)
        except filelock.Timeout:
            raise RunFolderBusy(f"{self.path}: another tutor process is using this run folder right now; wait for "
                                "it to finish (or stop it), or choose another folder") from None
        self._lock = lock
        try:
            self._remove_leftovers()
            self._check_usable(resume=resume, force=force)  # again, now that nobody else can change it
        except BaseException:
            self.release()
            raise
        return self

    def release(self) -> None:
        """Let go of the lock; a folder this claim created and nothing was written to is removed again."""
        if self._lock is None:
            return
        release_lock(self._lock)
        self._lock = None
        if self._created and not any(self.path.iterdir()):
            self.path.rmdir()

    @property
    def claimed(self) -> bool:
        return self._lock is not None

    def __enter__(self) -> RunFolder:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def _check_not_foreign(self, *, resume: bool) -> None:
        if self.path.exists() and not self.path.is_dir():
            raise SettingError(f"{self.path}: is a file, not a folder; choose another {{out:name}}")
        foreign = [] if resume else self._foreign_files()
        if foreign:
            shown = ", ".join(sorted(foreign)[:5]) + (", …" if len(foreign) > 5 else "")
            raise SettingError(f"{self.path}: holds files that are not a backprop_tutor run ({shown}); a new run "
                               "never replaces files it did not write: choose a new or empty {out:name}")

    def _check_usable(self, *, resume: bool, force: bool) -> None:
        self._check_not_foreign(resume=resume)
        if resume:
            self._check_resumable()
            return
        if self.is_run() and not force:
            if self.is_complete():
                raise SettingError(f"{self.path}: already holds a finished run ({CONFIG_FILE}); replace it with "
                                   "{force:name}, or choose another {out:name}")
            raise SettingError(f"{self.path}: already holds an unfinished run ({CONFIG_FILE}); continue it with "
                               "{resume:name}, replace it with {force:name}, or choose another {out:name}")

    def _check_resumable(self) -> None:
        if not self.file(CONFIG_FILE).exists():
            raise UsageError(f"{self.path}: no {CONFIG_FILE} here, so no run to resume")
        if self.is_complete():
            raise UsageError(f"{self.path}: the run is finished ({COMPLETE_FILE}), so there is nothing to resume")

    def _foreign_files(self) -> list[str]:
        """Files here that a run of ours did not write (none, when config.json marks a run of ours)."""
        if not self.path.is_dir() or self.is_run():
            return []
        ours = {LOCK_FILE}
        return [p.name for p in self.path.iterdir() if p.name not in ours and not is_temporary(p.name)]

    def _remove_leftovers(self) -> None:
        """What a killed process leaves: temporary files, and a checkpoint beside the completion marker."""
        for p in self.path.iterdir():
            if is_temporary(p.name):
                p.unlink(missing_ok=True)
        if self.is_complete():
            self.file(CHECKPOINT_FILE).unlink(missing_ok=True)

    # --- writing (claimed) --------------------------------------------------------------------
    def _require_claim(self) -> None:
        if self._lock is None:
            raise RuntimeError(f"{self}: claim the run folder before writing to it")

    def remove_run_files(self) -> None:
        """Remove the files of a run of ours (a fresh start); files the run did not write stay."""
        self._require_claim()
        for name in (COMPLETE_FILE, *RUN_FILES):  # the marker first: never a marker beside a half-removed run
            self.file(name).unlink(missing_ok=True)

    def write_config(self, info: dict[str, Any]) -> Path:
        self._require_claim()
        return write_json(self.file(CONFIG_FILE), {"format": RUN_FORMAT, **info,
                                                   "created": time.strftime("%Y-%m-%dT%H:%M:%S%z")})

    def write_metrics(self, metrics: RunMetrics) -> None:
        self._require_claim()
        write_json(self.file(METRICS_JSON), metrics.to_dict())
        write_metrics_csv(self.file(METRICS_CSV), metrics.epochs)

    def write_checkpoint(self, cp: Checkpoint) -> Path:
        self._require_claim()
        return save_checkpoint(self.file(CHECKPOINT_FILE), cp)

    def write_parameters(self, net: Network) -> Path:
        self._require_claim()
        return write_parameters(self.file(PARAMS_FILE), net.parameters())

    def mark_complete(self, summary: dict[str, Any]) -> Path:
        """Write the completion marker (last of all), then drop the checkpoint it makes unnecessary."""
        self._require_claim()
        path = write_json(self.file(COMPLETE_FILE), {"format": RUN_FORMAT, "status": "complete", **summary,
                                                     "finished": time.strftime("%Y-%m-%dT%H:%M:%S%z")})
        self.file(CHECKPOINT_FILE).unlink(missing_ok=True)
        return path


def is_temporary(name: str) -> bool:
    """A temporary file of ours (.NAME.….part): a killed process's leftover, never a user's file."""
    return name.startswith(".") and name.endswith(".part")


def write_json(path: str | os.PathLike[str], data: Any) -> Path:
    """The run folder's JSON files, written atomically; strict JSON (no NaN: callers turn non-finite
    figures into null first)."""
    return write_text_atomic(path, json.dumps(data, indent=2, allow_nan=False) + "\n")


def json_float(v: float) -> float | None:
    return v if math.isfinite(v) else None
