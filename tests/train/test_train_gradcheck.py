"""`tutor train --gradcheck` (issue 10): backprop against finite differences on the first minibatch before
training; a wrong derivative stops the run before anything is written."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from backprop_tutor.cli import main
from backprop_tutor.engine.activations import ACTIVATIONS, Activation, tanh

ARGS = ["--hidden", "16", "--batch-size", "50", "--validation", "100", "--epochs", "1", "--lr", "0.1",
        "--activation", "tanh", "--quiet"]


def test_the_check_runs_before_training_and_passes(tiny_npz: Path, tmp_path: Path, capsys):
    assert main(["train", "--data", str(tiny_npz), *ARGS, "--gradcheck", "--out", str(tmp_path / "run")]) == 0
    out = capsys.readouterr().out.replace("\n", " ")
    assert ("gradient check: 30 parameters (a random sample of 30 of the 12,730 of the network, seed 0): "
            "30 agree, 0 disagree") in out
    assert out.index("gradient check") < out.index("done: training accuracy")


def test_a_wrong_derivative_stops_the_run_before_it_starts(tiny_npz: Path, tmp_path: Path, capsys,
                                                             monkeypatch: pytest.MonkeyPatch):
    def wrong_tanh_prime(s, a, out, ops, at_zero=0.0):
        return np.subtract(ops.one, a, out=out)  # 1 − a instead of 1 − a²

    monkeypatch.setitem(ACTIVATIONS, "tanh", Activation("tanh", tanh, wrong_tanh_prime))
    run = tmp_path / "run"
    assert main(["train", "--data", str(tiny_npz), *ARGS, "--gradcheck", "--out", str(run)]) == 2
    err = capsys.readouterr().err.replace("\n", " ")
    assert "gradient check before training failed" in err and "parameters disagree" in err
    assert "Nothing was trained" in err and not (run / "config.json").exists()
