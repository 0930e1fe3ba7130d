"""Would a retraining step split by rows over the two cores be faster? The engine's step on a minibatch of 500
in one thread, against the same step as two halves of 250 rows, one in a helper thread, each on one BLAS thread
with its own work arrays, the two gradients then summed and one update made (data-parallel SGD within one
process). 120 steps a round (an epoch of the sweep's retraining on 60,000 images), the two ways alternated.

Run:  PYTHONPATH=. python benchmarks/split_step.py --rounds 5

The images are random (the products' speed does not depend on the values); the network is the homework's
784-100-50-25-10 tanh/softmax, float32. Printed: each round's milliseconds, then the medians and their ratio.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time

import numpy as np
from machine import blas_kernel_here, load
from threadpoolctl import threadpool_limits

from backprop_tutor.engine.network import Network, mlp

SIZES, B, STEPS = [784, 100, 50, 25, 10], 500, 120


class Minibatches:
    """Random images and one-hot labels, gathered 500 rows at a time as the trainer does (`np.take` into
    preallocated arrays)."""

    def __init__(self, rows: int = 60_000) -> None:
        rng = np.random.default_rng(1)
        self.x = rng.random((rows, SIZES[0]), dtype=np.float32)
        self.y = np.eye(SIZES[-1], dtype=np.float32)[rng.integers(0, SIZES[-1], rows)]
        self.order = rng.permutation(rows)
        self.xb, self.yb = np.empty((B, SIZES[0]), np.float32), np.empty((B, SIZES[-1]), np.float32)

    def take(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        rows = self.order[k * B:(k + 1) * B]
        np.take(self.x, rows, axis=0, out=self.xb, mode="clip")
        np.take(self.y, rows, axis=0, out=self.yb, mode="clip")
        return self.xb, self.yb


class Half:
    """A thread that runs forward and backward on the half of each minibatch it is handed."""

    def __init__(self, net: Network) -> None:
        self.net, self.job = net, None
        self.go, self.done = threading.Semaphore(0), threading.Semaphore(0)
        threading.Thread(target=self._loop, daemon=True).start()

    def _loop(self) -> None:
        while True:
            self.go.acquire()
            x, y = self.job
            self.net.forward(x)
            self.net.backward(y)
            self.done.release()


def whole(net: Network, data: Minibatches, helper: Half) -> None:
    for k in range(STEPS):
        x, y = data.take(k)
        net.train_step(x, y, 0.01)


def split(net: Network, data: Minibatches, helper: Half) -> None:
    half = B // 2
    for k in range(STEPS):
        x, y = data.take(k)
        helper.job = (x[half:], y[half:])
        helper.go.release()
        net.forward(x[:half])
        net.backward(y[:half])
        helper.done.acquire()
        mine, theirs = net._workspace(half), helper.net._workspace(half)
        for l in range(1, net.L + 1):  # the two halves' means summed: η halved gives the mean over 500
            mine.dW[l] += theirs.dW[l]
            mine.db[l] += theirs.db[l]
        net.update(0.005, half)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    print(f"BLAS: {blas_kernel_here()}; {load()}")
    net = mlp(SIZES, ["tanh"] * 3 + ["softmax"], "cross-entropy", "float32", seed=1)
    helper = Half(Network(net.layers, net.loss, net.ops))  # the same W(l), b(l); work arrays of its own
    data, times = Minibatches(), {whole: [], split: []}
    with threadpool_limits(1):
        for _ in range(rounds):
            for way in times:
                start = time.perf_counter()
                way(net, data, helper)
                times[way].append(1e3 * (time.perf_counter() - start))
                print(f"{way.__name__:5s} {times[way][-1]:6.1f} ms for {STEPS} steps")
    one, two = (statistics.median(times[way]) for way in (whole, split))
    print(f"median: whole {one:.1f} ms, split over 2 threads {two:.1f} ms; split / whole = {two / one:.2f}")


if __name__ == "__main__":
    main()
