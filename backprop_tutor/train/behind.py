"""An epoch measured on a spare core while the next epoch trains.

For a run on one BLAS thread with a core to spare (`resources.measures_behind`): a lone `tutor train` or
`bt.train`, a sweep's grid runs where the machine has a core more for each worker, its retraining once the grid is
done. The epoch's measuring pass (the loss and accuracy of every training and validation image, a third of the
epoch's arithmetic) runs in a thread on another core while the next epoch's steps go on, and its figures are
reported as soon as they are in. On a 2-core machine the steps keep one BLAS thread: two split every product over
both cores, and each product then waits for the other core; on a virtual machine whose two cores the host places
far apart (a cache line takes ~1 µs to cross, where 60 ns is usual), a 2-thread epoch took 0.38 s instead of
0.26 s, while measured behind one took 0.29 s wherever the host puts the cores (benchmarks/README.md).

The pass reads a copy of the parameters the epoch ended with, so its figures are the ones it would give
right after the epoch, and a run measured behind is bit-identical to the same run measured in turn (on one
BLAS thread: why not on more, `resources.measures_behind`).
"""

from __future__ import annotations

import dataclasses
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from backprop_tutor.engine.network import Layer, Network
from backprop_tutor.train.metrics import Evaluator

Figures = tuple[tuple[float, float], tuple[float, float]]  # (training, validation) × (mean loss, accuracy)


@dataclass
class EpochEnd:
    """What the trainer knew when an epoch's last step was done, kept until its figures come."""

    epoch: int
    learning_rate: float
    started: float  # time.perf_counter() at the epoch's start
    rng_state: dict[str, Any]  # the shuffling generator's state after the epoch
    #: W(l), b(l) and momentum's v(l) after the epoch: the network's own arrays, until `MeasuredBehind.submit`
    #: puts copies here (W(l), b(l) those of its copy of the network, kept until the next submit)
    params: list[tuple[np.ndarray, np.ndarray]]
    velocity: list[tuple[np.ndarray, np.ndarray]] | None
    stopping: bool  # a stop was asked for at the epoch's last minibatch
    overlapped: bool  # the epoch before was measured behind, on another core, while this one trained
    #: when the next epoch could start (its steps, and the wait for the figures of the epoch before, were
    #: done): the epoch's wall time on the run's path ends here, its figures come on another core meanwhile
    handed_over: float = 0.0


class MeasuredBehind:
    """One epoch at a time measured in a thread of its own on a copy of the network, one chunk after another, on
    the run's one BLAS thread. `submit` an epoch's end, `result` waits for it."""

    def __init__(self, net: Network, data: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]) -> None:
        self.data = data
        layers = [Layer(layer.W.copy(), layer.b.copy(), layer.h) for layer in net.layers]
        self.copy = Network(layers, net.loss, net.ops, net.relu_prime_at_zero)
        self.evaluator = Evaluator(self.copy, 1)
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="backprop_tutor measuring")
        self.pending: tuple[EpochEnd, Future[Figures]] | None = None

    def submit(self, net: Network, ended: EpochEnd) -> None:
        """Measure ``net`` as it is now, behind; ``ended`` is its epoch's end, whose parameters and momentum
        state are kept as copies. The epoch before must have been taken with `result` (its copy is overwritten)."""
        assert self.pending is None, "the epoch before is still being measured"
        for mine, theirs in zip(self.copy.layers, net.layers, strict=True):
            np.copyto(mine.W, theirs.W)
            np.copyto(mine.b, theirs.b)
        velocity = None if net.velocity is None else [(vW.copy(), vb.copy()) for vW, vb in net.velocity]
        ended = dataclasses.replace(ended, params=[(layer.W, layer.b) for layer in self.copy.layers],
                                    velocity=velocity, handed_over=time.perf_counter())
        self.pending = ended, self.pool.submit(self.evaluator.training_and_validation, *self.data)

    def ready(self) -> bool:
        """Whether an epoch is pending and its figures are in (`result` would not wait)."""
        return self.pending is not None and self.pending[1].done()

    def result(self) -> tuple[EpochEnd, Figures] | None:
        """The epoch being measured and its figures; None if no epoch is pending."""
        if self.pending is None:
            return None
        ended, future = self.pending
        figures = future.result()
        self.pending = None
        return ended, figures

    def close(self) -> None:
        """Stop the thread (a measurement under way is finished first: it takes a fraction of a second)."""
        self.pool.shutdown(wait=True, cancel_futures=True)
