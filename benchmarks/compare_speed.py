"""How long `tutor compare` takes beyond the student's own function, on the homework network.

    PYTHONPATH=. python benchmarks/compare_speed.py [--repeat 11]

784-100-50-25-10 (tanh, softmax + cross-entropy), B = 500: the first 500 Fashion-MNIST training images from
../shared/data when they are there, random images otherwise (the figure does not depend on the pixels).
Two student steps: a right one (written here from the equations, samples as rows), and examples/my_mlp.py
(samples as columns, ReLU, the gradient summed: every ∇W(l) wrong, so the recomputation from the student's
own arrays and the named wrong rules run too). Each comparison is timed whole, the student's function is
timed inside it, and the difference is the comparison's own time (target < 0.5 s): the engine's reference
step with its trace, reading and judging the arrays. Medians of --repeat runs, wall and CPU (process) time;
the machine's load and the BLAS kernel (threadpoolctl) are printed first, since every figure depends on both.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import threadpoolctl
from machine import SHARED_DATA

from backprop_tutor.compare.comparison import compare_step
from backprop_tutor.compare.problem import Problem, random_problem
from backprop_tutor.compare.student import load_function

ROOT = Path(__file__).resolve().parents[1]
SIZES, B = [784, 100, 50, 25, 10], 500


def right_step(W: list[Any], b: list[Any], x: Any, y: Any, eta: float) -> dict[str, Any]:
    """A right tanh/softmax step, rows as samples, independent of the engine."""
    L = len(W)
    a, s = [x], []
    for l in range(L):
        s.append(a[-1] @ W[l].T + b[l])
        if l < L - 1:
            a.append(np.tanh(s[-1]))
        else:
            e = np.exp(s[-1] - s[-1].max(axis=1, keepdims=True))
            a.append(e / e.sum(axis=1, keepdims=True))
    delta = [None] * L
    delta[L - 1] = a[L] - y
    for l in range(L - 2, -1, -1):
        delta[l] = (delta[l + 1] @ W[l + 1]) * (1 - a[l + 1] ** 2)
    gW = [delta[l].T @ a[l] / x.shape[0] for l in range(L)]
    gb = [delta[l].mean(axis=0) for l in range(L)]
    return {"s": s, "a": a[1:], "delta": delta, "grad_W": gW, "grad_b": gb,
            "W": [W[l] - eta * gW[l] for l in range(L)], "b": [b[l] - eta * gb[l] for l in range(L)]}


def problem(activation: str) -> tuple[Problem, str]:
    folder = SHARED_DATA / "fashion-mnist"
    if (folder / "train-images-idx3-ubyte.gz").is_file():
        from backprop_tutor.data import load_dataset

        data = load_dataset(str(folder))
        x, y = np.asarray(data.x_train[:B], np.float64), np.asarray(data.y_train[:B], np.float64)
        return random_problem(SIZES, activation, x=x, y=y, seed=1), f"the first {B} Fashion-MNIST images"
    return random_problem(SIZES, activation, batch=B, seed=1), f"{B} random images (no shared data found)"


def timed(function: Callable[..., Any], p: Problem, repeat: int) -> dict[str, float]:
    """Median seconds: the whole comparison, the student's function, and the comparison beyond it (wall, CPU)."""
    inside: list[tuple[float, float]] = []

    def student(*args: Any) -> Any:
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return function(*args)
        finally:
            inside.append((time.perf_counter() - wall, time.process_time() - cpu))

    rows = []
    for n in range(repeat + 1):
        inside.clear()
        wall, cpu = time.perf_counter(), time.process_time()
        result = compare_step(student, p)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        if n:  # the first run warms the caches and is not counted
            rows.append((wall, cpu, inside[0][0], inside[0][1], result.passed))
    med = {k: statistics.median(r[i] for r in rows) for i, k in enumerate(("wall", "cpu", "student", "student_cpu"))}
    med["beyond"] = statistics.median(r[0] - r[2] for r in rows)
    med["beyond_cpu"] = statistics.median(r[1] - r[3] for r in rows)
    med["passed"] = rows[0][4]
    return med


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=11)
    args = parser.parse_args()
    blas = [f"{p.get('internal_api')} {p.get('version')}, kernel {p.get('architecture')}, {p.get('num_threads')} "
            f"threads" for p in threadpoolctl.threadpool_info()]
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; BLAS: {'; '.join(blas) or 'unknown'}")
    buggy = load_function(f"{ROOT / 'examples' / 'my_mlp.py'}:my_step")
    for name, function, activation in (("right step (all ✓)", right_step, "tanh"),
                                       ("examples/my_mlp.py (∇W summed)", buggy, "relu")):
        p, where = problem(activation)
        p = dataclasses.replace(p, eta=0.1)
        m = timed(function, p, args.repeat)
        print(f"{name}, 784-100-50-25-10 {activation}, B = {B}, {where}: passed = {m['passed']}")
        print(f"  whole comparison {m['wall'] * 1e3:.0f} ms (CPU {m['cpu'] * 1e3:.0f} ms); the student's function "
              f"{m['student'] * 1e3:.0f} ms; beyond it {m['beyond'] * 1e3:.0f} ms (CPU {m['beyond_cpu'] * 1e3:.0f} ms)"
              f"; target < 500 ms")


if __name__ == "__main__":
    main()
