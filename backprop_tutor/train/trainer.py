"""Minibatch SGD on an image data set, epoch after epoch, with a run folder to show for it.

One epoch: shuffle the training rows (a seeded generator), then for each minibatch k = 1..N/B run the engine's
``train_step`` (forward, backward, update with η of the epoch, momentum μ and L2 λ), tracing the minibatches
asked for; with the ``processes`` setting N > 1, each minibatch in N parts stepped at once by this process and
N − 1 helpers (`train.processes`). After the epoch: loss and accuracy on the training and the validation set
(forward passes only; for a run on one BLAS thread with a core to spare, on that core while the next epoch
trains, reported as soon as they are in: `train.behind`; split over the processes of a split run), a divergence
check, a checkpoint, the metrics so far. At the end: the parameters, the plot, the test-set figures, the
completion marker. Same seed, same data, same settings (the BLAS thread and process counts included) →
bit-identical parameters, interrupted or not.

Who does what: `open_run` validates the settings once and claims the run folder (`RunFolder`: files,
lock, marker); `train` runs the epochs through `_Run`; progress goes to a `TrainProgress`; Ctrl-C is
`StopRequest`'s; what a run needs in memory and on disk is `resources`'.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from backprop_tutor._version import __version__
from backprop_tutor.engine.network import Network, mlp, network_from_parameters
from backprop_tutor.errors import UsageError, WriteError
from backprop_tutor.fileio import ensure_free_space, free_bytes
from backprop_tutor.memory import format_bytes
from backprop_tutor.trace.recorder import Recorder
from backprop_tutor.train.behind import EpochEnd, Figures, MeasuredBehind
from backprop_tutor.train.checkpoint import CHECKPOINT_FILE, Checkpoint, check_checkpoint, checkpoint_bytes
from backprop_tutor.train.config import LOSS, SettingError, TrainConfig
from backprop_tutor.train.divergence import DivergenceError, DivergenceWatch
from backprop_tutor.train.interrupt import StopRequest
from backprop_tutor.train.metrics import EpochMetrics, Evaluator, RunMetrics
from backprop_tutor.train.plots import plot_accuracy
from backprop_tutor.train.processes import SplitRun
from backprop_tutor.train.resources import check_memory, layer_shapes, trace_group_bytes
from backprop_tutor.train.run_folder import (
    COMPLETE_FILE,
    CONFIG_FILE,
    METRICS_JSON,
    PARAMS_FILE,
    PLOT_FILE,
    RUN_FILES,
    RunFolder,
    json_float,
    write_json,
)
from backprop_tutor.train.schedule import StepDecay
from backprop_tutor.train.tracing import TRACE_FILE, TraceWriter, group_name, trace_header
from backprop_tutor.train.training_data import TrainingData, prepare_data

__all__ = ["CONFIG_FILE", "METRICS_JSON", "PARAMS_FILE", "PLOT_FILE", "RUN_FILES", "DivergenceError", "RunResult",
           "TrainProgress", "TrainingData", "check_before_data", "initial_network", "open_run", "prepare_data",
           "read_run_config", "shuffle_generator", "train", "write_json"]


class TrainProgress(Protocol):
    """What the trainer reports while it runs (the CLI shows it as a Rich progress bar). A progress
    object may also have ``warn(message: str)``: it is called with warnings (e.g. a growing loss)."""

    def start(self, config: TrainConfig, first_epoch: int, batches_per_epoch: int) -> None: ...
    def epoch_start(self, epoch: int, learning_rate: float, first_batch: int) -> None: ...
    def batch_done(self, epoch: int, batch: int) -> None: ...
    def epoch_end(self, metrics: EpochMetrics, passes: int = 1) -> None:
        """``passes``: the measuring passes (every training and validation image) the run made in the epoch's wall
        time: its own when measured in turn, and the epoch before's when that was measured behind meanwhile."""

    def stop(self) -> None: ...


@dataclass
class RunResult:
    """How a run ended: ``status`` is "complete" or "interrupted" (divergence raises DivergenceError)."""

    status: str
    folder: Path
    history: list[EpochMetrics]
    network: Network
    test_loss: float = math.nan
    test_accuracy: float = math.nan
    #: (epoch, minibatches done in it) where an interrupted run will continue; (1, 0): from the start
    stopped_at: tuple[int, int] | None = None
    warnings: list[str] = field(default_factory=list)


def initial_network(config: TrainConfig) -> Network:
    """The network before the first step: ``config``'s layers, with weights drawn by its init scheme and seed."""
    return mlp(config.sizes, config.activations, LOSS, config.precision, init=config.init, seed=config.seed,
               **config.init_params)


def shuffle_generator(seed: int) -> np.random.Generator:
    """The shuffling stream: derived from ``seed`` but independent of the one that drew the weights."""
    return np.random.default_rng(np.random.SeedSequence(seed).spawn(1)[0])


def open_run(config: TrainConfig, folder: str | Path | RunFolder, *, resume: bool = False,
             force: bool = False) -> RunFolder:
    """Everything that needs no data, once, before a data set is loaded: the settings, the memory the
    network needs, and the run folder, claimed (locked) for this process until `RunFolder.release`."""
    config.check()
    check_memory(config)
    run = folder if isinstance(folder, RunFolder) else RunFolder(folder)
    return run.claim(resume=resume, force=force)


def check_before_data(config: TrainConfig, folder: str | Path, *, resume: bool = False, force: bool = False) -> None:
    """`open_run`'s checks without keeping the folder claimed (for callers that load data in between
    and then call `train` with the path; prefer `open_run`, which holds the lock throughout)."""
    open_run(config, folder, resume=resume, force=force).release()


def read_run_config(folder: str | Path) -> TrainConfig:
    """The TrainConfig a run folder was started with (its config.json), checked."""
    return RunFolder(folder).read_config()


def train(config: TrainConfig, data: TrainingData, folder: str | Path | RunFolder, *,
          progress: TrainProgress | None = None, resume: bool = False, force: bool = False,
          should_stop: Callable[[int, int], bool] | None = None, measure_behind: bool = False) -> RunResult:
    """Train, writing the run folder; ``should_stop(epoch, batch)`` after a minibatch stops as Ctrl-C does
    (checkpoint, status "interrupted"); ``resume`` continues from ``folder``'s checkpoint. ``folder`` may
    be a RunFolder already claimed by `open_run` (it stays claimed); otherwise it is claimed here and
    released at the end. The BLAS threads are held at ``config.blas_threads`` for the whole run.
    ``measure_behind``: each epoch is measured on another core while the next one trains (`train.behind`;
    for a run on one BLAS thread with a core to spare, `resources.measures_behind`; the same results)."""
    claimed_here = not (isinstance(folder, RunFolder) and folder.claimed)
    run = open_run(config, folder, resume=resume, force=force) if claimed_here else folder
    assert isinstance(run, RunFolder)
    try:
        with threadpool_limits(limits=config.blas_threads, user_api="blas"):
            return _Run(config, data, run, progress, should_stop, measure_behind).go(resume)
    finally:
        if claimed_here:
            run.release()


class _Run:
    """One run's state: the network, the shuffling generator, the history, the open trace file."""

    def __init__(self, config: TrainConfig, data: TrainingData, run: RunFolder, progress: TrainProgress | None,
                 should_stop: Callable[[int, int], bool] | None, measure_behind: bool = False) -> None:
        self.config, self.data, self.run, self.progress, self.should_stop = config, data, run, progress, should_stop
        self.measure_behind = measure_behind and config.processes == 1
        self.split: SplitRun | None = None  # the helper processes of a run split over processes, once started
        self.behind: MeasuredBehind | None = None  # made at the first epoch measured behind
        self.n_batches = config.check_data(data.x_train.shape[0])
        self.info = {"config": config.to_dict(), **data.describe(), "sizes": config.sizes,
                     "activations": config.activations, "loss": LOSS, "batches_per_epoch": self.n_batches,
                     "backprop_tutor": __version__, "numpy": np.__version__, "blas": _blas_libraries()}
        self.schedule = StepDecay(config.learning_rate, config.decay_factor, tuple(config.decay_at))
        self.net = initial_network(config)
        self.evaluator: Evaluator | None = None
        self.rng = shuffle_generator(config.seed)
        self.history: list[EpochMetrics] = []
        self.warnings: list[str] = []
        self.watch = DivergenceWatch(config)
        self.traced = {(e, k) for e in config.trace_epochs for k in config.trace_batches}
        self.tracer: TraceWriter | None = None
        self.saved_at = (0, 0)  # (epochs done, next minibatch) of the last checkpoint
        self.resumable = False  # once config.json is written (or a checkpoint was read), resume can go on
        self.stop = StopRequest()
        B = config.batch_size
        self.xb = np.empty((B, data.x_train.shape[1]), dtype=data.x_train.dtype)
        self.yb = np.empty((B, data.y_train.shape[1]), dtype=data.y_train.dtype)

    # --- the run ------------------------------------------------------------------------------
    def go(self, resume: bool) -> RunResult:
        try:
            with self.stop, np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                first_epoch, first_batch = self._begin(resume)
                self._open_tracer(first_epoch, first_batch, resume)
                if self.progress is not None:
                    self.progress.start(self.config, first_epoch, self.n_batches)
                try:
                    self._start_helpers()
                    return self._epochs(first_epoch, first_batch) or self._finish()
                finally:
                    if self.split is not None:
                        self.split.stop()
                    if self.behind is not None:
                        self.behind.close()
                    if self.tracer is not None:
                        self.tracer.close()
                    if self.progress is not None:
                        self.progress.stop()
        except KeyboardInterrupt:  # a second Ctrl-C: stop now, at the last checkpoint
            if not self.resumable:
                raise  # nothing written yet: nothing to continue
            self._write_metrics_if_possible("interrupted")
            return self._result("interrupted", stopped_at=self._resume_point())
        except WriteError as err:
            if not (err.no_space and self.resumable):
                raise
            self._write_metrics_if_possible("interrupted")
            raise SettingError(f"{err}; the run stopped and can continue from its last checkpoint once there is "
                               "room: {resume:name}") from None

    def _begin(self, resume: bool) -> tuple[int, int]:
        """(first epoch, first minibatch, 0-based) after restoring a checkpoint or starting afresh."""
        if resume and self.run.file(CHECKPOINT_FILE).exists():
            self.resumable = True
            return self._restore(self.run.read_checkpoint())
        # a new run; or one killed before its first checkpoint, which begins again (same seed, same result)
        self._check_space_for_run(1, 0)
        with self.stop.critical():
            self.run.remove_run_files()
            self.run.write_config(self.info)
        self.resumable = True
        return 1, 0

    def _restore(self, cp: Checkpoint) -> tuple[int, int]:
        started_on = {k: self.run.read_info().get(k) for k in ("n_train", "n_validation")}
        if started_on != {k: self.info[k] for k in started_on}:
            raise UsageError(f"{self.run.path}: the run was started on {started_on['n_train']} training and "
                             f"{started_on['n_validation']} validation images, but {self.config.data} now gives "
                             f"{self.info['n_train']} and {self.info['n_validation']}: it cannot continue to the "
                             "same result on other data")
        self._check_same_data(self.run.read_info().get("data_fingerprint"))
        check_checkpoint(cp, self.run.file(CHECKPOINT_FILE), shapes=layer_shapes(self.config),
                         momentum=self.config.momentum, epochs=self.config.epochs, batches_per_epoch=self.n_batches)
        self.net = network_from_parameters(cp.params, self.config.activations, LOSS, self.config.precision)
        if cp.velocity is not None and self.config.momentum:
            dtype = self.net.layers[0].W.dtype
            self.net.velocity = [(vW.astype(dtype), vb.astype(dtype)) for vW, vb in cp.velocity]
        self.rng.bit_generator.state = cp.rng_state
        self.history = list(cp.history)
        self.saved_at = (cp.epochs_done, cp.next_batch)
        self.watch.resumed_at_epoch = cp.epochs_done + 1
        self._check_space_for_run(cp.epochs_done + 1, cp.next_batch)
        return cp.epochs_done + 1, cp.next_batch

    def _start_helpers(self) -> None:
        """A run split over processes: its helpers, forked once the network is in its state to begin from."""
        if self.config.processes > 1:
            d = self.data
            self.split = SplitRun(self.net, [(d.x_train, d.y_train), (d.x_val, d.y_val)], self.config.processes,
                                  self.config.batch_size)
            self.split.start()

    def _check_same_data(self, recorded: Any) -> None:
        """Refuse to continue on data whose images or labels changed since the run started (same sizes)."""
        if not isinstance(recorded, dict):
            return  # a run started before fingerprints were recorded
        changed = [what for what, digest in self.info["data_fingerprint"].items() if recorded.get(what) != digest]
        if changed:
            raise SettingError(f"{self.run.path}: the training data changed since the run started: the "
                             f"{' and the '.join(changed)} of {self.config.data} are not the ones it trained on (same "
                             "sizes, other contents), so it cannot continue to the same result; restore the data, "
                             "or start again with {force:name}")

    def _open_tracer(self, first_epoch: int, first_batch: int, resume: bool) -> None:
        # one trace.h5 for the run (a resumed run appends to it) if a traced minibatch is still to come
        if any((e, k) > (first_epoch, first_batch) for e, k in self.traced):
            with self.stop.critical():
                self.tracer = TraceWriter(self.run.path, self.info, append=resume).open()
            if self.tracer.set_aside is not None:
                self._warn(f"{self.run.file(TRACE_FILE)} could not be opened (damaged when the run was killed); it "
                           f"was moved to {self.tracer.set_aside} and a new trace.h5 started")

    def _epochs(self, first_epoch: int, first_batch: int) -> RunResult | None:
        for epoch in range(first_epoch, self.config.epochs + 1):
            stopped = self._epoch(epoch, first_batch if epoch == first_epoch else 0)
            if stopped is not None:
                return stopped
        return None

    def _epoch(self, epoch: int, start_batch: int) -> RunResult | None:
        started = time.perf_counter()
        overlapped = self.behind is not None and self.behind.pending is not None
        eta = self.schedule.learning_rate(epoch)
        epoch_rng_state = self.rng.bit_generator.state
        perm = self.rng.permutation(self.data.x_train.shape[0])
        if self.split is not None:
            self.split.new_epoch(perm)
        if self.progress is not None:
            self.progress.epoch_start(epoch, eta, start_batch)
        stopping = False
        for b in range(start_batch, self.n_batches):
            self._step(epoch, b, perm, eta)
            if self.behind is not None and self.behind.ready():  # the epoch before reported as soon as measured
                self._settle_behind()
            stopping = self.stop.requested or (self.should_stop is not None and self.should_stop(epoch, b + 1))
            if stopping and b + 1 < self.n_batches:
                self._settle_behind()
                self._checkpoint(epoch - 1, b + 1, epoch_rng_state, *self._state())
                return self._interrupted((epoch, b + 1))
        ended = EpochEnd(epoch, eta, started, self.rng.bit_generator.state, *self._state(), stopping, overlapped)
        self._settle_behind()
        if self.measure_behind and not stopping and epoch < self.config.epochs:
            self._behind().submit(self.net, ended)  # measured while the next epoch trains
            return None
        d = self.data
        figures = self._evaluator().training_and_validation(d.x_train, d.y_train, d.x_val, d.y_val)
        return self._epoch_done(ended, figures, time.perf_counter(), in_turn=True)

    def _behind(self) -> MeasuredBehind:
        if self.behind is None:
            d = self.data
            self.behind = MeasuredBehind(self.net, (d.x_train, d.y_train, d.x_val, d.y_val))
        return self.behind

    def _settle_behind(self) -> None:
        """The epoch measured behind, if any, waited for and taken as one measured in turn (it is neither the
        last epoch nor one a stop was asked at: those are measured in turn, so it ends nothing)."""
        measured = None if self.behind is None else self.behind.result()
        if measured is not None:
            ended, figures = measured
            self._epoch_done(ended, figures, ended.handed_over)

    def _epoch_done(self, ended: EpochEnd, figures: Figures, done: float, in_turn: bool = False) -> RunResult | None:
        """An epoch's figures in the history, the divergence check, the checkpoint, the metrics so far;
        ``done``: when the epoch's wall time ends; ``in_turn``: its figures were measured within that time."""
        (train_loss, train_acc), (val_loss, val_acc) = figures
        metrics = EpochMetrics(ended.epoch, ended.learning_rate, train_loss, train_acc, val_loss, val_acc,
                               done - ended.started)
        self.history.append(metrics)
        try:
            warning = self.watch.check(self.history)
        except DivergenceError:
            self._write_metrics("diverged")
            self._plot()
            raise
        self._checkpoint(ended.epoch, 0, ended.rng_state, ended.params, ended.velocity)
        if self.progress is not None:
            self.progress.epoch_end(metrics, passes=int(in_turn) + int(ended.overlapped))
        if warning:
            self._warn(warning)
        if ended.stopping and ended.epoch < self.config.epochs:  # stopped after the epoch's last minibatch
            return self._interrupted((ended.epoch, self.n_batches))
        self._write_metrics("running")
        return None

    def _step(self, epoch: int, b: int, perm: np.ndarray, eta: float) -> None:
        c = self.config
        rows = perm[b * c.batch_size:(b + 1) * c.batch_size]
        recorder = None
        if (epoch, b + 1) in self.traced:
            recorder = Recorder(trace_header(c, epoch, b + 1, eta, rows, self.info))
        if self.split is not None:  # each process gathers its part of the rows
            self.split.step(b, eta, recorder, c.momentum, c.l2)
        else:
            # mode="clip": the rows are a permutation, always in range; numpy's default ("raise") gathers into a
            # temporary and copies it to out, twice the memory traffic (the step's largest after the products)
            np.take(self.data.x_train, rows, axis=0, out=self.xb, mode="clip")
            np.take(self.data.y_train, rows, axis=0, out=self.yb, mode="clip")
            self.net.train_step(self.xb, self.yb, eta, recorder, momentum=c.momentum, l2=c.l2)
        if recorder is not None and self.tracer is not None:
            tracer = self.tracer
            self._write(self.run.file(TRACE_FILE), trace_group_bytes(self.config),
                        lambda: tracer.write(group_name(epoch, b + 1), recorder.trace))
        if self.progress is not None:
            self.progress.batch_done(epoch, b + 1)

    def _evaluator(self) -> Evaluator:
        """The forward passes that measure the network, on as many cores as the run's BLAS threads (the same
        figures as on one thread); made again if a checkpoint replaced the network."""
        if self.evaluator is None or self.evaluator.nets[0] is not self.net:
            self.evaluator = Evaluator(self.net, self.config.blas_threads, helpers=self.split)
        return self.evaluator

    def _finish(self) -> RunResult:
        """The final writes, in an order that keeps the folder true at every moment: the parameters, the
        test figures (the test set is looked at once, on request: choosing a configuration by test
        accuracy would make it an optimistic, not an honest, estimate), the plot, the metrics, and the
        completion marker last. Until the marker is written the checkpoint stays, so a run stopped here
        can be resumed (it only redoes these writes)."""
        n_params = sum(v.size for v in self.net.parameters().values())
        self._write(self.run.file(PARAMS_FILE), 8 * n_params + 64 * 1024, lambda: self.run.write_parameters(self.net))
        test_loss = test_accuracy = math.nan
        test = None
        if self.config.test and self.data.x_test.shape[0]:
            test_loss, test_accuracy = self._evaluator()(self.data.x_test, self.data.y_test)
            test = {"loss": json_float(test_loss), "accuracy": json_float(test_accuracy),
                    "n_test": int(self.data.x_test.shape[0])}
        self._plot()
        self._write_metrics("complete", test=test)
        last = self.history[-1].to_dict() if self.history else None
        self._write(self.run.file(COMPLETE_FILE), 4096,
                    lambda: self.run.mark_complete({"epochs": len(self.history), "last_epoch": last, "test": test}))
        return self._result("complete", test_loss=test_loss, test_accuracy=test_accuracy)

    # --- writing ------------------------------------------------------------------------------
    def _write(self, path: Path, needed: int, write: Callable[[], object]) -> None:
        """Write one file whole (a second Ctrl-C waits for it), after checking there is room for it; a
        full disk is a WriteError naming the file (fileio writes every file)."""
        with self.stop.critical():
            ensure_free_space(path, needed)
            write()

    def _state(self) -> tuple[list[tuple[np.ndarray, np.ndarray]], list[tuple[np.ndarray, np.ndarray]] | None]:
        """The network's training state now: W(l), b(l) and momentum's v(l) (needed to continue bit-identically)."""
        return [(layer.W, layer.b) for layer in self.net.layers], self.net.velocity

    def _checkpoint(self, epochs_done: int, next_batch: int, rng_state: dict[str, Any],
                    params: list[tuple[np.ndarray, np.ndarray]],
                    velocity: list[tuple[np.ndarray, np.ndarray]] | None) -> None:
        """A training state (``params``, ``velocity``: `_state`'s, or their copies at an epoch's end) with the
        history so far."""
        cp = Checkpoint(epochs_done, next_batch, rng_state, params, None if velocity is None else list(velocity),
                        self.history)
        with self.stop.critical():  # the position recorded with the file, before a deferred Ctrl-C lands
            self._write(self.run.file(CHECKPOINT_FILE), self._checkpoint_bytes(),
                        lambda: self.run.write_checkpoint(cp))
            self.saved_at = (epochs_done, next_batch)

    def _checkpoint_bytes(self) -> int:
        itemsize = np.dtype(self.config.precision).itemsize
        return checkpoint_bytes(layer_shapes(self.config), itemsize, bool(self.config.momentum))

    def _check_space_for_run(self, first_epoch: int, first_batch: int) -> None:
        """Refuse at the start a run whose files cannot fit: checkpoint (twice, while it is replaced),
        parameters, and every traced minibatch still to come."""
        n_params = sum(o * i + o for o, i in layer_shapes(self.config))
        to_trace = sum(1 for e, k in self.traced if (e, k) > (first_epoch, first_batch))
        parts = {self.run.file(TRACE_FILE): to_trace * trace_group_bytes(self.config),
                 self.run.file(CHECKPOINT_FILE): 2 * self._checkpoint_bytes(),
                 self.run.file(PARAMS_FILE): 8 * n_params + 64 * 1024}
        needed = sum(parts.values()) + 1024 * 1024  # + config, metrics, plot
        free = free_bytes(self.run.path)
        if free is not None and needed > free:
            biggest = max(parts, key=lambda p: parts[p])
            what = f" for {to_trace} traced minibatches" if biggest.name == TRACE_FILE else ""
            raise WriteError(f"no space left writing {biggest}{what} (the run needs ~{format_bytes(needed)} in "
                             f"{self.run.path}, ~{format_bytes(free)} is free); nothing was written", no_space=True)

    def _write_metrics(self, status: str, test: dict[str, Any] | None = None) -> None:
        done = self.history[-1].epoch if self.history else 0
        changes = [c.to_dict() for c in self.schedule.changes(self.config.epochs) if c.after_epoch < done]
        with self.stop.critical():
            self.run.write_metrics(RunMetrics(status, self.history, changes, self.warnings, test))

    def _write_metrics_if_possible(self, status: str) -> None:
        """After a failure: record the status if the disk still lets us (the checkpoint is what counts)."""
        try:
            self._write_metrics(status)
        except (OSError, RuntimeError, KeyboardInterrupt):
            pass

    def _plot(self) -> None:
        if self.history:
            c = self.config
            self._write(self.run.file(PLOT_FILE), 1024 * 1024, lambda: plot_accuracy(
                self.run.file(PLOT_FILE), self.history, self.schedule.changes(c.epochs),
                title=f"{self.data.name}: {'-'.join(map(str, c.sizes))} {c.activation}, η = {c.learning_rate:g}, "
                      f"B = {c.batch_size}"))

    # --- reporting ----------------------------------------------------------------------------
    def _interrupted(self, stopped_at: tuple[int, int]) -> RunResult:
        self._write_metrics("interrupted")
        self._plot()
        return self._result("interrupted", stopped_at=stopped_at)

    def _resume_point(self) -> tuple[int, int]:
        epochs_done, next_batch = self.saved_at
        if next_batch:
            return epochs_done + 1, next_batch
        return (epochs_done, self.n_batches) if epochs_done else (1, 0)

    def _warn(self, message: str) -> None:
        self.warnings.append(message)
        warn = getattr(self.progress, "warn", None)
        if warn is not None:
            warn(message)

    def _result(self, status: str, **extra: Any) -> RunResult:
        return RunResult(status, self.run.path, self.history, self.net, warnings=self.warnings, **extra)


def _blas_libraries() -> list[dict[str, Any]]:
    """The BLAS libraries numpy uses (name, version, threading layer, kernel) as recorded in config.json."""
    return [{k: info.get(k) for k in ("internal_api", "version", "threading_layer", "architecture")}
            for info in threadpool_info() if info.get("user_api") == "blas"]

