"""`import backprop_tutor as bt`: what each call returns and shows (text and HTML), its numbers, and
bad input as one `TutorError` with the CLI's message."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import backprop_tutor as bt
from backprop_tutor.errors import SpecError, TutorError, UsageError
from backprop_tutor.notebook.errors import ArgumentError
from backprop_tutor.notebook.results import Example
from backprop_tutor.render.console import worksheet_renderable
from backprop_tutor.spec import load_spec, resolve_example, run_spec

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def hand() -> Example:
    return bt.example("hand-backprop")


def test_importing_the_package_loads_no_heavy_module() -> None:
    code = ("import sys, backprop_tutor as bt; heavy = [m for m in sys.modules if m.split('.')[0] in "
            "('numpy', 'h5py', 'textual', 'matplotlib', 'rich', 'anywidget', 'IPython')]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(ROOT)})
    assert out.stdout.strip() == "[]"


def test_check_worksheet_and_train_stay_packages_and_are_callable() -> None:
    import backprop_tutor.train.config as config
    from backprop_tutor.check.checker import check_answers

    assert bt.check.checker.check_answers is check_answers
    assert bt.train.config is config
    assert callable(bt.check) and callable(bt.worksheet) and callable(bt.train)
    assert {"example", "check", "worksheet", "solution"} <= set(dir(bt))
    with pytest.raises(AttributeError, match="no attribute 'nonsense'"):
        bt.nonsense  # noqa: B018


def test_the_example_has_the_traces_fourteen_steps_with_its_numbers(hand: Example) -> None:
    assert len(hand.steps) == len(hand.trace) == 14
    assert hand.steps[3].status.startswith("step 4 of 14 · forward · s(3), a(3), a'(3)")
    assert "     = [42, -31, 25]" in hand.steps[3].equations
    assert "     = [1.0, 1.98e-32, -1.0]" in hand.steps[5].equations  # δ(3) = a(3) − y
    np.testing.assert_array_equal(hand.value("s", 1), [5, -5])
    np.testing.assert_allclose(hand.value("W", 3), [[-1, -5.5], [3, -3], [5, 8.5]], rtol=1e-6)
    assert hand.worksheet.L == 3


def test_each_step_shows_its_equation_network_and_the_cells_it_wrote(hand: Example) -> None:
    step = hand.steps[1].html  # s(1), a(1), a'(1)
    assert "s(1) = W(1) a(0) + b(1)" in step and "[[1, -2, 1], [3, 4, -2]]·[1, -1, 1] + [1, -2]" in step
    assert '<div class="bt-column bt-current"><div class="bt-caption">s(1) a(1) a&#x27;(1)</div>' in step
    assert "<td class=bt-new>[5, -5]</td>" in step
    assert "<td class=bt-new>" not in hand.steps[0].html.split("feed-forward")[1].split("backprop")[1]
    assert "press d" not in "".join(s.html for s in hand.steps)  # the terminal UI's keys mean nothing here
    assert "digits=6 for more" in hand.steps[3].html


def test_the_numbers_are_those_of_tutor_example_print(hand: Example) -> None:
    from backprop_tutor.notebook.results import rich_text

    printed = rich_text(worksheet_renderable(run_spec(load_spec(resolve_example("hand-backprop")))))
    assert repr(bt.worksheet("hand-backprop")) == printed
    for value in ("[42, -31, 25]", "[1.0, 1.98e-32, -1.0]", "[-0.5, -0.5, -0.5]", "17.0"):
        assert value in printed and value in hand.steps[-1].html


def test_the_example_shows_a_widget_with_an_html_stepper_and_text(hand: Example) -> None:
    data, _ = hand._repr_mimebundle_()
    assert data["application/vnd.jupyter.widget-view+json"]["model_id"] == hand.widget.model_id
    assert data["text/html"].count('<section class="bt-step"') == 14
    assert 'data-lm-suppress-shortcuts="true"' in data["text/html"] and "ArrowRight" in data["text/html"]
    assert data["text/plain"].startswith("Hand-worked backprop: 3-2-2-3 ReLU/softmax, one SGD step: 14 steps")
    assert [s["status"] for s in hand.widget.steps] == [s.status for s in hand.steps]


def test_the_step_on_screen_syncs_back_and_stays_in_range(hand: Example) -> None:
    hand.widget.index = 5
    assert hand.step == 5
    hand.widget.index = 40
    assert hand.step == 13
    hand.widget.index = 0


def test_the_widget_ships_its_javascript() -> None:
    from backprop_tutor.notebook.stepper import Stepper

    esm = Stepper._esm
    assert "export default { render }" in esm and "data-lm-suppress-shortcuts" in esm
    assert "http" not in esm and "import " not in esm  # nothing fetched when it runs


def test_exact_mode_shows_only_certain_digits() -> None:
    ex = bt.example("hand-backprop", exact=True)
    assert ex.trace.header.precision == "exact"
    assert "1.98e-32" in "".join(ex.steps[6].equations)  # δ(2)_1, not float64's -2.22e-16
    assert "-2.22e-16" not in "".join(ex.steps[6].equations)


def test_worksheet_html_marks_nothing_new_and_holds_every_table() -> None:
    page = bt.worksheet("hand-backprop")._repr_html_()
    assert all(t in page for t in ("feed-forward", "backprop", "updated parameters"))
    assert "<td>[-0.5, -4, -1.5]</td>" in page and "bt-new" not in page.split("</style>")[1]


def test_solution_is_markdown_with_math_and_text_for_a_shell() -> None:
    sol = bt.solution("hand-backprop")
    assert sol._repr_markdown_().startswith("# Worked solution: Hand-worked backprop")
    assert "$$" in sol._repr_markdown_() and "$$" not in repr(sol)
    assert "## Step 14: W(1), b(1) updated" in repr(sol)


def test_check_of_python_values_finds_the_planted_slip() -> None:
    result = bt.check({"s1": [5, -5], "a1": np.array([5, 5]), "a_prime1": [1, 0], "s2": [-4, 35]},
                      spec="hand-backprop")
    verdicts = {c.name: c.verdict.value for c in result.cells}
    assert verdicts["a(1)[2]"] == "root" and verdicts["s(2)[2]"] == "carried" and verdicts["s(1)[1]"] == "right"
    assert result.totals["root"] == 1 and not result.all_right
    page = result._repr_html_()
    assert "<td class=bt-root>✗ root</td>" in page and "<td class=bt-carried>✗ carried</td>" in page
    assert "First root mistake: a(1)[2]" in page
    assert "<tr><td>a(1)[2]</td><td>5</td><td>0</td><td class=bt-root>✗ root</td>" in page
    assert "First root mistake: a(1)[2]" in repr(result)


def test_check_of_the_answer_key_file_is_all_right(tmp_path: Path) -> None:
    from backprop_tutor.check.expected import reference_for
    from backprop_tutor.check.templates import render

    key = tmp_path / "key.md"
    key.write_text(render(reference_for(load_spec(resolve_example("hand-backprop"))), "hand-backprop", key=True))
    assert bt.check(key).all_right
    assert bt.check(str(key), spec="hand-backprop").totals["right"] == len(bt.check(key).cells)


@pytest.mark.parametrize(("call", "error", "message"), [
    (lambda: bt.example("hand-backprob"), SpecError, "'hand-backprob' is neither a built-in example"),
    (lambda: bt.example(3), ArgumentError, "bt.example: spec must be a built-in example's name"),
    (lambda: bt.example(digits=0), ArgumentError, "digits must be a number of significant digits from 1 to 50"),
    (lambda: bt.example(exact=True, dtype="float32"), UsageError, "contradict each other"),
    (lambda: bt.worksheet(sample=2), UsageError, "sample 2 does not exist: the trace holds 1 sample"),
    (lambda: bt.solution(dtype="float16"), ArgumentError, "dtype must be one of 'float32', 'float64', 'exact' or None"),
    (lambda: bt.check("nowhere.md"), UsageError, "bt.check: nowhere.md: no such file"),
    (lambda: bt.check({"s1": [5, -5]}), UsageError, "answers given as a dict need spec="),
    (lambda: bt.check({"q7": 1}, spec="hand-backprop"), UsageError, "answer 'q7': not a quantity of a layer"),
    (lambda: bt.check({"s9": [1]}, spec="hand-backprop"), TutorError, "s(9) does not exist"),
    (lambda: bt.check(42), ArgumentError, "a worksheet file's path (str or pathlib.Path) or a dict"),
    (lambda: bt.example().value("q", 1), UsageError, "unknown quantity; the quantities are"),
])
def test_bad_input_is_one_tutor_error_with_the_clis_message(call, error, message) -> None:
    with pytest.raises(error) as info:
        call()
    assert message in str(info.value)
    assert isinstance(info.value, TutorError) and info.value.__cause__ is None
    assert isinstance(info.value, TypeError) == (error is ArgumentError)


def test_practice_asks_each_value_in_turn_and_judges_it_as_the_checker_does() -> None:
    p = bt.practice("hand-backprop")
    assert p.question.startswith("s(1) = ?   (s(1) = W(1) a(0) + b(1); a vector of 2")
    assert p.context().status.startswith("step 1 of 14")  # the step before s(1): s(1) is not shown yet
    assert [m.verdict.value for m in p.answer("[5, -5]")] == ["right", "right"]
    assert [m.verdict.value for m in p.answer("[5, 5]")] == ["right", "root"]  # relu(-5) is 0
    assert p.question.startswith("a'(1) = ?")
    p.answer("[1, 0]")
    assert [m.verdict.value for m in p.answer("[-4, 35]")] == ["carried", "carried"]  # W(2) a(1) + b(2), their a(1)
    assert [m.verdict.value for m in p.reveal()] == ["missing", "missing"]
    assert p.summary.startswith("5 right, 1 root mistake, 2 carried, 2 revealed (of 72 values)")
    assert "<td class=bt-carried>✗ carried</td>" in p.marks_html()


def test_the_practice_widget_judges_what_the_browser_sends() -> None:
    p = bt.practice(seed=17)
    assert bt.practice(seed=17).session.ref.expected.keys() == p.session.ref.expected.keys()
    widget = p.widget
    assert widget.question == p.question and "export default { render }" in widget._esm
    widget.submitted = {"action": "answer", "text": "nonsense", "n": 1}
    assert "is not a number" in widget.message and widget.question.startswith("s(1) = ?")
    widget.submitted = {"action": "reveal", "text": "", "n": 2}
    assert widget.message == "" and widget.question.startswith("a(1) = ?")
    assert "missing" in widget.marks and widget.summary.startswith("0 right, 0 root mistakes, 0 carried, 2 revealed")
    data, _ = p._repr_mimebundle_()
    assert data["application/vnd.jupyter.widget-view+json"]["model_id"] == widget.model_id
    assert "a(1) = ?" in data["text/html"] and data["text/plain"].startswith("Practice problem 17")


@pytest.mark.parametrize(("call", "message"), [
    (lambda: bt.practice(seed=-1), "a problem's seed is a whole number from 0 to"),
    (lambda: bt.practice(seed="x"), "seed must be a whole number"),
    (lambda: bt.practice(seed=3, sizes="3-20-3"), "1 to 6 units each"),
    (lambda: bt.practice("hand-backprop", seed=3), "give a spec or a seed, not both"),
    (lambda: bt.practice(seed=3, output="tanh"), "output activation 'tanh'"),
])
def test_bad_practice_input_is_one_tutor_error(call, message) -> None:
    with pytest.raises(TutorError) as info:
        call()
    assert message in str(info.value)
