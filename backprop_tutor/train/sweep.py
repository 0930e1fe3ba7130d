"""The homework's workflow: train a grid of configurations, choose one on validation accuracy, retrain it on
training + validation, and only then look at the test set, once.

A sweep folder holds
    sweep.json           the grid (fixed settings and the listed values), the rule, the command lines, sessions
    runs/<name>/         one run folder per configuration, exactly as `tutor train` writes it
    final/               the chosen configuration retrained on all training images; test.json: the test figures
    plots/, overview.png, report.md, report.json

Every configuration is run by the trainer (`train.trainer.train`) in its own process or in this one, through
a `concurrent.futures.Executor` (a process pool, or Dask distributed's), and written to its own folder, so a
sweep continues where it stopped: finished runs are read back, interrupted ones resume from their checkpoint.
The test images are reached only through `SealedTestSet`, which opens them once the final run is complete.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import json
import math
import os
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from backprop_tutor.data.datasets import train_validation_split
from backprop_tutor.data.splits import Split, load_split
from backprop_tutor.errors import TutorError, UsageError
from backprop_tutor.train.config import SettingError, TrainConfig
from backprop_tutor.train.metrics import EpochMetrics
from backprop_tutor.train.run_folder import CONFIG_FILE, METRICS_JSON, RunFolder, write_json
from backprop_tutor.train.schedule import LearningRateChange
from backprop_tutor.train.training_data import TrainingData

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
#: Settings a sweep may list several values of (the data, its split and the tracing are one per sweep).
GRID_SETTINGS = ("activation", "learning_rate", "hidden", "batch_size", "epochs", "decay_at", "decay_factor",
                 "momentum", "l2", "init", "init_sigma", "init_low", "init_high", "seed", "precision", "blas_threads")


class SealedTestSetError(TutorError):
    """The test images were asked for before the configuration was chosen and retrained."""


# --- the grid -------------------------------------------------------------------------------------
@dataclass
class Configuration:
    """One point of the grid: its folder name, the listed settings' values there, the full settings."""

    name: str
    settings: dict[str, Any]
    config: TrainConfig


@dataclass
class SweepGrid:
    """``base``: the settings every configuration shares; ``axes``: setting → the values listed for it, in
    the order given. The configurations are their product (the first axis varies slowest)."""

    base: TrainConfig
    axes: dict[str, list[Any]] = field(default_factory=dict)

    def configurations(self) -> list[Configuration]:
        names = list(self.axes)
        found = []
        for values in itertools.product(*(self.axes[n] for n in names)):
            settings = dict(zip(names, values, strict=True))
            config = TrainConfig(**{**self.base.to_dict(), **settings})
            found.append(Configuration(config_name(settings), settings, config))
        return found

    def check(self) -> None:
        """Every configuration's settings valid, no value listed twice, the test set left alone."""
        unknown = sorted(set(self.axes) - set(GRID_SETTINGS))
        if unknown:
            raise UsageError(f"cannot list several values of {', '.join(unknown)}; a sweep can list "
                             f"{', '.join(GRID_SETTINGS)}")
        for name, values in self.axes.items():
            if not values:
                raise UsageError(f"{name}: give at least one value")
            if len({json.dumps(v) for v in values}) != len(values):
                raise UsageError(f"{name}: a value is listed twice in {values}")
        if self.base.test:
            raise UsageError("a sweep tests only its retrained choice; the configurations never see the test set")
        if self.base.trace_batches:
            raise UsageError("a sweep does not trace minibatches; trace one configuration with `tutor train`")
        for configuration in self.configurations():
            configuration.config.check()

    def to_dict(self) -> dict[str, Any]:
        return {"base": self.base.to_dict(), "axes": self.axes}

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> SweepGrid:
        return cls(TrainConfig.from_dict(values["base"]), {k: list(v) for k, v in values["axes"].items()})


def _label(setting: str, value: Any) -> str:
    text = ("none" if not value else "x".join(map(str, value))) if isinstance(value, list) else (
        f"{value:g}" if isinstance(value, float) else str(value))
    prefix = {"activation": "", "learning_rate": "lr", "hidden": "h", "batch_size": "B", "epochs": "e",
              "decay_at": "decay", "decay_factor": "factor", "momentum": "mu", "l2": "l2-", "init": "",
              "seed": "seed", "precision": "", "blas_threads": "threads"}.get(setting, setting.replace("_", "-") + "-")
    return prefix + text


def config_name(settings: dict[str, Any]) -> str:
    """A folder name from the listed settings' values, e.g. ``tanh-lr0.01`` ("run" if nothing is listed)."""
    return "-".join(_label(k, v) for k, v in settings.items()) or "run"


def describe_config(config: TrainConfig) -> str:
    """The configuration in one line, for plot titles: layers, h, η₀, B, init, and μ, λ when used."""
    text = (f"{'-'.join(map(str, config.sizes))} {config.activation}, η₀ = {config.learning_rate:g}, "
            f"B = {config.batch_size}, {config.init} init")
    if config.momentum:
        text += f", μ = {config.momentum:g}"
    if config.l2:
        text += f", λ = {config.l2:g}"
    return text


# --- data: the training images for the runs, the test images only when unsealed ---------------------
@functools.lru_cache(maxsize=1)
def _training_split(spec: str) -> Split:
    """The training images of ``spec``, loaded once per process (a pool's tasks share them)."""
    return load_split(spec, "train")


def training_data(config: TrainConfig, *, merged: bool = False) -> TrainingData:
    """The data a run of ``config`` trains on: the first images (``subset``) split into training and the last
    ``n_validation`` for validation, no test images. ``merged``: training on all of them (the final run; its
    "validation" figures are then on images it trained on)."""
    split = _training_split(config.data)
    x, y = split.x[:config.subset], split.y[:config.subset]  # (check_sizes made sure the subset is there)
    x_train, y_train, x_val, y_val = train_validation_split(x, y, config.n_validation)
    if merged:
        x_train, y_train = x, y
    dtype = np.dtype(config.precision)
    none = np.zeros((0, x.shape[1]), dtype), np.zeros((0, y.shape[1]), dtype)
    sets = [np.ascontiguousarray(a, dtype=dtype) for a in (x_train, y_train, x_val, y_val)]
    return TrainingData(split.name, split.source, *sets, *none, notes=list(split.notes))


class SealedTestSet:
    """The test split of a data set, which stays closed until ``unseal`` (after the choice is retrained):
    choosing or tuning with test figures would make the final test accuracy an optimistic estimate."""

    def __init__(self, spec: str) -> None:
        self.spec = spec
        self.sealed = True

    def unseal(self) -> None:
        self.sealed = False

    def load(self) -> Split:
        if self.sealed:
            raise SealedTestSetError(f"the test images of {self.spec} are opened only after the configuration "
                                     "is chosen on validation accuracy and retrained")
        return load_split(self.spec, "test")


# --- one run, as a task for any executor ---------------------------------------------------------
@dataclass
class RunTask:
    """What a worker needs to run one configuration: everything plain, so it pickles to any process."""

    name: str
    config: dict[str, Any]
    folder: str
    resume: bool = False
    merged: bool = False
    stop_file: str | None = None


@dataclass
class RunOutcome:
    name: str
    status: str  # "complete", "interrupted" or "failed"
    error: str = ""


def run_task(task: RunTask, progress: Any = None) -> RunOutcome:
    """Run one configuration with the trainer, as `tutor train --out FOLDER` would (``resume``: as
    `--resume FOLDER`). Any error is recorded in the run folder's failure.json and returned, not raised."""
    from backprop_tutor.train.trainer import train

    folder = Path(task.folder)
    stop = Path(task.stop_file) if task.stop_file else None
    try:  # the trainer holds the BLAS threads at config.blas_threads (1 by default: one core per worker)
        config = TrainConfig.from_dict(task.config)
        data = training_data(config, merged=task.merged)
        result = train(config, data, folder, progress=progress, resume=task.resume, force=not task.resume,
                       should_stop=None if stop is None else lambda epoch, batch: stop.exists())
        return RunOutcome(task.name, result.status)
    except Exception as err:  # a failing configuration must not stop the others
        detail = str(err) if isinstance(err, TutorError) else f"{type(err).__name__}: {err}"
        write_json(folder / FAILURE_FILE, {"error": detail, "traceback": traceback.format_exc()})
        return RunOutcome(task.name, "failed", detail)


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


def task_for(name: str, config: TrainConfig, folder: Path, *, merged: bool = False, force: bool = False) -> RunTask:
    """The task that brings ``folder`` to a complete run: resume from its checkpoint, or start (again)."""
    (folder / FAILURE_FILE).unlink(missing_ok=True)
    resume = not force and run_state(folder) == "interrupted"
    return RunTask(name, config.to_dict(), str(folder), resume=resume, merged=merged)


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


# --- executors -------------------------------------------------------------------------------------
@contextlib.contextmanager
def process_pool(workers: int) -> Iterator[Executor]:
    """Worker processes from a fork server: clean processes, not forks of this one with its progress thread
    and BLAS threads (each loads the training images once, for all its tasks)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("forkserver")) as pool:
        yield pool


#: Dask's nanny sets MALLOC_TRIM_THRESHOLD_ in every worker; with it glibc gives freed memory back at once and
#: the training loop's temporaries fault their pages in again and again (about 3× slower when measured here).
DASK_DROPPED_ENVIRON = ("MALLOC_TRIM_THRESHOLD_",)


@contextlib.contextmanager
def dask_executor(address: str, workers: int) -> Iterator[Executor]:
    """Dask distributed's `concurrent.futures` executor: on the scheduler at ``address``, or ("local") on a
    local cluster of ``workers`` processes with one thread each, bound to 127.0.0.1."""
    try:
        import dask
        from distributed import Client, LocalCluster
    except ImportError:
        raise UsageError("--cluster needs Dask distributed: pip install 'backprop_tutor[cluster]'") from None
    environ = {k: v for k, v in dask.config.get("distributed.nanny.pre-spawn-environ", {}).items()
               if k not in DASK_DROPPED_ENVIRON}
    with contextlib.ExitStack() as stack:
        stack.enter_context(dask.config.set({"distributed.nanny.pre-spawn-environ": environ}))
        # a nanny writes its pre-spawn environment into its own process, and ours hosts a local cluster's
        # nannies: an earlier default cluster may have left the variable here for our workers to inherit
        stack.enter_context(_without_environ(DASK_DROPPED_ENVIRON))
        if address == "local":
            cluster = stack.enter_context(LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                                       host="127.0.0.1", dashboard_address="127.0.0.1:0"))
            address = cluster.scheduler_address
        else:
            _check_reachable(address)
        try:
            client = stack.enter_context(Client(address, timeout="20s"))
        except OSError as err:
            raise UsageError(f"--cluster {address}: cannot reach a Dask scheduler there ({err})") from None
        yield client.get_executor(pure=False)


@contextlib.contextmanager
def _without_environ(names: tuple[str, ...]) -> Iterator[None]:
    saved = {name: os.environ.pop(name) for name in names if name in os.environ}
    try:
        yield
    finally:
        os.environ.update(saved)


def _check_reachable(address: str) -> None:
    """A tcp:// scheduler that refuses connections is reported at once (Dask's client would retry for its
    whole timeout)."""
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    if parts.scheme != "tcp" or not parts.hostname or not parts.port:
        return
    try:
        socket.create_connection((parts.hostname, parts.port), timeout=10).close()
    except OSError as err:
        raise UsageError(f"--cluster {address}: cannot reach a Dask scheduler there ({err.strerror or err}); "
                         "start one with `dask scheduler`, or use --cluster local") from None


# --- running the grid ------------------------------------------------------------------------------
class SweepProgress(Protocol):
    """What a sweep reports while it runs (the CLI shows it with Rich)."""

    def plan(self, runs: list[tuple[str, int, int]]) -> None: ...  # (name, epochs done, epochs)
    def update(self, name: str, epochs_done: int) -> None: ...
    def finished(self, outcome: RunOutcome) -> None: ...
    def phase(self, text: str) -> None: ...
    def stop(self) -> None: ...


class _EpochsToSweep:
    """The trainer's progress protocol, forwarded as epochs done of one configuration (in-process runs)."""

    def __init__(self, progress: SweepProgress, name: str) -> None:
        self.progress, self.name = progress, name

    def start(self, config: TrainConfig, first_epoch: int, batches_per_epoch: int) -> None: ...
    def epoch_start(self, epoch: int, learning_rate: float, first_batch: int) -> None: ...
    def batch_done(self, epoch: int, batch: int) -> None: ...
    def stop(self) -> None: ...

    def epoch_end(self, metrics: EpochMetrics) -> None:
        self.progress.update(self.name, metrics.epoch)


def run_inline(tasks: list[RunTask], progress: SweepProgress | None, fail_fast: bool,
               done: Callable[[RunOutcome], None]) -> None:
    """Run the tasks one after another in this process (Ctrl-C stops the run under way at a checkpoint)."""
    for task in tasks:
        outcome = run_task(task, None if progress is None else _EpochsToSweep(progress, task.name))
        done(outcome)
        if outcome.status == "interrupted" or (fail_fast and outcome.status == "failed"):
            return


def run_on(executor: Executor, tasks: list[RunTask], progress: SweepProgress | None, fail_fast: bool,
           done: Callable[[RunOutcome], None]) -> None:
    """Hand the tasks to ``executor``; while they run, read each run folder's metrics for the progress."""
    pending: dict[Future[RunOutcome], RunTask] = {executor.submit(run_task, task): task for task in tasks}
    try:
        while pending:
            finished, _ = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            for future in finished:
                task = pending.pop(future)
                outcome = future.result() if not future.cancelled() else RunOutcome(task.name, "interrupted")
                done(outcome)
                if fail_fast and outcome.status == "failed":
                    _cancel(pending)
            if progress is not None:
                for task in pending.values():
                    progress.update(task.name, len(read_metrics(Path(task.folder)).get("epochs", [])))
    except KeyboardInterrupt:  # every run under way stops at a checkpoint when it sees the stop file
        for task in pending.values():
            if task.stop_file:
                Path(task.stop_file).touch()
        _cancel(pending)
        for future, task in pending.items():
            with contextlib.suppress(BaseException):
                done(future.result() if not future.cancelled() else RunOutcome(task.name, "interrupted"))
        raise


def _cancel(pending: dict[Future[RunOutcome], RunTask]) -> None:
    for future in list(pending):
        if future.cancel():
            pending.pop(future)


# --- the whole workflow ----------------------------------------------------------------------------
@dataclass
class SweepOptions:
    """How to run a sweep (none of it changes a result): executor, retries, restarts, the selection rule."""

    select: str = "final"
    workers: int = 1
    cluster: str | None = None
    retry_failed: bool = False
    force: bool = False
    fail_fast: bool = False


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


def start_sweep(folder: Path, grid: SweepGrid, options: SweepOptions, command_line: list[str]) -> dict[str, Any]:
    """Check the grid and ``folder`` and record this session in sweep.json: a folder holding another grid is an
    error (unless ``force``), one holding this grid is continued."""
    grid.check()
    if options.select not in SELECT_RULES:
        raise UsageError(f"unknown selection rule {options.select!r}; choose one of {', '.join(SELECT_RULES)}")
    record = read_sweep_record(folder) if (folder / SWEEP_FILE).exists() else None
    if record is not None and record["grid"] != grid.to_dict() and not options.force:
        raise UsageError(f"{folder}: holds a sweep of another grid ({SWEEP_FILE}); continue it with --resume "
                         f"{folder}, replace it with --force, or choose another --out")
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder}: is a file; --out must be a folder")
    if record is None or options.force:
        record = {"grid": grid.to_dict(), "configurations": [c.name for c in grid.configurations()],
                  "sessions": []}
    record["select"] = options.select
    record["sessions"].append({"command_line": command_line, "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                               "workers": options.workers, "cluster": options.cluster})
    folder.mkdir(parents=True, exist_ok=True)
    (folder / STOP_FILE).unlink(missing_ok=True)
    write_json(folder / SWEEP_FILE, record)
    return record


def read_sweep_record(folder: Path) -> dict[str, Any]:
    path = folder / SWEEP_FILE
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        SweepGrid.from_dict(record["grid"])
        return record
    except FileNotFoundError:
        raise UsageError(f"{folder}: no {SWEEP_FILE} here, so no sweep to resume") from None
    except (ValueError, KeyError, TypeError) as err:
        raise UsageError(f"{path}: damaged sweep record ({err})") from None


def check_sizes(grid: SweepGrid) -> None:
    """Before any run: each configuration's batch size must divide its training images and the final run's
    training + validation images (read from the training split alone)."""
    for configuration in grid.configurations():
        config = configuration.config
        n = available = len(_training_split(config.data))
        if config.subset is not None:
            if config.subset > available:
                raise SettingError(f"{{subset}} {config.subset}: the training file has only {available} images")
            n = config.subset
        config.check_split(n)
        config.check_data(n - config.n_validation)
        try:
            config.check_data(n)
        except SettingError as err:
            raise SettingError(f"the chosen configuration is retrained on all {n} training + validation images: "
                               f"{err.template}") from None


def run_sweep(folder: str | os.PathLike[str], grid: SweepGrid, options: SweepOptions, command_line: list[str],
              progress: SweepProgress | None = None) -> SweepResult:
    """The workflow: run the configurations not yet complete, choose on validation, retrain the choice on
    training + validation, test it once, draw the plots and write the report."""
    folder = Path(folder)
    started = time.perf_counter()
    _training_split.cache_clear()
    record = start_sweep(folder, grid, options, command_line)
    check_sizes(grid)
    try:
        with contextlib.ExitStack() as stack:
            return _workflow(folder, grid, options, record, Runner(options, progress, stack, folder / STOP_FILE),
                             started)
    finally:
        if progress is not None:
            progress.stop()


def _workflow(folder: Path, grid: SweepGrid, options: SweepOptions, record: dict[str, Any], runner: Runner,
              started: float) -> SweepResult:
    test_set = SealedTestSet(grid.base.data)
    configurations = grid.configurations()
    outcomes = _run_grid(folder, configurations, runner)
    summaries = [summarize(c, folder / RUNS_DIR / c.name) for c in configurations]
    if options.fail_fast and any(o.status == "failed" for o in outcomes):
        return _finish(folder, record, SweepResult("failed", folder, summaries), started)
    if any(s.status not in ("complete", "failed") for s in summaries):
        return _finish(folder, record, SweepResult("interrupted", folder, summaries), started)
    chosen = select(summaries, options.select)
    final = _retrain(folder, chosen, runner)
    if final.status != "complete":
        return _finish(folder, record, SweepResult(final.status, folder, summaries, chosen, final), started)
    test = _test_once(folder, chosen, test_set, runner.progress)
    return _finish(folder, record, SweepResult("complete", folder, summaries, chosen, final, test), started)


def _run_grid(folder: Path, configurations: list[Configuration], runner: Runner) -> list[RunOutcome]:
    """Run every configuration not yet complete (nor failed, unless ``retry_failed``); the outcomes."""
    options, progress = runner.options, runner.progress
    tasks, plan = [], []
    for c in configurations:
        run_folder = folder / RUNS_DIR / c.name
        state = "new" if options.force else run_state(run_folder)
        if state not in ("complete", "failed") or (state == "failed" and options.retry_failed):
            tasks.append(task_for(c.name, c.config, run_folder, force=options.force))
        done = len(read_metrics(run_folder).get("epochs", [])) if state != "new" else 0
        plan.append((c.name, done, c.config.epochs))
    outcomes: list[RunOutcome] = []
    if progress is not None:
        progress.plan(plan)

    def finished(outcome: RunOutcome) -> None:
        outcomes.append(outcome)
        if progress is not None:
            progress.finished(outcome)

    runner.run(tasks, finished)
    return outcomes


class Runner:
    """Runs tasks where the options say: on Dask (its executor started at first use, kept for the sweep), in
    a process pool, or in this process."""

    def __init__(self, options: SweepOptions, progress: SweepProgress | None, stack: contextlib.ExitStack,
                 stop_file: Path) -> None:
        self.options, self.progress, self.stack, self.stop_file = options, progress, stack, stop_file
        self._dask: Executor | None = None

    def run(self, tasks: list[RunTask], done: Callable[[RunOutcome], None], *, pool: bool = True) -> None:
        """Run ``tasks``; ``pool=False``: a single run that gets every core (not a pool worker's share)."""
        options = self.options
        if not tasks:
            return
        for task in tasks:
            task.stop_file = str(self.stop_file)
        if options.cluster:
            if self._dask is None:
                self._dask = self.stack.enter_context(dask_executor(options.cluster, options.workers))
            run_on(self._dask, tasks, self.progress, options.fail_fast, done)
        elif pool and options.workers > 1 and len(tasks) > 1:
            with process_pool(min(options.workers, len(tasks))) as executor:
                run_on(executor, tasks, self.progress, options.fail_fast, done)
        else:
            run_inline(tasks, self.progress, options.fail_fast, done)


def _retrain(folder: Path, chosen: RunSummary, runner: Runner) -> RunSummary:
    """The chosen configuration trained again, with the same schedule, on training + validation images."""
    options, progress = runner.options, runner.progress
    final = folder / FINAL_DIR
    choice = Configuration(chosen.name, chosen.settings, chosen.config)
    if options.force or _recorded_config(final) not in (None, chosen.config):  # another choice's run: replace
        (final / TEST_FILE).unlink(missing_ok=True)
        force = True
    else:
        force = False
    if force or run_state(final) != "complete":
        if progress is not None:
            progress.phase(f"retraining {chosen.name} on training + validation images")
            progress.plan([(FINAL_DIR, 0 if force else len(read_metrics(final).get("epochs", [])),
                            chosen.config.epochs)])
        runner.run([task_for(FINAL_DIR, chosen.config, final, merged=True, force=force)],
                   progress.finished if progress is not None else lambda outcome: None, pool=False)
    return summarize(choice, final)


def _recorded_config(folder: Path) -> TrainConfig | None:
    try:
        return TrainConfig.from_dict(json.loads((folder / CONFIG_FILE).read_text(encoding="utf-8"))["config"])
    except (OSError, ValueError, KeyError, TypeError, TutorError):
        return None


def _test_once(folder: Path, chosen: RunSummary, test_set: SealedTestSet,
               progress: SweepProgress | None) -> dict[str, Any]:
    """The test figures of the retrained choice: evaluated now, the first time the test images are opened, or
    read from test.json if this choice was tested before (a test set is looked at once)."""
    from backprop_tutor.train.infer import check_fits, load_network
    from backprop_tutor.train.metrics import evaluate

    path = folder / FINAL_DIR / TEST_FILE
    with contextlib.suppress(OSError, ValueError):
        record = json.loads(path.read_text(encoding="utf-8"))
        if record.get("configuration") == chosen.name:
            return record
    if progress is not None:
        progress.phase("testing the retrained choice, once")
    test_set.unseal()
    split = test_set.load()
    if not len(split):
        raise UsageError(f"{split.source}: holds no test images")
    loaded = load_network(folder / FINAL_DIR)
    check_fits(loaded, split.x, split.y.shape[1], split.source)
    loss, accuracy = evaluate(loaded.network, split.x, split.y)
    record = {"configuration": chosen.name, "accuracy": accuracy, "loss": loss, "n_test": len(split),
              "correct": round(accuracy * len(split)), "source": split.source,
              "evaluated": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    write_json(path, record)
    return record


def _finish(folder: Path, record: dict[str, Any], result: SweepResult, started: float) -> SweepResult:
    """Close the session in sweep.json, draw the plots, write report.md and report.json."""
    from backprop_tutor.train.report import write_report

    record["sessions"][-1].update(seconds=round(time.perf_counter() - started, 3), status=result.status)
    write_json(folder / SWEEP_FILE, record)
    result.report = write_report(result, record)
    return result
