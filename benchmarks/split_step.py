"""Would a retraining step split by rows over the two cores be faster? The engine's step on a minibatch of 500
in one process, against the same step as two halves of 250 rows computed at once, each on one BLAS thread with
work arrays of its own, the two gradients then summed and one update made (data-parallel SGD): the second half
in a helper thread of this process, or in a helper process (forked) that reads the parameters from shared
memory, writes its gradients there, and is handed each step by a counter it spins on (`spin_until`). 120 steps
a round (an epoch of the sweep's retraining on 60,000 images), the three ways alternated.

Run:  PYTHONPATH=. python benchmarks/split_step.py --rounds 5

The images are random (the products' speed does not depend on the values); the network is the homework's
784-100-50-25-10 tanh/softmax, float32. Linux only (the helper process is forked). Printed: each round's
milliseconds, then the medians and their ratios to the whole step.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import threading
import time
from collections.abc import Callable

import numpy as np
from machine import blas_kernel_here, load
from threadpoolctl import threadpool_limits

from backprop_tutor.engine.network import Network, mlp

SIZES, B, STEPS = [784, 100, 50, 25, 10], 500, 120
HALF = B // 2


class Minibatches:
    """Random images and one-hot labels, gathered as the trainer does (`np.take` into preallocated arrays)."""

    def __init__(self, rows: int = 60_000) -> None:
        rng = np.random.default_rng(1)
        self.x = rng.random((rows, SIZES[0]), dtype=np.float32)
        self.y = np.eye(SIZES[-1], dtype=np.float32)[rng.integers(0, SIZES[-1], rows)]
        self.order = rng.permutation(rows)

    def take(self, k: int, part: slice, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        rows = self.order[(k % STEPS) * B:(k % STEPS + 1) * B][part]
        np.take(self.x, rows, axis=0, out=x, mode="clip")
        np.take(self.y, rows, axis=0, out=y, mode="clip")
        return x, y


def shared(shape: tuple[int, ...]) -> np.ndarray:
    """A float32 array in memory a forked process shares."""
    return np.frombuffer(multiprocessing.RawArray("f", int(np.prod(shape))), np.float32).reshape(shape)


def work_arrays(rows: int) -> tuple[np.ndarray, np.ndarray]:
    return np.empty((rows, SIZES[0]), np.float32), np.empty((rows, SIZES[-1]), np.float32)


def half_step(net: Network, data: Minibatches, k: int, part: slice, arrays: tuple) -> None:
    net.forward(data.take(k, part, *arrays)[0])
    net.backward(arrays[1])


def sum_and_update(net: Network, theirs: Network) -> None:
    """Both halves' mean gradients summed; η halved makes the update the one of their mean over 500 rows."""
    mine, other = net._workspace(HALF), theirs._workspace(HALF)
    for l in range(1, net.L + 1):
        mine.dW[l] += other.dW[l]
        mine.db[l] += other.db[l]
    net.update(0.005, HALF)


def spin_until(ready: Callable[[], bool], spins: int = 20_000) -> None:
    """Wait for ``ready`` by spinning (a hand-over in well under a microsecond once it is), sleeping 1 ms
    between bursts of ``spins`` looks: an idle helper leaves its core to the other ways' rounds."""
    while not ready():
        for _ in range(spins):
            if ready():
                return
        time.sleep(1e-3)


class Helper:
    """The second half of each step, in a thread or a forked process. ``counters``: [steps asked, steps done],
    spun on (a process), or two semaphores (a thread)."""

    def __init__(self, net: Network, data: Minibatches, process: bool) -> None:
        self.net, self.data, self.process = Network(net.layers, net.loss, net.ops), data, process
        if process:  # its gradients where the parent reads them
            ws = self.net._workspace(HALF)
            ws.dW = [shared(a.shape) for a in ws.dW]
            ws.db = [shared(a.shape) for a in ws.db]
            self.counters = np.frombuffer(multiprocessing.RawArray("q", 16), np.int64)[::8]  # a cache line each
            multiprocessing.get_context("fork").Process(target=self._loop, daemon=True).start()
        else:
            self.go, self.done = threading.Semaphore(0), threading.Semaphore(0)
            threading.Thread(target=self._loop, daemon=True).start()
        self.asked = 0

    def _loop(self) -> None:
        arrays, k = work_arrays(HALF), 0
        with threadpool_limits(1):
            while True:
                if self.process:
                    spin_until(lambda k=k: self.counters[0] > k)
                else:
                    self.go.acquire()
                half_step(self.net, self.data, k, slice(HALF, None), arrays)
                k += 1
                if self.process:
                    self.counters[1] = k
                else:
                    self.done.release()

    def ask(self) -> None:
        self.asked += 1
        if self.process:
            self.counters[0] = self.asked
        else:
            self.go.release()

    def wait(self) -> None:
        if self.process:
            spin_until(lambda: self.counters[1] >= self.asked)
        else:
            self.done.acquire()


def split_over(helper: Helper) -> Callable[[Network, Minibatches], None]:
    def split(net: Network, data: Minibatches) -> None:
        arrays = work_arrays(HALF)
        for k in range(STEPS):
            helper.ask()
            half_step(net, data, k, slice(0, HALF), arrays)
            helper.wait()
            sum_and_update(net, helper.net)
    return split


def whole(net: Network, data: Minibatches) -> None:
    arrays = work_arrays(B)
    for k in range(STEPS):
        net.train_step(*data.take(k, slice(None), *arrays), 0.01)


def network_in_shared_memory() -> Network:
    """The homework's network, its W(l) and b(l) in shared memory (a forked helper sees each update)."""
    net = mlp(SIZES, ["tanh"] * 3 + ["softmax"], "cross-entropy", "float32", seed=1)
    for layer in net.layers:
        W, b = shared(layer.W.shape), shared(layer.b.shape)
        W[...], b[...] = layer.W, layer.b
        layer.W, layer.b = W, b
    return net


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    print(f"BLAS: {blas_kernel_here()}; {load()}")
    net, data = network_in_shared_memory(), Minibatches()
    ways = {"whole": whole, "2 threads": split_over(Helper(net, data, process=False)),
            "2 processes": split_over(Helper(net, data, process=True))}
    times: dict[str, list[float]] = {name: [] for name in ways}
    with threadpool_limits(1):
        for _ in range(rounds):
            for name, way in ways.items():
                start = time.perf_counter()
                way(net, data)
                times[name].append(1e3 * (time.perf_counter() - start))
                print(f"{name:12s} {times[name][-1]:6.1f} ms for {STEPS} steps")
    medians = {name: statistics.median(t) for name, t in times.items()}
    print("medians: " + ", ".join(f"{name} {m:.1f} ms ({m / medians['whole']:.2f})" for name, m in medians.items()))


if __name__ == "__main__":
    main()
