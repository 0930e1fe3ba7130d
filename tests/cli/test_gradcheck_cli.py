"""`tutor gradcheck` as a user runs it: the table, the summary, the passes and times; bad input → exit 2."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from backprop_tutor.cli import main


def run(capsys: pytest.CaptureFixture, *args: object) -> tuple[int, str]:
    code = main(["gradcheck", *map(str, args)])
    captured = capsys.readouterr()
    return code, (captured.out + captured.err).replace("\n", " ")


def test_hand_example_in_float64(capsys):
    code, out = run(capsys, "hand-backprop")
    assert code == 0
    assert "h = 1e-6" in out and "W(1)[1,1]" in out and "b(3)[3]" in out
    assert "23 parameters: 23 agree, 0 disagree, 0 at a ReLU kink" in out
    worst = float(re.search(r"worst relative error away from kinks: (\S+)", out).group(1))
    assert worst < 1e-6
    assert re.search(r"1 forward \+ 1 backward pass gave all 23 gradients in [\d.]+ ms", out)
    assert re.search(r"46 forward passes \(2 per parameter\) for 23 of them in [\d.]+ ms", out)


def test_exact_mode_shows_dozens_of_agreeing_digits(capsys):
    code, out = run(capsys, "mazur-sigmoid", "--exact")
    assert code == 0 and "exact" in out and "h = 1e-25" in out
    assert int(re.search(r"fewest agreeing digits: (\d+)", out).group(1)) > 30
    assert "12 parameters: 12 agree" in out


def test_a_spec_file_with_a_kink_and_a_chosen_h(tmp_path: Path, capsys):
    spec = tmp_path / "kink.toml"
    spec.write_text((Path(__file__).resolve().parents[2] / "examples" / "hand_backprop.toml").read_text()
                    .replace("b = [1, -2]", "b = [1, 3.0000001]"))
    code, out = run(capsys, spec, "--h", "1e-6", "--sample-params", "30", "--seed", "4")
    assert code == 0
    assert "19 agree, 0 disagree, 4 at a ReLU kink (not a failure)" in out
    assert out.count("kink") >= 5


@pytest.mark.parametrize(("args", "message"), [
    (["no/such.toml"], "neither a built-in example"),
    (["hand-backprop", "--h", "0"], "the step h must be a number > 0"),
    (["hand-backprop", "--h=-1e-6"], "the step h must be a number > 0"),
    (["hand-backprop", "--h", "tiny"], "not a number"),
    (["hand-backprop", "--sample-params", "0"], "--sample-params 0: give a whole number ≥ 1"),
    (["hand-backprop", "--sample-params", "-3"], "give a whole number ≥ 1"),
    (["hand-backprop", "--batch", "2"], "--batch 2: hand-backprop holds 1 sample(s)"),
])
def test_bad_input_is_one_message_and_exit_2(capsys, args, message):
    code, out = run(capsys, *args)
    assert code == 2 and message in out and "Traceback" not in out


def test_a_folder_that_is_not_a_run_or_cannot_be_read(tmp_path: Path, capsys):
    code, out = run(capsys, tmp_path)
    assert code == 2 and "not a run folder" in out and "config.json" in out
    (tmp_path / "config.json").write_text("{not json")
    (tmp_path / "params.h5").write_bytes(b"not hdf5")
    code, out = run(capsys, tmp_path)
    assert code == 2 and "damaged run config" in out
    (tmp_path / "config.json").write_text(json.dumps({"activations": ["tanh", "softmax"], "loss": "cross-entropy",
                                                      "config": {"data": "nowhere"}}))
    code, out = run(capsys, tmp_path)
    assert code == 2 and "params.h5" in out and "Traceback" not in out
