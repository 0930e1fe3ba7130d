"""A sweep's retraining epoch on 2 BLAS threads, measured in turn (120 steps of 500 images, then the loss and
accuracy of the 60,000 images by `train.metrics.Evaluator` on 2 threads), with OpenBLAS's idle threads spinning
2^28 ticks (its default) against `tutor`'s 2^22 (`cli.OPENBLAS_THREAD_TIMEOUT`), alternated, each a process of its
own (OpenBLAS reads the timeout when it loads). That is the retraining as it ran before 6 December's fourth pass,
and still runs on 3 cores or more; on a 2-core machine it now steps on 1 thread and measures each epoch behind on
the other core (`benchmarks/retraining_behind.py` compares the two ways there).

Run:  PYTHONPATH=. python benchmarks/retraining_epoch.py --repeat 3

Printed per process: the medians over its epochs (the first left out) of the steps' and the measuring pass's wall
and CPU milliseconds. The images are random (the arithmetic is that of Fashion-MNIST's 784-100-50-25-10 tanh
network); the figures of the pass are the same under both timeouts, only its time changes.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

from machine import blas_kernel, load

from backprop_tutor.cli import OPENBLAS_THREAD_TIMEOUT

_EPOCHS = """
import sys, time, numpy as np
from threadpoolctl import threadpool_limits
from backprop_tutor.engine.network import mlp
from backprop_tutor.train.metrics import Evaluator
epochs = int(sys.argv[1])
rng = np.random.default_rng(1)
x = rng.random((60000, 784), dtype=np.float32)
y = np.eye(10, dtype=np.float32)[rng.integers(0, 10, 60000)]
net = mlp([784, 100, 50, 25, 10], ["tanh"] * 3 + ["softmax"], "cross-entropy", "float32", init="he", seed=1)
xb, yb, evaluator, times = np.empty((500, 784), np.float32), np.empty((500, 10), np.float32), Evaluator(net, 2), []
with threadpool_limits(2, "blas"):
    for _ in range(epochs):
        perm = rng.permutation(60000)
        marks = [(time.perf_counter(), time.process_time())]
        for b in range(120):
            np.take(x, perm[b * 500:(b + 1) * 500], axis=0, out=xb, mode="clip")
            np.take(y, perm[b * 500:(b + 1) * 500], axis=0, out=yb, mode="clip")
            net.train_step(xb, yb, 0.01, None)
        marks.append((time.perf_counter(), time.process_time()))
        evaluator.training_and_validation(x[:50000], y[:50000], x[50000:], y[50000:])
        marks.append((time.perf_counter(), time.process_time()))
        times.append([1e3 * (marks[i + 1][k] - marks[i][k]) for i in (0, 1) for k in (0, 1)])
steps, steps_cpu, measure, measure_cpu = np.median(np.array(times[1:]), axis=0)
print(f"steps {steps:4.0f} ms ({steps_cpu:4.0f} CPU)   measuring pass {measure:4.0f} ms ({measure_cpu:4.0f} CPU)")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="alternations of the two timeouts")
    parser.add_argument("--epochs", type=int, default=9, help="epochs per process (the first is left out)")
    args = parser.parse_args()
    print(f"{blas_kernel()}; {load()} at start")
    for _ in range(args.repeat):
        for timeout in ("28", OPENBLAS_THREAD_TIMEOUT):
            env = {**os.environ, "OPENBLAS_THREAD_TIMEOUT": timeout}
            done = subprocess.run([sys.executable, "-c", _EPOCHS, str(args.epochs)], env=env, capture_output=True,
                                  text=True, check=True)
            print(f"  timeout 2^{timeout}: {done.stdout.strip()}   ({load()})", flush=True)


if __name__ == "__main__":
    main()
