"""Running configurations: one run as a picklable task (`RunTask`, `run_task`), and the executors that run
the tasks (in this process, in a pool of worker processes, or on Dask distributed) with progress."""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from backprop_tutor.errors import TutorError, UsageError, install_hint
from backprop_tutor.train.config import TrainConfig
from backprop_tutor.train.metrics import EpochMetrics
from backprop_tutor.train.plots import MATPLOTLIB_MODULES
from backprop_tutor.train.run_folder import RunFolder, RunFolderBusy, write_json
from backprop_tutor.train.sweep.data import training_data, training_split
from backprop_tutor.train.sweep.grid import Configuration
from backprop_tutor.train.sweep.results import FAILURE_FILE, RunOutcome, read_metrics, run_state, summarize


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
    #: the sweep's process: a worker in another process ends when it does (None: this process, or a remote cluster)
    parent: int | None = None
    #: the sweep's folder, where the run's plot (plots/<name>.png) is drawn as soon as it ends (None: no plot)
    sweep: str | None = None
    #: each epoch measured on a spare core while the next trains (`resources.measures_behind`; same results)
    measure_behind: bool = False


def run_task(task: RunTask, progress: Any = None) -> RunOutcome:
    """Run one configuration with the trainer, as `tutor train --out FOLDER` would (``resume``: as
    `--resume FOLDER`). Any error is recorded in the run folder's failure.json and returned, not raised."""
    from backprop_tutor.train.trainer import train

    folder = Path(task.folder)
    stop = Path(task.stop_file) if task.stop_file else None
    if task.parent is not None:
        die_with(task.parent)
    try:  # the trainer holds the BLAS threads at config.blas_threads (1 by default: one core per worker)
        config = TrainConfig.from_dict(task.config)
        data = training_data(config, merged=task.merged)
        result = train(config, data, folder, progress=progress, resume=task.resume, force=not task.resume,
                       should_stop=None if stop is None else lambda epoch, batch: stop.exists(),
                       measure_behind=task.measure_behind)
        if task.sweep is not None:
            _plot_for_sweep(task, config)
        return RunOutcome(task.name, result.status)
    except Exception as err:  # a failing configuration must not stop the others
        detail = str(err) if isinstance(err, TutorError) else f"{type(err).__name__}: {err}"
        if not isinstance(err, RunFolderBusy) and not RunFolder(folder).is_complete():  # never both markers
            write_json(folder / FAILURE_FILE, {"error": detail, "traceback": traceback.format_exc()})
        return RunOutcome(task.name, "failed", detail)


def _plot_for_sweep(task: RunTask, config: TrainConfig) -> None:
    """The sweep's plot of this run, drawn here (see `report.plot_configuration`); if it fails, the report draws
    it again and says what went wrong."""
    from backprop_tutor.train.report import plot_configuration

    with contextlib.suppress(Exception):
        run = summarize(Configuration(task.name, {}, config), Path(task.folder))  # (the plot needs no settings)
        plot_configuration(Path(task.sweep), run)  # type: ignore[arg-type]


def warm_up(spec: str, parent: int) -> None:
    """A pool worker's start, while the sweep still checks its grid: the trainer imported and the training
    images of ``spec`` loaded (kept for all the worker's runs), so the first run starts at once."""
    die_with(parent)
    import backprop_tutor.train.trainer  # noqa: F401

    training_split(spec)


def task_for(name: str, config: TrainConfig, folder: Path, *, merged: bool = False, force: bool = False,
             sweep: Path | None = None, measure_behind: bool = False) -> RunTask:
    """The task that brings ``folder`` to a complete run: resume from its checkpoint, or start (again);
    ``sweep``: the sweep folder that gets the run's plot; ``measure_behind``: see `RunTask`."""
    (folder / FAILURE_FILE).unlink(missing_ok=True)
    resume = not force and run_state(folder) == "interrupted"
    return RunTask(name, config.to_dict(), str(folder), resume=resume, merged=merged,
                   sweep=None if sweep is None else str(sweep), measure_behind=measure_behind)


# --- workers die with the sweep --------------------------------------------------------------------
_WATCH = "backprop_tutor: ends with the sweep"


def die_with(parent: int) -> None:
    """End this worker process when the sweep process ``parent`` ends, however it ends (a SIGKILL leaves it no
    time to stop its workers, which would go on training queued configurations): Linux's parent-death signal
    when the sweep is our parent, and everywhere a thread that looks for ``parent`` every second (a
    forkserver's or a Dask nanny's worker has another parent). Nothing is lost: runs write atomically, and
    `tutor sweep --resume` continues each from its checkpoint."""
    if os.getpid() == parent or any(t.name == _WATCH for t in threading.enumerate()):
        return
    if sys.platform == "linux" and os.getppid() == parent:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    threading.Thread(target=_end_with, args=(parent,), name=_WATCH, daemon=True).start()


def _end_with(parent: int) -> None:
    while _alive(parent):
        time.sleep(1)
    os._exit(1)


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie, killed and not yet reaped by its own parent, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except (OSError, IndexError):
        return True


# --- executors -------------------------------------------------------------------------------------
#: What a pool worker needs, imported once by the fork server instead of by each worker: the trainer (~0.5 s CPU,
#: which each worker paid while this process and the other worker loaded the images) and the matplotlib modules
#: of a run's plots (~0.35 s CPU at each worker's first plot, during the grid). Issue 23, 2 configurations × 2
#: epochs on 2 workers, alternated 8 times (load 2.4–4.4): the trainer alone brought the first runs 0.4–1.9 s
#: sooner; with matplotlib the grid ended at 4.1 s against 5.0 s (medians), the first runs 0.2 s later.
WORKER_PRELOAD = ("backprop_tutor.train.trainer", *MATPLOTLIB_MODULES)


@contextlib.contextmanager
def process_pool(workers: int) -> Iterator[Executor]:
    """Worker processes from a fork server: clean processes, not forks of this one with its progress thread
    and BLAS threads (each loads the training images once, for all its tasks). The fork server imports
    `WORKER_PRELOAD` once before it forks them, so they start with it loaded (the modules' pages shared)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["__main__", __name__, *WORKER_PRELOAD])  # ("__main__": multiprocessing's default)
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
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
        raise UsageError(f"--cluster needs Dask distributed: {install_hint('cluster')}") from None
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

    def epoch_end(self, metrics: EpochMetrics, passes: int = 1) -> None:
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


@dataclass
class SweepOptions:
    """How to run a sweep (none of it changes a result): executor, retries, restarts, the selection rule."""

    select: str = "final"
    workers: int = 1
    cluster: str | None = None
    retry_failed: bool = False
    force: bool = False
    fail_fast: bool = False


class Runner:
    """Runs tasks where the options say: on Dask (its executor started at first use, kept for the sweep), in
    a process pool, or in this process."""

    def __init__(self, options: SweepOptions, progress: SweepProgress | None, stack: contextlib.ExitStack,
                 stop_file: Path) -> None:
        self.options, self.progress, self.stack, self.stop_file = options, progress, stack, stop_file
        self._dask: Executor | None = None
        self._pool: contextlib.ExitStack | None = None  # the process pool, from warm_up or the first run on to
        self._pool_executor: Executor | None = None     # the end of the grid (close_pool) or of the sweep

    def warm_up(self, spec: str) -> None:
        """Start the process pool's workers now and have each load the training images of ``spec``, beside the
        sweep's own checks (without a pool: nothing to do)."""
        if self.options.cluster is None and self.options.workers > 1:
            pool = self._process_pool()
            for _ in range(self.options.workers):
                pool.submit(warm_up, spec, os.getpid())

    def _process_pool(self) -> Executor:
        if self._pool_executor is None:
            self._pool = contextlib.ExitStack()
            self._pool_executor = self._pool.enter_context(process_pool(self.options.workers))
            self.stack.callback(self.close_pool)
        return self._pool_executor

    def close_pool(self) -> None:
        """End the process pool's workers (each holds its own copy of the training images)."""
        if self._pool is not None:
            pool, self._pool, self._pool_executor = self._pool, None, None
            pool.close()

    def run(self, tasks: list[RunTask], done: Callable[[RunOutcome], None], *, pool: bool = True) -> None:
        """Run ``tasks``; ``pool=False``: a single run that gets every core (not a pool worker's share)."""
        options = self.options
        if not tasks:
            return
        remote = options.cluster not in (None, "local")  # a cluster of its own outlives any one client
        for task in tasks:
            task.stop_file = str(self.stop_file)
            task.parent = None if remote else os.getpid()
        if options.cluster:
            if self._dask is None:
                self._dask = self.stack.enter_context(dask_executor(options.cluster, options.workers))
            run_on(self._dask, tasks, self.progress, options.fail_fast, done)
        elif pool and options.workers > 1 and (len(tasks) > 1 or self._pool_executor is not None):
            run_on(self._process_pool(), tasks, self.progress, options.fail_fast, done)
        else:
            run_inline(tasks, self.progress, options.fail_fast, done)
