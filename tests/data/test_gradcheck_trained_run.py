"""`tutor gradcheck RUN_FOLDER` on a network trained on the real Fashion-MNIST (issue 10): backprop and
finite differences agree on a sample of its parameters."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from shared_data import unpacked_shared_data

from backprop_tutor.cli import main


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_a_trained_fashion_mnist_run_passes_the_gradient_check(fashion_dir: Path, tmp_path: Path, capsys,
                                                                activation: str):
    run = tmp_path / "run"
    fashion = unpacked_shared_data() / fashion_dir.name  # the same images, un-gzipped once
    assert main(["train", "--data", str(fashion), "--subset", "1200", "--validation", "200", "--hidden", "24,12",
                 "--activation", activation, "--batch-size", "100", "--epochs", "2", "--lr", "0.05",
                 "--decay-at", "none", "--quiet", "--out", str(run)]) == 0
    capsys.readouterr()
    code = main(["gradcheck", str(run), "--batch", "4", "--sample-params", "60", "--seed", "1"])
    out = capsys.readouterr().out.replace("\n", " ")
    assert code == 0, out
    assert f"run {run} (784-24-12-10, trained on {fashion}; its first 4 images)" in out
    assert re.search(r"60 parameters \(a random sample of 60 of the 19,\d+ of the network, seed 1\)", out)
    agree, disagree, kinks = map(int, re.search(r"(\d+) agree, (\d+) disagree, (\d+) at a ReLU kink", out).groups())
    assert disagree == 0 and agree + kinks == 60 and agree >= 50
    assert float(re.search(r"worst relative error away from kinks: (\S+)", out).group(1)) < 1e-6
    assert "120 forward passes (2 per parameter)" in out
