"""Minibatch SGD on an image data set, epoch after epoch, with a run folder to show for it.

One epoch: shuffle the training rows (a seeded generator), then for each minibatch k = 1..N/B run the
engine's ``train_step`` (forward, backward, update with η of the epoch, momentum μ and L2 λ), tracing
the minibatches asked for. After the epoch: loss and accuracy on the training and the validation set
(forward passes only), a checkpoint, the metrics so far. At the end: the parameters, the plot, the
test-set figures. Same seed, same data, same settings → bit-identical parameters, interrupted or not.
"""

from __future__ import annotations

import json
import math
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from backprop_tutor import __version__
from backprop_tutor.engine.network import Network, mlp
from backprop_tutor.errors import TutorError, UsageError
from backprop_tutor.fileio import write_text_atomic
from backprop_tutor.params import write_parameters
from backprop_tutor.trace.recorder import Recorder
from backprop_tutor.train.checkpoint import CHECKPOINT_FILE, Checkpoint, load_checkpoint, save_checkpoint
from backprop_tutor.train.config import LOSS, TrainConfig
from backprop_tutor.train.metrics import EpochMetrics, evaluate, write_metrics_csv
from backprop_tutor.train.plots import plot_accuracy
from backprop_tutor.train.schedule import StepDecay
from backprop_tutor.train.tracing import TRACE_FILE, TraceWriter, group_name, trace_header

CONFIG_FILE = "config.json"
METRICS_JSON = "metrics.json"
METRICS_CSV = "metrics.csv"
PARAMS_FILE = "params.h5"
PLOT_FILE = "accuracy.png"
RUN_FILES = (CONFIG_FILE, METRICS_JSON, METRICS_CSV, PARAMS_FILE, PLOT_FILE, TRACE_FILE, CHECKPOINT_FILE)


class DivergenceError(TutorError):
    """The loss became NaN or infinite: the run stops and says which epoch and what to try."""


@dataclass
class TrainingData:
    """The three sets a run uses: x float (N, 784) in [0, 1], y one-hot (N, 10)."""

    name: str
    source: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    notes: list[str] = field(default_factory=list)

    def describe(self) -> dict[str, Any]:
        return {"data_name": self.name, "data_source": self.source, "n_train": int(self.x_train.shape[0]),
                "n_validation": int(self.x_val.shape[0]), "n_test": int(self.x_test.shape[0])}


def prepare_data(config: TrainConfig) -> TrainingData:
    """Load ``config.data`` (a named set or a path), keep ``config.subset`` images if asked, and split off
    the last ``config.n_validation`` training images for validation."""
    from backprop_tutor.data import load_dataset, train_validation_split

    ds = load_dataset(config.data)
    if not ds.has_train:
        raise UsageError(f"{config.data}: has no training images ({ds.source}); training needs them. "
                         + " ".join(ds.notes))
    x, y = ds.x_train, ds.y_train
    if config.subset is not None:
        if config.subset > x.shape[0]:
            raise UsageError(f"--subset {config.subset}: the training file has only {x.shape[0]} images")
        x, y = x[:config.subset], y[:config.subset]
    x_train, y_train, x_val, y_val = train_validation_split(x, y, config.n_validation)
    dtype = np.dtype(config.precision)
    sets = [np.ascontiguousarray(a, dtype=dtype) for a in (x_train, y_train, x_val, y_val, ds.x_test, ds.y_test)]
    return TrainingData(ds.name, ds.source, *sets, notes=list(ds.notes))


class TrainProgress(Protocol):
    """What the trainer reports while it runs (the CLI shows it as a Rich progress bar)."""

    def start(self, config: TrainConfig, first_epoch: int, batches_per_epoch: int) -> None: ...
    def epoch_start(self, epoch: int, learning_rate: float, first_batch: int) -> None: ...
    def batch_done(self, epoch: int, batch: int) -> None: ...
    def epoch_end(self, metrics: EpochMetrics) -> None: ...
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
    stopped_at: tuple[int, int] | None = None  # (epoch, minibatch done) of an interrupted run


class _StopRequest:
    """Ctrl-C asks the run to stop after the current minibatch (a second Ctrl-C interrupts at once)."""

    def __init__(self) -> None:
        self.requested = False
        self._installed = False
        self._previous: Any = None

    def __enter__(self) -> _StopRequest:
        if threading.current_thread() is threading.main_thread():  # signals reach the main thread only
            self._previous = signal.signal(signal.SIGINT, self._handle)
            self._installed = True
        return self

    def _handle(self, signum: int, frame: Any) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __exit__(self, *exc: object) -> None:
        if self._installed:
            signal.signal(signal.SIGINT, self._previous if self._previous is not None else signal.SIG_DFL)


def initial_network(config: TrainConfig) -> Network:
    """The network before the first step: ``config``'s layers, with weights drawn by its init scheme and seed."""
    return mlp(config.sizes, config.activations, LOSS, config.precision, init=config.init, seed=config.seed,
               **config.init_params)


def shuffle_generator(seed: int) -> np.random.Generator:
    """The shuffling stream: derived from ``seed`` but independent of the one that drew the weights."""
    return np.random.default_rng(np.random.SeedSequence(seed).spawn(1)[0])


def check_run_folder(folder: Path, *, resume: bool, force: bool) -> None:
    if resume:
        if not (folder / CONFIG_FILE).exists():
            raise UsageError(f"{folder}: no {CONFIG_FILE} here, so no run to resume")
        return
    if (folder / CONFIG_FILE).exists() and not force:
        raise UsageError(f"{folder}: already holds a run ({CONFIG_FILE}); continue it with --resume {folder}, "
                         "replace it with --force, or choose another --out")
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder}: is a file; --out must be a folder")


def check_before_data(config: TrainConfig, folder: str | Path, *, resume: bool = False,
                      force: bool = False) -> None:
    """The checks that need no data, so a mistake is reported before a data set is loaded: the settings,
    the run folder (and, to resume, its checkpoint) and, with ``config.subset``, the minibatch counts
    (the subset fixes the number of training images)."""
    folder = Path(folder)
    config.check()
    check_run_folder(folder, resume=resume, force=force)
    if resume and not (folder / CHECKPOINT_FILE).exists():
        load_checkpoint(folder / CHECKPOINT_FILE)  # raises the UsageError that says why there is none
    if config.subset is not None:
        config.check_data(config.subset - config.n_validation)


def train(config: TrainConfig, data: TrainingData, folder: str | Path, *, progress: TrainProgress | None = None,
          resume: bool = False, force: bool = False,
          should_stop: Callable[[int, int], bool] | None = None) -> RunResult:
    """Train, writing the run folder; ``should_stop(epoch, batch)`` after a minibatch stops as Ctrl-C does
    (checkpoint, status "interrupted"); ``resume`` continues from ``folder``'s checkpoint."""
    folder = Path(folder)
    config.check()
    check_run_folder(folder, resume=resume, force=force)
    n_train = data.x_train.shape[0]
    n_batches = config.check_data(n_train)
    B = config.batch_size
    run_info = {"config": config.to_dict(), **data.describe(), "sizes": config.sizes,
                "activations": config.activations, "loss": LOSS, "batches_per_epoch": n_batches,
                "backprop_tutor": __version__, "numpy": np.__version__}
    schedule = StepDecay(config.learning_rate, config.decay_factor, tuple(config.decay_at))
    net = initial_network(config)
    rng = shuffle_generator(config.seed)
    history: list[EpochMetrics] = []
    first_epoch, first_batch = 1, 0
    if resume:
        cp = load_checkpoint(folder / CHECKPOINT_FILE)
        _restore(net, cp, folder)
        rng.bit_generator.state = cp.rng_state
        history = list(cp.history)
        first_epoch, first_batch = cp.epochs_done + 1, cp.next_batch
    else:
        folder.mkdir(parents=True, exist_ok=True)
        for name in RUN_FILES:
            (folder / name).unlink(missing_ok=True)
        write_json(folder / CONFIG_FILE, {**run_info, "created": time.strftime("%Y-%m-%dT%H:%M:%S%z")})
    traced = {(e, k) for e in config.trace_epochs for k in config.trace_batches}
    # open trace.h5 once for the run (a resumed run appends to it) if a traced minibatch is still to come
    tracer = (TraceWriter(folder, run_info, append=resume).open()
              if any((e, k) > (first_epoch, first_batch) for e, k in traced) else None)
    xb = np.empty((B, data.x_train.shape[1]), dtype=data.x_train.dtype)
    yb = np.empty((B, data.y_train.shape[1]), dtype=data.y_train.dtype)
    if progress is not None:
        progress.start(config, first_epoch, n_batches)

    def checkpoint(epochs_done: int, next_batch: int, rng_state: dict[str, Any]) -> None:
        velocity = net.velocity  # the engine's momentum state v(l), needed to continue bit-identically
        save_checkpoint(folder / CHECKPOINT_FILE, Checkpoint(
            epochs_done, next_batch, rng_state, [(layer.W, layer.b) for layer in net.layers],
            None if velocity is None else list(velocity), history))

    def write_metrics(status: str, **extra: Any) -> None:
        done = history[-1].epoch if history else 0
        write_json(folder / METRICS_JSON, {
            "status": status, "epochs": [m.to_dict() for m in history],
            "learning_rate_changes": [c.to_dict() for c in schedule.changes(config.epochs) if c.after_epoch < done],
            **extra})
        write_metrics_csv(folder / METRICS_CSV, history)

    def plot() -> None:
        if history:
            plot_accuracy(folder / PLOT_FILE, history, schedule.changes(config.epochs),
                          title=f"{data.name}: {'-'.join(map(str, config.sizes))} {config.activation}, "
                                f"η = {config.learning_rate:g}, B = {B}")

    try:
        with _StopRequest() as stop, np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for epoch in range(first_epoch, config.epochs + 1):
                started = time.perf_counter()
                eta = schedule.learning_rate(epoch)
                epoch_rng_state = rng.bit_generator.state
                perm = rng.permutation(n_train)
                start_batch = first_batch if epoch == first_epoch else 0
                stopping = False
                if progress is not None:
                    progress.epoch_start(epoch, eta, start_batch)
                for b in range(start_batch, n_batches):
                    rows = perm[b * B:(b + 1) * B]
                    np.take(data.x_train, rows, axis=0, out=xb)
                    np.take(data.y_train, rows, axis=0, out=yb)
                    recorder = None
                    if (epoch, b + 1) in traced:
                        recorder = Recorder(trace_header(config, epoch, b + 1, eta, rows, run_info))
                    net.train_step(xb, yb, eta, recorder, momentum=config.momentum, l2=config.l2)
                    if recorder is not None and tracer is not None:
                        tracer.write(group_name(epoch, b + 1), recorder.trace)
                    if progress is not None:
                        progress.batch_done(epoch, b + 1)
                    stopping = stop.requested or (should_stop is not None and should_stop(epoch, b + 1))
                    if stopping and b + 1 < n_batches:
                        checkpoint(epoch - 1, b + 1, epoch_rng_state)
                        write_metrics("interrupted")
                        plot()
                        return RunResult("interrupted", folder, history, net, stopped_at=(epoch, b + 1))
                metrics = _finish_epoch(net, data, history, epoch, eta, started)
                if not metrics.finite:
                    write_metrics("diverged")
                    plot()
                    raise DivergenceError(
                        f"training diverged in epoch {epoch}: the loss became {metrics.train_loss} (training) / "
                        f"{metrics.val_loss} (validation) with η = {eta:g}. Try a smaller learning rate, e.g. "
                        f"--lr {config.learning_rate / 10:g}. Metrics so far: {folder / METRICS_JSON}")
                checkpoint(epoch, 0, rng.bit_generator.state)
                if progress is not None:
                    progress.epoch_end(metrics)
                if stopping and epoch < config.epochs:  # stopped after the epoch's last minibatch
                    write_metrics("interrupted")
                    plot()
                    return RunResult("interrupted", folder, history, net, stopped_at=(epoch, n_batches))
                write_metrics("running")
    finally:
        if tracer is not None:
            tracer.close()
        if progress is not None:
            progress.stop()
    write_parameters(folder / PARAMS_FILE, net.parameters())
    # The test set is looked at once, on request: choosing a configuration by test accuracy would
    # make the test figure an optimistic, not an honest, estimate.
    test_loss = test_accuracy = math.nan
    test = None
    if config.test and data.x_test.shape[0]:
        test_loss, test_accuracy = evaluate(net, data.x_test, data.y_test)
        test = {"loss": _json_float(test_loss), "accuracy": _json_float(test_accuracy),
                "n_test": int(data.x_test.shape[0])}
    write_metrics("complete", test=test)
    plot()
    (folder / CHECKPOINT_FILE).unlink(missing_ok=True)
    return RunResult("complete", folder, history, net, test_loss, test_accuracy)


def _finish_epoch(net: Network, data: TrainingData, history: list[EpochMetrics], epoch: int, eta: float,
                  started: float) -> EpochMetrics:
    train_loss, train_acc = evaluate(net, data.x_train, data.y_train)
    val_loss, val_acc = evaluate(net, data.x_val, data.y_val)
    metrics = EpochMetrics(epoch, eta, train_loss, train_acc, val_loss, val_acc, time.perf_counter() - started)
    history.append(metrics)
    return metrics


def _restore(net: Network, cp: Checkpoint, folder: Path) -> None:
    shapes = [layer.W.shape for layer in net.layers]
    if [W.shape for W, _ in cp.params] != shapes:
        raise UsageError(f"{folder / CHECKPOINT_FILE}: its weights are shaped {[W.shape for W, _ in cp.params]} "
                         f"but {folder / CONFIG_FILE} describes {shapes}")
    for layer, (W, b) in zip(net.layers, cp.params, strict=True):
        layer.W[...] = W
        layer.b[...] = b
    if cp.velocity is not None:
        dtype = net.layers[0].W.dtype
        net.velocity = [(vW.astype(dtype), vb.astype(dtype)) for vW, vb in cp.velocity]


def write_json(path: str | os.PathLike[str], data: Any) -> Path:
    """The run folder's JSON files, written atomically; strict JSON (no NaN: callers turn non-finite
    figures into null first)."""
    return write_text_atomic(path, json.dumps(data, indent=2, allow_nan=False) + "\n")


def _json_float(v: float) -> float | None:
    return v if math.isfinite(v) else None


def read_run_config(folder: str | Path) -> TrainConfig:
    """The TrainConfig a run folder was started with (its config.json)."""
    path = Path(folder) / CONFIG_FILE
    try:
        return TrainConfig.from_dict(json.loads(path.read_text(encoding="utf-8"))["config"])
    except FileNotFoundError:
        raise UsageError(f"{folder}: no {CONFIG_FILE} here, so no run to resume") from None
    except (ValueError, KeyError, TypeError) as err:
        raise UsageError(f"{path}: damaged run config ({err})") from None
