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
    (["hand-backprop", "--batch", "2"], "--batch 2: hand-backprop holds 1 sample"),
    # issue 19: a seed below 0 (was numpy's traceback), -1e-6 as a value (was "expected one argument"),
    # a step that is 0 as a float (was NaN), and one no exact mode can afford
    (["hand-backprop", "--seed", "-1"], "--seed -1: give a whole number ≥ 0"),
    (["hand-backprop", "--h", "-1e-6"], "--h -1e-6: the step h must be a number > 0"),
    (["hand-backprop", "--h", "1e-400"], "--h 1e-400: in float64 the step must lie between 1e-300 and 1e300"),
    (["hand-backprop", "--exact", "--h", "1e-99999999"], "give a step between 1e-1000 and 1e1000"),
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


def test_a_saturated_network_is_cannot_tell_in_float64_not_disagree(tmp_path: Path, capsys):
    """The hand example switched to squared error with a sigmoid output: gradients of ~1e-21 against a
    difference whose rounding is ~1e-10. Exact mode shows dozens of agreeing digits, so float64 must not say
    DISAGREE."""
    from backprop_tutor.spec import builtin_examples

    text = builtin_examples()["hand-backprop"].read_text()
    spec = tmp_path / "sq.toml"
    spec.write_text(text.replace('loss = "cross-entropy"', 'loss = "squared-error"')
                    .replace('activation = "softmax"', 'activation = "sigmoid"'))
    code, out = run(capsys, spec, "--exact")
    assert code == 0 and int(re.search(r"fewest agreeing digits: (\d+)", out).group(1)) > 30
    code, out = run(capsys, spec)
    assert code == 0, out
    assert "DISAGREE" not in out and "0 disagree" in out
    assert re.search(r"\d+ cannot tell in float64", out) and "use --exact" in out


def _spec(tmp_path: Path, text: str) -> Path:
    from backprop_tutor.spec import builtin_examples

    spec = tmp_path / "net.toml"
    spec.write_text(text if "[[layer]]" in text else builtin_examples()["hand-backprop"].read_text().replace(
        "W = [[1, -2, 1],", text))
    return spec


def _wide(tmp_path: Path, inputs: int, units: list[int], precision: str = "float64") -> Path:
    layers = "".join(f'[[layer]]\nunits = {n}\nactivation = "{"softmax" if k == len(units) - 1 else "tanh"}"\n'
                     for k, n in enumerate(units))
    x, y = ", ".join(["0.5"] * inputs), ", ".join(["0"] * (units[-1] - 1))
    return _spec(tmp_path, f'loss = "cross-entropy"\nlearning_rate = 0.1\nprecision = "{precision}"\n'
                           f'[data]\nx = [{x}]\ny = [{y}, 1]\n'
                           f'[init]\nscheme = "normal"\nsigma = 0.01\nseed = 1\n{layers}')


def test_an_overflowing_spec_is_named_as_tutor_example_names_it(tmp_path: Path, capsys):
    spec = _spec(tmp_path, "W = [[1e308, -2, 1],")
    code, out = run(capsys, spec)
    assert code == 2 and "the forward step of layer 2 overflowed: s(2) is infinite" in out
    assert "RuntimeWarning" not in out and "nan" not in out


def test_gradcheck_checks_memory_like_every_command(tmp_path: Path, capsys):
    code, out = run(capsys, _wide(tmp_path, 3, [1_000_000_000, 3]))
    assert code == 2 and "needs ~" in out and "of memory" in out


def test_differences_beyond_the_time_limit_are_refused_with_a_sample_size(tmp_path: Path, capsys,
                                                                          monkeypatch: pytest.MonkeyPatch):
    from backprop_tutor.cli import gradcheck

    monkeypatch.setattr(gradcheck, "GRADCHECK_LIMIT_SECONDS", 1e-3)  # the estimate, not minutes of waiting
    code, out = run(capsys, _wide(tmp_path, 30, [40, 3]), "--sample-params", "1000")
    assert code == 2 and "checking 1,000 parameters takes 2,000 forward passes, about" in out
    assert re.search(r"e\.g\. --sample-params [\d,]+ \(about a minute\)", out)


def test_exact_work_is_bounded_before_it_starts(tmp_path: Path, capsys):
    code, out = run(capsys, _wide(tmp_path, 50, [2000, 2000, 3]), "--exact")
    assert code == 2 and "in exact mode would take about" in out and "exact mode's limit is 60 s" in out


def test_a_run_whose_parameters_hold_nan_is_refused(tmp_path: Path, capsys):
    import h5py
    import numpy as np

    data = tmp_path / "d.npz"
    rng = np.random.default_rng(0)
    np.savez(data, x_train=rng.integers(0, 256, (60, 784), dtype=np.uint8), y_train=rng.integers(0, 10, 60),
             x_test=rng.integers(0, 256, (10, 784), dtype=np.uint8), y_test=rng.integers(0, 10, 10))
    run_folder = tmp_path / "run"
    assert main(["train", "--data", str(data), "--hidden", "4", "--epochs", "1", "--validation", "10",
                 "--batch-size", "10", "--quiet", "--out", str(run_folder)]) == 0
    with h5py.File(run_folder / "params.h5", "a") as f:
        W = f["W2"][()]
        W[0, 0] = np.nan
        f["W2"][...] = W
    capsys.readouterr()
    code, out = run(capsys, run_folder, "--sample-params", "5")
    assert code == 2 and "W(2) holds NaN" in out and "worst relative error" not in out


def test_digits_full_shows_every_digit_of_float64(capsys, monkeypatch):
    # issue 18: --digits full printed 10 digits in float64; full is the shortest decimal that reads back as the
    # same float (up to 17 digits), as everywhere else
    from backprop_tutor.spec import load_spec, resolve_example, run_spec
    from backprop_tutor.trace.events import Gradient

    monkeypatch.setenv("COLUMNS", "200")
    trace = run_spec(load_spec(resolve_example("hand-backprop")), "float64")
    g = float(trace[trace.find(Gradient, 1)].dW[0, 0])
    code, out = run(capsys, "hand-backprop", "--digits", "full")
    shown = re.search(r"W\(1\)\[1,1\] │\s+(\S+)", out).group(1)
    assert code == 0 and float(shown) == g and shown == repr(g)
    assert len(shown.replace(".", "").lstrip("0")) > 10
    code, out = run(capsys, "hand-backprop")
    assert re.search(r"W\(1\)\[1,1\] │\s+(\S+)", out).group(1) == f"{g:.10g}"  # the default: 10 digits
