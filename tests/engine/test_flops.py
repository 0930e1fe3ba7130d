"""engine.flops counts the products the engine actually does (counted here by wrapping its matmul)."""

from __future__ import annotations

import dataclasses

import numpy as np

from backprop_tutor.engine.flops import epoch_flops, forward_flops, step_flops
from backprop_tutor.engine.network import Network, mlp


def _counting(net: Network) -> list[int]:
    """Make ``net`` count 2 × m × k × n for every product (m × k) @ (k × n) it computes."""
    counted: list[int] = []

    def matmul(a: np.ndarray, b: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        counted.append(2 * a.shape[0] * a.shape[1] * b.shape[1])
        return np.matmul(a, b, out=out)

    net.ops = dataclasses.replace(net.ops, matmul=matmul)
    return counted


def test_a_step_and_a_forward_pass_count_what_the_engine_multiplies():
    sizes, B = [7, 5, 4, 3], 6
    net = mlp(sizes, ["tanh", "relu", "softmax"], "cross-entropy", "float64", seed=1)
    counted = _counting(net)
    rng = np.random.default_rng(0)
    x, y = rng.random((B, 7)), np.eye(3)[rng.integers(0, 3, B)]
    net.train_step(x, y, 0.1)
    assert sum(counted) == step_flops(sizes, B) == 2 * B * (2 * (35 + 20 + 12) + 20 + 12)
    counted.clear()
    net.forward(x[:4], derivatives=False)
    assert sum(counted) == forward_flops(sizes, 4)


def test_an_epoch_is_its_steps_and_the_measuring_passes():
    sizes = [784, 100, 50, 25, 10]
    assert epoch_flops(sizes, 500, 50_000, 60_000) == 100 * step_flops(sizes, 500) + forward_flops(sizes, 60_000)
    assert round(step_flops(sizes, 500) / 1e6, 1) == 176.3  # the figure benchmarks/train_speed.py prints
