"""The per-epoch figures: loss and accuracy by forward passes, on one thread or several, the same numbers."""

from __future__ import annotations

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from backprop_tutor.engine.network import mlp
from backprop_tutor.train.metrics import Evaluator, evaluate


def images(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.random((n, 784), dtype=np.float32), np.eye(10, dtype=np.float32)[rng.integers(0, 10, n)]


@pytest.fixture(scope="module")
def net():
    return mlp([784, 30, 20, 10], ["tanh", "relu", "softmax"], "cross-entropy", "float32", seed=2)


@pytest.mark.parametrize(("n", "threads", "chunk"), [(2350, 2, 500), (2350, 3, 1000), (700, 2, 1000), (0, 2, 100)])
def test_threads_give_the_figures_of_one_thread_bit_for_bit(net, n: int, threads: int, chunk: int) -> None:
    x, y = images(n)
    with threadpool_limits(limits=1, user_api="blas"):
        one = evaluate(net, x, y, chunk)
    with threadpool_limits(limits=2, user_api="blas"):
        several = Evaluator(net, threads, chunk)(x, y)
    assert several == one or (n == 0 and np.isnan(several).all() and np.isnan(one).all())
    if n:
        assert 0.0 <= several[1] <= 1.0 and several[0] > 0


def test_validation_rows_at_the_end_of_the_training_rows_are_measured_once_with_the_same_figures(net) -> None:
    x, y = images(3000, seed=1)
    evaluator = Evaluator(net, 2, chunk=500)
    with threadpool_limits(limits=1, user_api="blas"):
        expected = evaluate(net, x, y, 500), evaluate(net, x[2000:], y[2000:], 500)
        separate = evaluate(net, x[:2000], y[:2000], 500), evaluate(net, x[2000:], y[2000:], 500)
        unaligned = evaluate(net, x[2100:], y[2100:], 500)
    # a final run: the validation images are the training images' last 1000 rows (views): one pass
    assert evaluator.training_and_validation(x, y, x[2000:], y[2000:]) == expected
    # the usual split, and validation images elsewhere in memory: two passes, the same figures
    assert evaluator.training_and_validation(x[:2000], y[:2000], x[2000:], y[2000:]) == separate
    assert evaluator.training_and_validation(x, y, x[2000:].copy(), y[2000:].copy()) == expected
    # chunks that do not line up with the validation rows: measured on their own
    assert evaluator.training_and_validation(x, y, x[2100:], y[2100:]) == (expected[0], unaligned)


def test_labels_measured_again_are_those_labels_not_the_ones_measured_before(net) -> None:
    x, y = images(1500, seed=3)
    other = np.ascontiguousarray(y[::-1])  # the same shape, other classes
    evaluator = Evaluator(net, 1, chunk=500)
    with threadpool_limits(limits=1, user_api="blas"):
        first, again = evaluator(x, y), evaluator(x, y)
        assert evaluator(x, other) == evaluate(net, x, other, 500) != first
        assert first == again == evaluate(net, x, y, 500)
