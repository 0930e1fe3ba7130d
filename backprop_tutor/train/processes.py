"""A run's minibatches split over processes: data-parallel SGD on one machine's cores.

With the ``processes`` setting N > 1, each minibatch of B rows is cut into N parts of B/N rows. This process
steps the first part while N − 1 helper processes, forked at the run's start, step the others at the same time,
each on one BLAS thread with work arrays of its own:

    each part    s(l), a(l), a'(l), δ(l) of its rows,   ∇W(l)_part = mean over its rows of δ(l) a(l-1)ᵀ
    combined     ∇W(l) = (1/N) Σ_parts ∇W(l)_part + λ W(l)      (the mean over the whole minibatch)
    update       once, here: W(l) ← W(l) − η ∇W(l)             (`Network.train_step` with ``parts``)

W(l), b(l) live in memory the helpers share, so each sees every update at once; so do the helpers' work arrays,
so a traced minibatch records every row. The measuring pass after each epoch is split the same way, by chunks
(`metrics.Evaluator`: each chunk computed as one process computes it, the sums added in order: the figures of a
one-process pass). A step is handed over through a counter the other side spins on: a step's part takes ~1.5 ms,
of which a pipe or a semaphore would take tens of µs.

Why processes: Python runs a step's ~50 numpy calls one thread at a time (the GIL), so two threads of one process
gained nothing, where two processes took 0.61–0.64 of the whole step's time (benchmarks/split_step.py). The
gradients are added in another order than one process adds them, so a split run's results are its own: N is
recorded in config.json like the BLAS thread count, and --resume continues bit-identically.

A helper ignores Ctrl-C (the run stops at a minibatch's end, as always) and dies with the run: the kernel kills it
when the thread that started it ends, however it ends; a helper that dies ends the run with a `HelperLost` naming
it, and the run can continue from its last checkpoint. Linux on x86-64 only (`config.split_problem`): the helpers are
forked, and the counters rely on x86's ordering of stores between cores.
"""

from __future__ import annotations

import contextlib
import ctypes
import mmap
import os
import signal
import time
import traceback
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from backprop_tutor.engine.network import Network
from backprop_tutor.errors import TutorError
from backprop_tutor.train.metrics import EVAL_CHUNK, ChunkFigures, Evaluator, chunk_figures

# A helper's control block: int64 slots, the two counters each on a cache line of its own.
_ASKED, _DONE, _COMMAND, _CONTROL = 0, 8, 16, 24
_STEP, _MEASURE = 1, 2
_REASON_BYTES = 512
_SPINS = 4096  # looks at a counter between looks at the other process's life (~0.5 ms)


class HelperLost(TutorError):
    """A helper process of a split run died (killed, or out of memory); the run can continue from its last
    checkpoint."""


def shared_zeros(shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    """A zeroed array in memory that processes forked after it share (an anonymous shared mapping)."""
    dtype = np.dtype(dtype)
    n = int(np.prod(shape))
    return np.frombuffer(mmap.mmap(-1, max(n * dtype.itemsize, 1)), dtype, n).reshape(shape)


class _Helper:
    """One helper process: its part of the minibatch's rows, its network (the run's layers, work arrays for
    those rows in shared memory), its control block."""

    def __init__(self, net: Network, part: int, rows: int) -> None:
        self.part = part
        self.net = Network(net.layers, net.loss, net.ops, net.relu_prime_at_zero)
        self.net.place_workspace(rows, lambda shape: shared_zeros(shape, net.ops.dtype))
        self.control = shared_zeros((_CONTROL,), np.int64)
        self.reason = shared_zeros((_REASON_BYTES,), np.uint8)
        self.pid = 0
        self.asked = 0

    def ask(self, command: int, *args: int) -> None:
        self.control[_COMMAND:_COMMAND + 1 + len(args)] = (command, *args)
        self.asked += 1
        self.control[_ASKED] = self.asked  # last: the helper reads the command once it sees this

    def wait(self) -> None:
        control, asked = self.control, self.asked
        _spin(lambda: control[_DONE] >= asked, self._alive)

    def _alive(self) -> bool:
        try:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
        except ChildProcessError:  # collected by someone else's wait
            pid, status = self.pid, 0
        if pid == 0:
            return True
        self.pid = 0
        reason = bytes(self.reason).rstrip(b"\0").decode(errors="replace")
        how = reason or (f"killed by signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status)
                         else f"exit code {os.WEXITSTATUS(status)}")
        raise HelperLost(f"helper process {self.part} of the run (pid {pid}) ended: {how}; the run stopped, and can "
                         "continue from its last checkpoint")

    def stop(self) -> None:
        """End the process now (it holds nothing but shared memory, which outlives it)."""
        if self.pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self.pid, 0)
            self.pid = 0


def _spin(ready: Callable[[], bool], alive: Callable[[], bool]) -> None:
    """Return once ``ready()``; look at ``alive()`` (which raises or returns False) every `_SPINS` looks, and after
    ~20 ms of waiting sleep 1 ms between bursts, so that a helper idle between epochs leaves its core."""
    started = None
    while not ready():
        for _ in range(_SPINS):
            if ready():
                return
        if not alive():
            raise SystemExit(0)
        os.sched_yield()  # to a process of this run that waits for the core (more processes than cores)
        started = started or time.perf_counter()
        if time.perf_counter() - started > 0.02:
            time.sleep(1e-3)


class SplitRun:
    """The helpers of one run, from its start (`start`) to its end (`stop`). This process's part of each minibatch
    is the first B/N rows; ``x``, ``y`` hold the whole minibatch, each process gathering its own rows."""

    def __init__(self, net: Network, sets: list[tuple[np.ndarray, np.ndarray]], processes: int,
                 batch_size: int) -> None:
        self.net, self.sets = net, sets
        x_train, y_train = sets[0]
        self.B, self.rows = batch_size, batch_size // processes
        self.batches = x_train.shape[0] // batch_size  # minibatches an epoch
        for layer in net.layers:  # W(l), b(l) where the helpers see each update
            layer.W, layer.b = _in_shared(layer.W), _in_shared(layer.b)
        self.x = shared_zeros((batch_size, x_train.shape[1]), x_train.dtype)
        self.y = shared_zeros((batch_size, y_train.shape[1]), y_train.dtype)
        self.perm = shared_zeros((x_train.shape[0],), np.int64)
        chunks = max(-(-x.shape[0] // EVAL_CHUNK) for x, _ in sets)
        self.loss_sums, self.rights = shared_zeros((chunks,), np.float64), shared_zeros((chunks,), np.int64)
        self.helpers = [_Helper(net, part, self.rows) for part in range(1, processes)]
        self.networks = [helper.net for helper in self.helpers]  # `engine.network.Parts`
        self.measuring: list[tuple[_Helper, int, int]] = []
        self.count = len(self.helpers)  # `metrics.ChunkHelpers`

    # --- the helpers' lives ----------------------------------------------------------------------
    def start(self) -> SplitRun:
        """Fork the helpers (`stop` ends those started, also when this fails)."""
        parent = os.getpid()
        for helper in self.helpers:
            with warnings.catch_warnings():  # Python ≥ 3.12 warns of forking a process that has threads: the
                warnings.simplefilter("ignore", DeprecationWarning)  # helper touches none of their locks
                try:
                    pid = os.fork()
                except OSError as err:
                    raise HelperLost(f"helper process {helper.part} of the run could not be started ({err.strerror});"
                                     " train with one process (--processes 1)") from None
            if pid == 0:
                _serve(self, helper, parent)  # never returns
            helper.pid = pid
        return self

    def stop(self) -> None:
        for helper in self.helpers:
            helper.stop()

    # --- what the run asks of them --------------------------------------------------------------
    def new_epoch(self, perm: np.ndarray) -> None:
        """The epoch's order of the training rows (the helpers are idle between steps)."""
        np.copyto(self.perm, perm)

    def step(self, b: int, eta: float, recorder: Any, momentum: float, l2: float) -> None:
        """Minibatch b (0-based) of the epoch, split; recorded by ``recorder`` if not None."""
        for helper in self.helpers:
            helper.ask(_STEP, b, recorder is not None)
        _gather(self, slice(0, self.rows), b)
        self.net.train_step(self.x, self.y, eta, recorder, momentum=momentum, l2=l2, parts=self)

    def wait(self) -> None:
        """Until every helper is done with what it was asked (`engine.network.Parts`)."""
        for helper in self.helpers:
            helper.wait()

    def measure(self, x: np.ndarray, y: np.ndarray, chunk: int, chunks: list[tuple[int, int]]) -> bool:
        """Ask the helpers for the figures of chunks [first, stop) each (`metrics.ChunkHelpers`); False if they do
        not hold (x, y), or for chunks of another size than `EVAL_CHUNK`, the one their figures are laid out for."""
        known = [i for i, (xs, ys) in enumerate(self.sets) if xs is x and ys is y]
        if not known or chunk != EVAL_CHUNK:
            return False
        self.measuring = [(helper, first, stop) for helper, (first, stop) in zip(self.helpers, chunks, strict=False)]
        for helper, first, stop in self.measuring:
            helper.ask(_MEASURE, known[0], first, stop)
        return True

    def figures(self) -> list[ChunkFigures]:
        """The chunks' figures `measure` asked for, in order, once the helpers are done."""
        figures: list[ChunkFigures] = []
        for helper, first, stop in self.measuring:
            helper.wait()
            figures += zip(self.loss_sums[first:stop].tolist(), self.rights[first:stop].tolist(), strict=True)
        self.measuring = []
        return figures


def _in_shared(array: np.ndarray) -> np.ndarray:
    shared = shared_zeros(array.shape, array.dtype)
    np.copyto(shared, array)
    return shared


# --- in the helper process ------------------------------------------------------------------------
def _serve(run: SplitRun, helper: _Helper, parent: int) -> None:
    """The helper's life: do what it is asked until the run ends it. Never returns (os._exit: nothing of the
    run's process, its files, buffers or exit handlers, is touched)."""
    code = 1
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the run's: it stops at a minibatch's end
        # (the thread that forked is this process's main thread, whichever thread of the run's it was)
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG: die with the run
        if os.getppid() != parent:
            os._exit(0)
        _work(run, helper, lambda: os.getppid() == parent)
    except SystemExit:  # the run's process is gone
        code = 0
    except BaseException as err:  # the reason goes to the run, which reports it
        reason = "".join(traceback.format_exception_only(err)).strip().encode()[:_REASON_BYTES - 1]
        helper.reason[:len(reason)] = np.frombuffer(reason, np.uint8)
    finally:
        os._exit(code)


def _work(run: SplitRun, helper: _Helper, parent_alive: Callable[[], bool]) -> None:
    """Steps and measuring passes as asked. After a step whose rows nobody records, the helper gathers its rows of
    the epoch's next minibatch while the run's process combines and updates (the same rows, taken earlier)."""
    net, control, done, gathered = helper.net, helper.control, 0, -1
    part = slice(helper.part * run.rows, (helper.part + 1) * run.rows)
    evaluator = Evaluator(net)  # for the label classes, taken once per set
    while True:
        _spin(lambda done=done: control[_ASKED] > done, parent_alive)
        command, *args = control[_COMMAND:_COMMAND + 4].tolist()
        if command == _STEP:
            b, traced = args[:2]
            if gathered != b:
                _gather(run, part, b)
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                net.forward(run.x[part])
                net.backward(run.y[part])  # λ's term is added once, to the combined gradient
        elif command == _MEASURE:
            which, first, stop = args[:3]
            xs, ys = run.sets[which]
            figures = chunk_figures(net, xs, ys, first * EVAL_CHUNK, min(stop * EVAL_CHUNK, xs.shape[0]), EVAL_CHUNK,
                                    evaluator.classes(ys))
            run.loss_sums[first:stop], run.rights[first:stop] = zip(*figures, strict=True)
        done += 1
        control[_DONE] = done
        gathered = -1
        if command == _STEP and not traced and b + 1 < run.batches:  # (a traced step's rows are read after it)
            _gather(run, part, b + 1)
            gathered = b + 1


def _gather(run: SplitRun, part: slice, b: int) -> None:
    """A process's rows of the epoch's minibatch b into its part of the minibatch's arrays (mode="clip": the rows
    are a permutation, always in range, and numpy's default gathers into a temporary first)."""
    rows = run.perm[b * run.B + part.start:b * run.B + part.stop]
    x_train, y_train = run.sets[0]
    np.take(x_train, rows, axis=0, out=run.x[part], mode="clip")
    np.take(y_train, rows, axis=0, out=run.y[part], mode="clip")
