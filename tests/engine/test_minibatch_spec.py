"""A spec with several samples runs one minibatch step: gradients averaged, every sample traced."""

from __future__ import annotations

import numpy as np

from backprop_tutor.cli import main
from backprop_tutor.spec import parse_spec, run_spec
from backprop_tutor.trace.events import Forward, Gradient

SPEC = {
    "loss": "cross-entropy", "learning_rate": 0.5, "precision": "float64",
    "data": {"x": [[1, -1, 1], [0.5, 2, -1]], "y": [[0, 0, 1], [1, 0, 0]]},
    "layer": [
        {"activation": "relu", "W": [[1, -2, 1], [3, 4, -2]], "b": [1, -2]},
        {"activation": "softmax", "W": [[2, 2], [3, -3], [2, 1]], "b": [0, -4, -2]},
    ],
}


def test_two_samples_are_traced_and_the_gradient_is_their_mean():
    both = run_spec(parse_spec(SPEC))
    assert both.header.batch_size == 2
    assert next(e for e in both if isinstance(e, Forward)).s.shape == (2, 2)
    singles = []
    for i in range(2):
        one = {**SPEC, "data": {"x": [SPEC["data"]["x"][i]], "y": [SPEC["data"]["y"][i]]}}
        singles.append({e.layer: e.dW for e in run_spec(parse_spec(one)) if isinstance(e, Gradient)})
    for e in both:
        if isinstance(e, Gradient):
            np.testing.assert_allclose(e.dW, (singles[0][e.layer] + singles[1][e.layer]) / 2, atol=1e-15)


def test_the_cli_shows_the_sample_asked_for(tmp_path, capsys):
    path = tmp_path / "batch.toml"
    path.write_text("""
loss = "cross-entropy"
learning_rate = 0.5
[data]
x = [[1, -1, 1], [0.5, 2, -1]]
y = [[0, 0, 1], [1, 0, 0]]
[[layer]]
activation = "relu"
W = [[1, -2, 1], [3, 4, -2]]
b = [1, -2]
[[layer]]
activation = "softmax"
W = [[2, 2], [3, -3], [2, 1]]
b = [0, -4, -2]
""")
    assert main(["example", str(path), "--print", "--sample", "1"]) == 0
    out = capsys.readouterr().out
    assert "sample 1 (of 2, numbered from 0)" in out.replace("\n", " ")
    assert "[-3.5, 9.5]" in out  # s(1) of the second sample: W(1)·[0.5, 2, -1] + b(1)
