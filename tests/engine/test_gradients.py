"""Backprop's gradients against finite differences, on random small networks, for every
activation/loss pairing; and the output layer's long way round (δ = A ∇a C) against a − y."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from backprop_tutor.engine.network import mlp
from backprop_tutor.trace.events import OutputDelta, TraceHeader
from backprop_tutor.trace.recorder import Recorder

HIDDEN = ["relu", "tanh", "sigmoid", "identity"]
PAIRINGS = [("cross-entropy", "softmax"), ("squared-error", "sigmoid"), ("squared-error", "identity")]


def _batch(rng, sizes, loss_name, B=4):
    x = rng.normal(size=(B, sizes[0]))
    if loss_name == "cross-entropy":
        y = np.eye(sizes[-1])[rng.integers(0, sizes[-1], B)]
    else:
        y = rng.uniform(0, 1, size=(B, sizes[-1]))
    return x, y


def _mean_cost(net, x, y):
    net.forward(x)
    return float(np.mean(net.cost(y)))


@pytest.mark.parametrize(("hidden", "pairing"), list(itertools.product(HIDDEN, PAIRINGS)))
def test_backprop_gradients_match_central_differences(hidden, pairing):
    loss_name, output = pairing
    rng = np.random.default_rng(hash((hidden, output)) % 2**32)
    sizes = [3, 4, 3, 2] if loss_name == "squared-error" else [3, 4, 3, 3]
    net = mlp(sizes, [hidden, hidden, output], loss_name, "float64", init="normal", seed=7, sigma=0.8)
    for layer in net.layers:
        layer.b[...] = rng.normal(size=layer.b.shape)  # biases too: they must be checked as well
    x, y = _batch(rng, sizes, loss_name)
    if hidden == "relu":  # keep clear of the kink at 0, where a difference quotient is meaningless
        x += np.sign(x) * 0.1
    net.forward(x)
    net.backward(y)
    ws = net._workspace(x.shape[0])
    h = 1e-6
    for l, layer in enumerate(net.layers, start=1):
        for param, grad in ((layer.W, ws.dW[l].copy()), (layer.b, ws.db[l].copy())):
            numeric = np.zeros_like(param)
            for idx in np.ndindex(param.shape):
                keep = param[idx]
                param[idx] = keep + h
                up = _mean_cost(net, x, y)
                param[idx] = keep - h
                down = _mean_cost(net, x, y)
                param[idx] = keep
                numeric[idx] = (up - down) / (2 * h)
            np.testing.assert_allclose(grad, numeric, rtol=1e-5, atol=1e-7, err_msg=f"layer {l}")


@pytest.mark.parametrize("pairing", PAIRINGS)
def test_output_delta_the_long_way_equals_the_short_way(pairing):
    loss_name, output = pairing
    rng = np.random.default_rng(3)
    sizes = [3, 5, 4]
    net = mlp(sizes, ["tanh", output], loss_name, "float64", seed=1)
    x, y = _batch(rng, sizes, loss_name, B=6)
    recorder = Recorder(TraceHeader(sizes, ["tanh", output], loss_name, "float64", 0.1, 6))
    net.train_step(x, y, 0.1, recorder)
    out = next(e for e in recorder.trace if isinstance(e, OutputDelta))
    np.testing.assert_allclose(out.jacobian_times_grad_a, out.delta, atol=1e-12)
    if loss_name == "cross-entropy":
        output_a = recorder.trace[2].a  # a(2), as recorded in the forward pass
        np.testing.assert_allclose(out.delta, output_a - y, atol=1e-15)
        # A = diag(a) − a aᵀ is symmetric and its rows sum to 0 (softmax outputs sum to 1)
        np.testing.assert_allclose(out.jacobian, np.swapaxes(out.jacobian, 1, 2), atol=1e-15)
        np.testing.assert_allclose(out.jacobian.sum(axis=2), 0, atol=1e-15)


def test_minibatch_gradient_is_the_mean_of_per_sample_gradients():
    sizes = [4, 3, 3]
    rng = np.random.default_rng(0)
    x, y = _batch(rng, sizes, "cross-entropy", B=5)
    net = mlp(sizes, ["relu", "softmax"], "cross-entropy", "float64", seed=2)
    net.forward(x)
    net.backward(y)
    batch_dW = net._workspace(5).dW[1].copy()
    per_sample = []
    for i in range(5):
        net.forward(x[i:i + 1])
        net.backward(y[i:i + 1])
        per_sample.append(net._workspace(1).dW[1].copy())
    np.testing.assert_allclose(batch_dW, np.mean(per_sample, axis=0), atol=1e-14)


def test_l2_adds_lambda_w_and_momentum_accumulates_velocity():
    sizes = [3, 2, 2]
    rng = np.random.default_rng(1)
    x, y = _batch(rng, sizes, "cross-entropy", B=2)
    plain = mlp(sizes, ["tanh", "softmax"], "cross-entropy", "float64", seed=3)
    reg = mlp(sizes, ["tanh", "softmax"], "cross-entropy", "float64", seed=3)
    plain.forward(x)
    plain.backward(y)
    reg.forward(x)
    reg.backward(y, l2=0.1)
    for l in (1, 2):
        np.testing.assert_allclose(reg._workspace(2).dW[l], plain._workspace(2).dW[l] + 0.1 * reg.layers[l - 1].W)
        np.testing.assert_array_equal(reg._workspace(2).db[l], plain._workspace(2).db[l])  # no L2 on biases
    # momentum: two steps with μ = 0.9 move W by −η∇₁ then −η(0.9∇₁ + ∇₂)
    net = mlp(sizes, ["tanh", "softmax"], "cross-entropy", "float64", seed=4)
    W0 = net.layers[0].W.copy()
    net.forward(x)
    net.backward(y)
    g1 = net._workspace(2).dW[1].copy()
    net.update(0.5, 2, momentum=0.9)
    net.forward(x)
    net.backward(y)
    g2 = net._workspace(2).dW[1].copy()
    net.update(0.5, 2, momentum=0.9)
    np.testing.assert_allclose(net.layers[0].W, W0 - 0.5 * g1 - 0.5 * (0.9 * g1 + g2), atol=1e-14)


def test_relu_derivative_at_zero_is_settable():
    net = mlp([1, 2, 2], ["relu", "softmax"], "cross-entropy", "float64", seed=0, relu_prime_at_zero=0.5)
    net.layers[0].W[...] = [[1.0], [-1.0]]
    net.layers[0].b[...] = [0.0, 1.0]
    net.forward(np.array([[0.0]]))
    np.testing.assert_array_equal(net._workspace(1).a_prime[1], [[0.5, 1.0]])


def test_no_recorder_means_no_copies_of_the_work_arrays():
    net = mlp([4, 3, 2], ["tanh", "softmax"], "cross-entropy", "float32", seed=0)
    x = np.ones((8, 4), dtype=np.float32)
    y = np.eye(2, dtype=np.float32)[[0, 1] * 4]
    net.train_step(x, y, 0.1)
    ws = net._workspace(8)
    arrays_before = [id(a) for a in (*ws.s, *ws.a, *ws.delta, *ws.dW)]
    net.train_step(x, y, 0.1)
    assert [id(a) for a in (*ws.s, *ws.a, *ws.delta, *ws.dW)] == arrays_before
    assert all(a.dtype == np.float32 for a in (*ws.s, *ws.a, *ws.delta, *ws.dW, net.layers[0].W))
