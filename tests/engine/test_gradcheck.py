"""Gradient checking (issue 10): backprop against central differences, on the built-in examples and on
random networks for every activation/loss pair, in float64 and in exact mode; ReLU kinks flagged."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from backprop_tutor.engine.activations import ACTIVATIONS, Activation, tanh
from backprop_tutor.engine.gradcheck import all_parameters, check_gradients, sample_parameters
from backprop_tutor.engine.network import mlp
from backprop_tutor.engine.precision import ops_for
from backprop_tutor.spec import build_network, load_spec, resolve_example, spec_data

HIDDEN = ["relu", "tanh", "sigmoid", "identity"]
OUTPUTS = [("softmax", "cross-entropy"), ("sigmoid", "squared-error"), ("identity", "squared-error"),
           ("tanh", "squared-error"), ("relu", "squared-error")]


def check_spec(name: str, precision: str, **kw):
    spec = load_spec(resolve_example(name))
    network = build_network(spec, precision)
    x, y = spec_data(spec, precision)
    return check_gradients(network, x, y, all_parameters(network), l2=float(spec.l2), **kw)


@pytest.mark.parametrize("name", ["hand-backprop", "mazur-sigmoid"])
def test_builtin_examples_agree_in_float64_and_to_dozens_of_digits_exactly(name: str):
    floats = check_spec(name, "float64")
    assert floats.passed and not floats.kinks and floats.worst.error < 1e-6
    exact = check_spec(name, "exact")
    assert exact.passed and exact.fewest_digits > 30, [(c.parameter.label, c.agreeing_digits)
                                                        for c in exact.comparisons]


def random_problem(hidden: str, output: str, loss: str, precision: str, seed: int):
    """A 3-4-3-3 network with random weights and biases, 2 samples, a target that fits the loss."""
    rng = np.random.default_rng(seed)
    net = mlp([3, 4, 3, 3], [hidden, hidden, output], loss, precision, init="normal", seed=seed, sigma=0.8)
    for layer in net.layers:
        layer.b[...] = net.ops.asarray(rng.normal(0, 0.5, layer.b.shape))
    x = net.ops.asarray(rng.normal(0, 1, (2, 3)))
    y = np.zeros((2, 3)) if loss == "cross-entropy" else rng.uniform(0, 1, (2, 3))
    if loss == "cross-entropy":
        y[[0, 1], rng.integers(0, 3, 2)] = 1
    return net, x, net.ops.asarray(y)


@pytest.mark.parametrize(("output", "loss"), OUTPUTS)
@pytest.mark.parametrize("hidden", HIDDEN)
def test_random_networks_agree_for_every_activation_and_loss(hidden: str, output: str, loss: str):
    net, x, y = random_problem(hidden, output, loss, "float64", seed=len(hidden) + len(output))
    floats = check_gradients(net, x, y, all_parameters(net), l2=0.01)
    assert floats.passed and floats.worst.error < 1e-6
    assert len(floats.agreements) + len(floats.kinks) == len(floats.comparisons)
    net, x, y = random_problem(hidden, output, loss, "exact", seed=len(hidden) + len(output))
    exact = check_gradients(net, x, y, sample_parameters(net, 8, seed=1), l2=0.01)
    assert exact.passed and exact.fewest_digits > 30


def test_a_relu_unit_within_h_of_its_kink_is_flagged_not_failed(tmp_path: Path):
    # s(1)₂ = 3·1 + 4·(−1) − 2·1 + b = 1e-7 with b = 3.0000001: perturbing its inputs by h = 1e-6 crosses 0
    hand = resolve_example("hand-backprop").read_text().replace("b = [1, -2]", "b = [1, 3.0000001]")
    (tmp_path / "kink.toml").write_text(hand)
    spec = load_spec(tmp_path / "kink.toml")
    net = build_network(spec, "float64")
    x, y = spec_data(spec, "float64")
    check = check_gradients(net, x, y, all_parameters(net))
    kinks = {c.parameter.label for c in check.kinks}
    assert kinks == {"W(1)[2,1]", "W(1)[2,2]", "W(1)[2,3]", "b(1)[2]"}
    assert check.passed and all(c.verdict == "kink" for c in check.kinks)


def test_a_wrong_derivative_is_caught(monkeypatch: pytest.MonkeyPatch):
    def twice_tanh_prime(s, a, out, ops, at_zero=0.0):
        np.multiply(a, a, out=out)
        np.subtract(ops.one, out, out=out)
        return np.multiply(out, 2, out=out)  # h'(s) = 2(1 − a²): wrong

    monkeypatch.setitem(ACTIVATIONS, "tanh", Activation("tanh", tanh, twice_tanh_prime))
    net, x, y = random_problem("tanh", "softmax", "cross-entropy", "float64", seed=3)
    check = check_gradients(net, x, y, all_parameters(net))
    assert not check.passed
    assert {c.parameter.layer for c in check.disagreements} == {1, 2}  # layer 3's gradient needs no h'


def test_sampling_is_seeded_and_covers_every_layer():
    net = mlp([784, 30, 10], ["tanh", "softmax"], "cross-entropy", "float64")
    first, again = sample_parameters(net, 40, seed=5), sample_parameters(net, 40, seed=5)
    assert first == again and len(set(first)) == 40
    assert sample_parameters(net, 10**6) == all_parameters(net)
    assert {p.layer for p in sample_parameters(net, 400, seed=1)} == {1, 2}


def test_h_must_be_positive_and_the_network_is_left_as_it_was():
    net, x, y = random_problem("tanh", "softmax", "cross-entropy", "float64", seed=0)
    before = [layer.W.copy() for layer in net.layers]
    with pytest.raises(ValueError, match="must be > 0"):
        check_gradients(net, x, y, all_parameters(net), h=0)
    check_gradients(net, x, y, all_parameters(net))
    assert all(np.array_equal(a, layer.W) for a, layer in zip(before, net.layers, strict=True))
    assert ops_for("float64").name == "float64"


@pytest.mark.parametrize("precision", ["float64", "exact"])
def test_a_relu_exactly_at_its_kink_flags_only_the_parameters_that_move_it(tmp_path: Path, precision: str):
    # s(1)₂ = 0.1·1 + 0.2·(−1) + 0.3·1 − 0.2 = 0 exactly; in float64 a rounding error away, in exact mode an
    # interval around 0 whose sign is unknown. Only W(1)'s second row and b(1)₂ move it.
    hand = (resolve_example("hand-backprop").read_text()
            .replace("[3, 4, -2]]", "[0.1, 0.2, 0.3]]").replace("b = [1, -2]", "b = [1, -0.2]"))
    (tmp_path / "zero.toml").write_text(hand)
    spec = load_spec(tmp_path / "zero.toml")
    net = build_network(spec, precision)
    x, y = spec_data(spec, precision)
    check = check_gradients(net, x, y, all_parameters(net))
    assert {c.parameter.label for c in check.kinks} == {"W(1)[2,1]", "W(1)[2,2]", "W(1)[2,3]", "b(1)[2]"}
    assert check.passed and len(check.agreements) == 19
