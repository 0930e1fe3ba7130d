"""A one-epoch run and a gradient check of its first image say "1 epoch" and "1 image" (issue 18)."""

from __future__ import annotations

from pathlib import Path

import pytest


def test_a_one_epoch_run_and_a_one_image_gradcheck_say_so(tiny_npz: Path, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture) -> None:
    from backprop_tutor.cli import main

    assert main(["train", "--data", str(tiny_npz), "--hidden", "8", "--batch-size", "50", "--validation", "100",
                 "--epochs", "1", "--out", str(tmp_path / "run")]) == 0
    assert main(["gradcheck", str(tmp_path / "run"), "--batch", "1", "--sample-params", "5"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "1 epoch," in out and "1 epochs" not in out
    assert "its first 1 image)" in out and "1 images" not in out
