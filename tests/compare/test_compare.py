"""`tutor compare` / `bt.compare`: a reference student step (tests/compare/reference_mlp.py, written without the
engine) agrees everywhere; each planted bug is found at the right array and named."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from backprop_tutor.cli import main
from backprop_tutor.compare.comparison import compare_step
from backprop_tutor.compare.problem import Problem, from_spec, random_problem
from backprop_tutor.compare.report import CARRIED, RIGHT, ROOT, SHAPE
from backprop_tutor.compare.student import load_function

REFERENCE = Path(__file__).with_name("reference_mlp.py")


def planted(tmp_path: Path, *replacements: tuple[str, str], hidden: str = "tanh", output: str = "softmax") -> Path:
    """A copy of the reference step with each (old, new) line replaced (each must occur exactly once)."""
    text = REFERENCE.read_text(encoding="utf-8")
    text = text.replace('HIDDEN = "tanh"', f'HIDDEN = "{hidden}"').replace('OUTPUT = "softmax"', f'OUTPUT = "{output}"')
    for old, new in replacements:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = tmp_path / "my_mlp.py"
    path.write_text(text, encoding="utf-8")
    return path


def problem(hidden: str = "tanh", output: str = "softmax", sizes: tuple[int, ...] = (6, 5, 4, 3)) -> Problem:
    return random_problem(list(sizes), hidden, output=output, batch=7, seed=3)


@pytest.mark.parametrize("hidden", ["tanh", "relu"])
@pytest.mark.parametrize("output", ["softmax", "sigmoid", "identity"])
def test_the_reference_step_agrees_everywhere(tmp_path: Path, hidden: str, output: str) -> None:
    function = load_function(f"{planted(tmp_path, hidden=hidden, output=output)}:step")
    result = compare_step(function, problem(hidden, output))
    assert [r.verdict for r in result.rows] == [RIGHT] * 21 and result.passed
    assert result.first_wrong is None and result.nonfinite is None


def test_the_hand_example_agrees_with_relu(tmp_path: Path) -> None:
    result = compare_step(load_function(f"{planted(tmp_path, hidden='relu')}:step"), from_spec("hand-backprop"))
    assert result.passed


BUGS = {
    "gradient-summed": ([("delta[l].T @ a[l] / B", "delta[l].T @ a[l]")], "∇W(3)"),
    "h-prime-at-a": ([("* h_prime(s[l])", "* h_prime(a[l + 1])")], "δ(2)"),
    "h-prime-left-out": ([("delta[l] = (delta[l + 1] @ W[l + 1]) * h_prime(s[l])",
                           "delta[l] = delta[l + 1] @ W[l + 1]")], "δ(2)"),
    "delta-sign": ([("return a - y  # softmax + cross-entropy", "return y - a")], "δ(3)"),
    "updated-w-used": ([("(delta[l + 1] @ W[l + 1])",
                         "(delta[l + 1] @ (W[l + 1] - eta * delta[l + 1].T @ a[l + 1] / B))")], "δ(2)"),
    "labels-not-one-hot": ([("return a - y  # softmax + cross-entropy", "return a - y.argmax(axis=1)[:, None]")],
                           "δ(3)"),
    "update-sign": ([("W[l] - eta * grad_W[l]", "W[l] + eta * grad_W[l]")], "W(3), updated"),
    "eta-left-out": ([("W[l] - eta * grad_W[l]", "W[l] - grad_W[l]")], "W(3), updated"),
    "bias-left-out": ([("s.append(a[-1] @ W[l].T + b[l])", "s.append(a[-1] @ W[l].T)")], "s(1)"),
    "activation-left-out": ([("return np.tanh(s)", "return s")], "a(1)"),
    "bias-gradient-axis": ([("delta[l].mean(axis=0)", "delta[l].mean(axis=1)"),
                            ("b_new = [b[l] - eta * grad_b[l] for l in range(L)]", "b_new = None"),
                            (', "b": b_new}', "}")], "∇b(3)"),
}


@pytest.mark.parametrize("slip", BUGS)
def test_a_planted_bug_is_named_at_the_first_wrong_array(tmp_path: Path, slip: str) -> None:
    replacements, first = BUGS[slip]
    result = compare_step(load_function(f"{planted(tmp_path, *replacements)}:step"), problem())
    wrong = result.first_wrong
    assert wrong is not None and wrong.label == first and wrong.slip == slip, (wrong, result.rows)
    assert wrong.verdict in (ROOT, SHAPE) and not result.passed
    assert all(r.verdict == RIGHT for r in result.rows[:result.rows.index(wrong)])


def test_summed_gradient_says_the_equivalent_learning_rate(tmp_path: Path) -> None:
    replacements, _ = BUGS["gradient-summed"]
    result = compare_step(load_function(f"{planted(tmp_path, *replacements)}:step"), problem())
    wrong = result.first_wrong
    assert wrong is not None and "B = 7" in (wrong.says or "") and "η = 0.7" in (wrong.says or "")
    # the update follows from the summed gradient: carried, not a second root
    assert next(r for r in result.rows if r.label == "W(3), updated").verdict == CARRIED


def test_after_a_root_the_arrays_that_follow_are_carried(tmp_path: Path) -> None:
    result = compare_step(load_function(f"{planted(tmp_path, *BUGS['delta-sign'][0])}:step"), problem())
    verdicts = {r.label: r.verdict for r in result.rows}
    assert verdicts["δ(3)"] == ROOT and verdicts["δ(2)"] == CARRIED and verdicts["∇W(1)"] == CARRIED
    assert result.equation is not None and "a(3)" in result.equation and "y" in result.equation


def test_w_not_transposed_on_square_weights(tmp_path: Path) -> None:
    path = planted(tmp_path, ("(delta[l + 1] @ W[l + 1])", "(delta[l + 1] @ W[l + 1].T)"))
    result = compare_step(load_function(f"{path}:step"), problem(sizes=(4, 3, 3, 3)))
    assert result.first_wrong is not None and result.first_wrong.label == "δ(2)"
    assert result.first_wrong.slip == "w-not-transposed"


def test_softmax_overflow_is_named_with_the_input_that_overflowed(tmp_path: Path) -> None:
    path = planted(tmp_path, ("e = np.exp(s - s.max(axis=1, keepdims=True))", "e = np.exp(s)"))
    big = problem()
    big = dataclasses.replace(big, W=(*big.W[:-1], big.W[-1] * 2000))
    result = compare_step(load_function(f"{path}:step"), big)
    wrong = result.first_wrong
    assert wrong is not None and wrong.label == "a(3)" and wrong.slip == "softmax-overflow"
    assert "sample" in (wrong.says or "") and "s.max(axis=1, keepdims=True)" in (wrong.says or "")
    assert result.nonfinite is not None and result.nonfinite.startswith("a(3) is the first array with NaN")


def test_a_function_that_raises_shows_its_own_traceback(tmp_path: Path) -> None:
    path = planted(tmp_path, ("(delta[l + 1] @ W[l + 1])", "(delta[l + 1] @ W[l + 1].T)"))
    result = compare_step(load_function(f"{path}:step"), problem())
    assert result.failed is not None and "raised" in result.failed
    assert str(path) in result.failed and "W[l + 1].T" in result.failed and "W = [5×6, 4×5, 3×4]" in result.failed
    assert "backprop_tutor" not in result.failed
    assert not result.passed


def test_a_function_that_returns_nothing(tmp_path: Path) -> None:
    path = planted(tmp_path, ('    return {"s"', '    {"s"'))
    result = compare_step(load_function(f"{path}:step"), problem())
    assert result.failed is not None and "returned nothing" in result.failed and '"grad_W"' in result.failed


def test_wrong_shapes_are_named(tmp_path: Path) -> None:
    path = planted(tmp_path, ('"grad_W": grad_W', '"grad_W": [g[:, :-1] for g in grad_W]'))
    result = compare_step(load_function(f"{path}:step"), problem())
    wrong = result.first_wrong
    assert wrong is not None and wrong.label == "∇W(3)" and wrong.verdict == SHAPE
    assert "(3, 3); expected (3, 4)" in wrong.note


def test_nan_is_named_with_its_first_array_and_entry(tmp_path: Path) -> None:
    path = planted(tmp_path, ("return np.tanh(s)", "return np.tanh(s) * np.where(s > 0.3, np.nan, 1)"))
    result = compare_step(load_function(f"{path}:step"), problem())
    assert result.nonfinite is not None and result.nonfinite.startswith("a(1) is the first array with NaN or inf: nan")
    assert "sample" in result.nonfinite


def test_samples_as_columns_and_w_in_out_are_read_and_named(tmp_path: Path) -> None:
    path = planted(tmp_path, ('"s": s', '"s": [v.T for v in s]'), ('"W": W_new', '"W": [w.T for w in W_new]'))
    result = compare_step(load_function(f"{path}:step"), problem())
    assert result.passed
    notes = {r.label: r.note for r in result.rows}
    assert "samples as columns" in notes["s(1)"] and "(in, out)" in notes["W(1), updated"]


# --- the command ----------------------------------------------------------------------------------
def test_cli_exit_codes_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = planted(tmp_path, hidden="relu")
    assert main(["compare", f"{good}:step", "hand-backprop"]) == 0
    assert "21 of 21 returned arrays agree" in capsys.readouterr().out
    assert main(["compare", f"{good}:step", "hand-backprop", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["passed"] and len(report["arrays"]) == 21
    bad = planted(tmp_path, *BUGS["delta-sign"][0], hidden="relu")
    assert main(["compare", f"{bad}:step", "hand-backprop"]) == 1
    out = capsys.readouterr().out
    assert "first wrong array: δ(3)" in out and "delta-sign" in out


def test_cli_bad_input_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", "nowhere.py:step", "hand-backprop"]) == 2
    assert "nowhere.py: no such file" in capsys.readouterr().err
    good = planted(tmp_path)
    assert main(["compare", f"{good}:nope", "hand-backprop"]) == 2
    err = capsys.readouterr().err
    assert "no function 'nope'" in err and "step" in err
    assert main(["compare", f"{good}:step"]) == 2
    assert "give a spec" in capsys.readouterr().err


def test_cli_shows_the_students_traceback_not_ours(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = planted(tmp_path, ("return np.tanh(s)", "return np.tanhh(s)"))
    assert main(["compare", f"{path}:step", "hand-backprop"]) == 1
    out = capsys.readouterr().out
    assert "tanhh" in out and "my_mlp.py" in out and "backprop_tutor/" not in out


def test_bt_compare_in_a_notebook(tmp_path: Path) -> None:
    import backprop_tutor as bt

    result = bt.compare(load_function(f"{planted(tmp_path, hidden='relu')}:step"), "hand-backprop")
    assert result.passed
    html = result._repr_html_()
    assert "<table" in html and "∇W(3)" in html and "✓" in html
    assert "21 of 21 returned arrays agree" in str(result)  # print(result) outside a notebook: the table


def test_an_activation_other_than_the_networks_is_named(tmp_path: Path) -> None:
    result = compare_step(load_function(f"{planted(tmp_path, hidden='tanh')}:step"), problem(hidden="relu"))
    wrong = result.first_wrong
    assert wrong is not None and wrong.label == "a(1)" and wrong.slip == "wrong-activation"
    assert "tanh(s(1))" in (wrong.says or "") and "uses relu" in (wrong.says or "")


def test_the_example_file_has_one_bug_and_it_is_named() -> None:
    example = Path(__file__).resolve().parents[2] / "examples" / "my_mlp.py"
    result = compare_step(load_function(f"{example}:my_step"), problem(hidden="relu"))
    wrong = result.first_wrong
    assert wrong is not None and wrong.label == "∇W(3)" and wrong.slip == "gradient-summed"
    assert {r.slip for r in result.rows if r.verdict == ROOT} == {"gradient-summed"}


def test_lists_built_backwards_are_read_reversed(tmp_path: Path) -> None:
    path = planted(tmp_path, ('"delta": delta', '"delta": delta[::-1]'), ('"grad_W": grad_W', '"grad_W": grad_W[::-1]'))
    result = compare_step(load_function(f"{path}:step"), problem())
    assert result.passed
    assert "read reversed" in next(r.note for r in result.rows if r.label == "δ(1)")


def test_cli_json_stays_json_when_the_function_prints(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    printing = "    B, L = x.shape[0], len(W)\n    print('shapes', x.shape)"
    path = planted(tmp_path, ("    B, L = x.shape[0], len(W)", printing), hidden="relu")
    assert main(["compare", f"{path}:step", "hand-backprop", "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["passed"] and "shapes (1, 3)" in err


def test_cli_data_flags_without_data_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", f"{planted(tmp_path)}:step", "hand-backprop", "--hidden", "10"]) == 2
    assert "--hidden: only with --data" in capsys.readouterr().err


def test_the_docs_show_what_tutor_compare_says(capsys: pytest.CaptureFixture[str],
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    root = Path(__file__).resolve().parents[2]
    shared = root.parent / "shared" / "data"
    if not (shared / "fashion-mnist" / "train-images-idx3-ubyte.gz").is_file():
        pytest.skip(f"Fashion-MNIST not found in {shared}")
    monkeypatch.setenv("BACKPROP_TUTOR_DATA", str(shared))
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.chdir(root)
    page = (root / "docs" / "compare.md").read_text(encoding="utf-8")
    shown = page.split("```text\n", 1)[1].split("```", 1)[0]
    command = "tutor compare examples/my_mlp.py:my_step --data fashion-mnist --activation relu --batch 500"
    assert command in page
    assert main(command.split()[1:]) == 1
    said = "".join(line.rstrip() + "\n" for line in capsys.readouterr().out.splitlines())
    assert said == shown


def test_a_transposed_gradient_on_square_weights(tmp_path: Path) -> None:
    path = planted(tmp_path, ("delta[l].T @ a[l] / B", "a[l].T @ delta[l] / B"))
    result = compare_step(load_function(f"{path}:step"), problem(sizes=(3, 3, 3, 3)))
    wrong = result.first_wrong
    assert wrong is not None and wrong.label == "∇W(3)" and wrong.slip == "gradient-transposed"


def test_another_output_activation_is_named(tmp_path: Path) -> None:
    result = compare_step(load_function(f"{planted(tmp_path, output='sigmoid')}:step"), problem())
    wrong = result.first_wrong
    assert wrong is not None and wrong.label == "a(3)" and wrong.slip == "wrong-activation"
    assert "sigmoid(s(3))" in (wrong.says or "") and "uses softmax" in (wrong.says or "")


def test_float32_arrays_are_compared_within_float32_rounding(tmp_path: Path) -> None:
    path = planted(tmp_path, ("    B, L = x.shape[0], len(W)",
                              "    B, L = x.shape[0], len(W)\n    x, y = x.astype(np.float32), y.astype(np.float32)\n"
                              "    W, b = [w.astype(np.float32) for w in W], [v.astype(np.float32) for v in b]"),
                   ("import numpy as np\n", "import numpy as np\n\n"))
    result = compare_step(load_function(f"{path}:step"), problem())
    assert result.passed, [(r.label, r.verdict, r.error) for r in result.rows]
    assert "float32: compared within float32's rounding" in result.rows[0].note


def test_sys_exit_and_a_signature_that_does_not_fit_are_reports(tmp_path: Path) -> None:
    path = tmp_path / "odd.py"
    path.write_text("import sys\n\ndef four(W, b, x, y):\n    return {}\n\ndef quits(W, b, x, y, eta):\n"
                    "    sys.exit(3)\n", encoding="utf-8")
    four = compare_step(load_function(f"{path}:four"), problem())
    assert four.failed is not None and "takes 4 positional arguments" in four.failed and "my_step(W, b, x, y, eta)" \
        in four.failed
    quits = compare_step(load_function(f"{path}:quits"), problem())
    assert quits.failed is not None and "sys.exit(3) was called" in quits.failed and "odd.py" in quits.failed


def test_cli_eta_must_be_positive(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["compare", f"{planted(tmp_path)}:step", "--data", "fashion-mnist", "--eta", "-1"]) == 2
    assert "η must be a number > 0" in capsys.readouterr().err


def test_keys_not_compared_are_named_not_refused(tmp_path: Path) -> None:
    path = planted(tmp_path, ('"b": b_new}', '"b": b_new, "loss": 0.5, "grad_w": grad_W}'))
    result = compare_step(load_function(f"{path}:step"), problem())
    assert result.passed and result.ignored == ["loss", "grad_w"]
    assert "not compared: the keys 'loss', 'grad_w'" in str(result)


def test_samples_as_columns_when_a_layer_has_b_units() -> None:
    example = Path(__file__).resolve().parents[2] / "examples" / "my_mlp.py"
    p = random_problem([6, 5, 4, 3], "relu", batch=3, seed=2)  # a(3) is 3 × 3: rows or columns cannot be told
    result = compare_step(load_function(f"{example}:my_step"), p)
    verdicts = {r.label: r.verdict for r in result.rows}
    assert verdicts["a(3)"] == RIGHT and verdicts["δ(3)"] == RIGHT and "samples as columns" in result.rows[5].note


def test_a_named_slip_says_what_the_hand_checker_says(tmp_path: Path) -> None:
    # the two tools once kept a copy each of the same messages; the checker's wording (it names h) is the one
    from backprop_tutor.check.misconceptions import Slip, says_of
    from backprop_tutor.worksheet.model import Quantity

    result = compare_step(load_function(f"{planted(tmp_path, ('return np.tanh(s)', 'return s'))}:step"), problem())
    wrong = result.first_wrong
    assert wrong is not None and wrong.slip == Slip.ACTIVATION_LEFT_OUT
    assert wrong.says == says_of(Slip.ACTIVATION_LEFT_OUT, Quantity.A).format(l=1, h="tanh")
    assert wrong.says == "this is s(1) itself: a(1) = tanh(s(1)), the activation is left out"
