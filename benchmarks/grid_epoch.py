"""Where one epoch of a homework grid run goes, on one BLAS thread, against its matrix products alone.

Run:  PYTHONPATH=. python benchmarks/grid_epoch.py              (~1 minute)
      PYTHONPATH=. python benchmarks/grid_epoch.py --epochs 20  (more epochs, steadier medians)

A grid run of `benchmarks/workflow.py` trains 784-100-50-25-10 tanh, B = 500, float32, on 50,000 images and
measures loss and accuracy on them and on 10,000 validation images after every epoch, on one BLAS thread
(two such runs share the machine's 2 cores). This times the trainer's epoch as it runs (random images of the
data set's shape, the engine and `train.metrics.Evaluator` as the trainer calls them), part by part, in CPU
time (`time.process_time`: the machine may be shared), and beside each part the same matrix products alone
on preallocated arrays. Medians over the epochs after the first. The BLAS kernel and the load are printed.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import time

import numpy as np
from machine import blas_kernel_here
from threadpoolctl import threadpool_limits

from backprop_tutor.engine.network import mlp
from backprop_tutor.train.metrics import Evaluator

N_TRAIN, N_VAL, B = 50_000, 10_000, 500
SIZES = [784, 100, 50, 25, 10]


def epoch_parts(epochs: int) -> dict[str, list[float]]:
    """CPU seconds of each part of every epoch: the gathers, forward, backward, update, the measuring pass."""
    rng = np.random.default_rng(0)
    x = rng.random((N_TRAIN + N_VAL, 784), dtype=np.float32)
    y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, N_TRAIN + N_VAL)]
    x_train, y_train, x_val, y_val = (np.ascontiguousarray(a) for a in (x[:N_TRAIN], y[:N_TRAIN], x[N_TRAIN:],
                                                                         y[N_TRAIN:]))
    net = mlp(SIZES, ["tanh"] * 3 + ["softmax"], "cross-entropy", "float32", seed=1)
    evaluator = Evaluator(net, 1)
    xb, yb = np.empty((B, 784), np.float32), np.empty((B, 10), np.float32)
    parts: dict[str, list[float]] = {k: [] for k in ("gather images", "gather labels", "forward", "backward",
                                                      "update", "measuring pass")}
    clock = time.process_time
    for _ in range(epochs):
        perm = rng.permutation(N_TRAIN)
        t = dict.fromkeys(parts, 0.0)
        for b in range(N_TRAIN // B):
            rows = perm[b * B:(b + 1) * B]
            t0 = clock()
            np.take(x_train, rows, axis=0, out=xb, mode="clip")  # as train.trainer does
            t1 = clock()
            np.take(y_train, rows, axis=0, out=yb, mode="clip")
            t2 = clock()
            net.forward(xb)
            t3 = clock()
            net.backward(yb)
            t4 = clock()
            net.update(0.01, B)
            t5 = clock()
            for k, dt in zip(parts, (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4), strict=False):
                t[k] += dt
        t0 = clock()
        evaluator.training_and_validation(x_train, y_train, x_val, y_val)
        t["measuring pass"] = clock() - t0
        for k in parts:
            parts[k].append(t[k])
    return {k: v[1:] for k, v in parts.items()}


def products_alone(epochs: int) -> dict[str, list[float]]:
    """CPU seconds of an epoch's matrix products alone: 100 steps' (forward, δ, ∇W) and the measuring pass's
    (its first layer's separately), on arrays in cache except the measured images, which are read as the
    pass reads them."""
    rng = np.random.default_rng(1)
    W = [rng.random((n_out, n_in), dtype=np.float32) for n_in, n_out in itertools.pairwise(SIZES)]
    a = [rng.random((B, n), dtype=np.float32) for n in SIZES]
    s = [np.empty((B, n), np.float32) for n in SIZES]
    dW = [np.empty(w.shape, np.float32) for w in W]
    x = rng.random((N_TRAIN + N_VAL, 784), dtype=np.float32)
    chunk = [np.empty((1000, n), np.float32) for n in SIZES]
    times: dict[str, list[float]] = {"step products": [], "measuring: layer 1": [], "measuring: layers 2-4": []}
    clock = time.process_time
    for _ in range(epochs):
        t0 = clock()
        for _ in range(N_TRAIN // B):
            for l in range(4):
                np.matmul(a[l], W[l].T, out=s[l + 1])
            for l in range(1, 4):
                np.matmul(a[l + 1], W[l], out=s[l])
            for l in range(4):
                np.matmul(a[l + 1].T, a[l], out=dW[l])
        t1 = clock()
        for first in range(0, x.shape[0], 1000):
            np.matmul(x[first:first + 1000], W[0].T, out=chunk[1])
        t2 = clock()
        for _ in range(x.shape[0] // 1000):
            for l in range(1, 4):
                np.matmul(chunk[l], W[l].T, out=chunk[l + 1])
        t3 = clock()
        for k, dt in zip(times, (t1 - t0, t2 - t1, t3 - t2), strict=True):
            times[k].append(dt)
    return {k: v[1:] for k, v in times.items()}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=8, help="epochs timed (the first is left out of the medians)")
    args = p.parse_args()
    with threadpool_limits(1, "blas"):
        print(f"BLAS: {blas_kernel_here()}; load {os.getloadavg()[0]:.1f} at start")
        parts, alone = epoch_parts(args.epochs + 1), products_alone(args.epochs + 1)
    med = {k: statistics.median(v) * 1e3 for k, v in {**parts, **alone}.items()}
    total = sum(med[k] for k in parts)
    floor = sum(med[k] for k in alone)
    for k in parts:
        print(f"{k:28s} {med[k]:7.1f} ms CPU  {med[k] / total:6.1%}")
    print(f"{'epoch':28s} {total:7.1f} ms CPU")
    for k in alone:
        print(f"{k + ' alone':28s} {med[k]:7.1f} ms CPU")
    print(f"{'products alone':28s} {floor:7.1f} ms CPU = {floor / total:.1%} of the epoch "
          f"(load {os.getloadavg()[0]:.1f} at the end)")


if __name__ == "__main__":
    main()
