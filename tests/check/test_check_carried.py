"""Issue 16: each kind of carried mistake with a minimal sheet, each named misconception planted in random
problems, and the course's own worksheet (C, ∇W, ∇b blank) after one early slip."""

from __future__ import annotations

import copy
import functools
import json
import random
import re

import pytest
from check_helpers import answers_json, hand_spec, slipped_sheet, text, write_json
from student_sim import SLIPS, Problem, answer_doc, order, simulate

from backprop_tutor.check.answers import read_answers, written_values
from backprop_tutor.check.expected import reference_for
from backprop_tutor.check.marking import Verdict, mark
from backprop_tutor.check.misconceptions import Slip
from backprop_tutor.check.numbers import Tolerance
from backprop_tutor.check.problems import ProblemSettings, problem_spec, random_problem
from backprop_tutor.cli import main
from backprop_tutor.spec import load_spec, parse_spec, resolve_example
from backprop_tutor.worksheet.model import Quantity as Q


def _marked(spec, doc, tmp_path, sample: int = 0):
    ref = reference_for(spec, sample)
    path = write_json(tmp_path / "a.json", doc)
    marking = mark(ref, written_values(read_answers(path), ref), Tolerance())
    return {m.name: m for m in marking.cells}, marking


def _drop(doc: dict, *keys: tuple[str, str]) -> dict:
    """The answer file with quantities left blank: ("3", "grad_W") or ("C", "")."""
    doc = copy.deepcopy(doc)
    for layer, name in keys:
        if layer == "C":
            doc.pop("C", None)
        else:
            doc["layer"][layer].pop(name, None)
    return doc


def _spec(toml: str):
    import tomllib

    return parse_spec(tomllib.loads(toml), "test.toml")


# --- §1: carried means "follows from the student's own values, whatever they skipped" -------------
def test_a_blank_gradient_after_a_carried_delta_leaves_the_update_carried(tmp_path):
    ref, theirs = slipped_sheet()  # s(1)[1] = 4 for 5, everything after from it
    doc = _drop(answers_json(theirs, ref), ("2", "grad_W"), ("2", "grad_b"))
    cells, marking = _marked(hand_spec(), doc, tmp_path)
    assert [m.name for m in marking.cells if m.verdict is Verdict.ROOT] == ["s(1)[1]"]
    assert cells["W(2)[2,1]"].verdict is Verdict.CARRIED
    # δ(2) is right (a(3) and δ(3) barely move); ∇W(2) = δ(2) a(1)ᵀ carries their a(1)
    assert cells["W(2)[2,1]"].note == "follows from your a(1), through ∇W(2), which you left blank"
    assert cells["b(2)[2]"].verdict is Verdict.RIGHT  # ∇b(2) = δ(2): right


def test_a_blank_activation_between_a_wrong_sum_and_the_next_sum(tmp_path):
    ref, theirs = slipped_sheet()
    cells, marking = _marked(hand_spec(), _drop(answers_json(theirs, ref), ("1", "a")), tmp_path)
    s2 = cells["s(2)[1]"]
    assert s2.verdict is Verdict.CARRIED and "bias" not in s2.note
    assert s2.note == "follows from your s(1), through a(1), which you left blank"
    assert marking.totals()["root"] == 1


def test_the_cost_from_the_students_own_output_is_carried_and_its_working_reads_from_a(tmp_path):
    ref = reference_for(hand_spec())
    doc = answers_json(ref.expected, ref)
    doc["layer"]["3"]["a"] = ["0.5", "0.25", "0.25"]  # a slip: a(3) does not follow from s(3)
    doc["C"] = "1.386"  # −log 0.25, from their own a(3)
    cells, _ = _marked(hand_spec(), doc, tmp_path)
    C = cells["C"]
    assert C.verdict is Verdict.CARRIED and C.note == "follows from your a(3)"
    assert C.yours.startswith("C = −Σ_k y[k] log a(3)[k] = −1·log 0.25") and "e^" not in C.yours


def test_the_cost_from_the_students_own_sums_is_carried_and_its_working_reads_from_s(tmp_path):
    ref = reference_for(hand_spec())
    doc = _drop(answers_json(ref.expected, ref), ("3", "a"), ("3", "delta"), ("3", "grad_W"), ("3", "grad_b"),
                ("3", "W"), ("3", "b"))
    doc["layer"]["3"]["s"] = ["42", "-31", "41"]  # s(3)[3] slipped: 41 for 25
    doc["C"] = "1.0"  # log(e^42 + e^-31 + e^41) − 41 = 1.313…; written 1.0: a root mistake, not carried
    cells, _ = _marked(hand_spec(), doc, tmp_path)
    assert cells["C"].verdict is Verdict.ROOT
    doc["C"] = "1.313"
    cells, _ = _marked(hand_spec(), doc, tmp_path)
    C = cells["C"]
    assert C.verdict is Verdict.CARRIED and C.note == "follows from your s(3)"
    assert C.yours.startswith("C = log Σ_k e^s(3)[k] − Σ_k y[k] s(3)[k] = log(e^42 + e^(-31) + e^41) − (1·41)")


def test_an_exact_cancellation_in_the_students_own_values_gives_zero_not_a_root_mistake(tmp_path):
    ref = reference_for(hand_spec())
    doc = answers_json(ref.expected, ref)
    # their δ(3) makes W(3)ᵀ δ(3) = [0.9 + 0.3 − 1.2, 0.9 − 0.3 − 0.6] = [0, 0] exactly (decimals that cancel)
    doc["layer"]["3"]["delta"] = ["0.45", "0.1", "-0.6"]
    doc["layer"]["2"]["delta"] = ["0", "0"]
    for name in ("grad_W", "grad_b", "W", "b"):
        del doc["layer"]["3"][name], doc["layer"]["2"][name]
    cells, marking = _marked(hand_spec(), doc, tmp_path)
    assert cells["δ(2)[2]"].verdict is Verdict.CARRIED and cells["δ(2)[1]"].verdict is Verdict.RIGHT
    assert [m.name for m in marking.cells if m.verdict is Verdict.ROOT] == ["δ(3)[1]", "δ(3)[2]", "δ(3)[3]"]


_CANCEL = """
title = "an update that cancels"
loss = "squared-error"
learning_rate = 0.5
[data]
x = [1.414]
y = [0]
[[layer]]
activation = "identity"
W = [[1]]
b = [0]
"""


def test_an_update_that_magnifies_the_rounding_of_a_right_gradient_is_right(tmp_path):
    # ∇W = 1.414² = 1.999396, W(1) new = 1 − 0.5·1.999396 = 0.000302; from ∇W written as 2.00: 0
    doc = {"spec": "x", "sample": 0, "C": "0.9997", "layer": {"1": {
        "s": ["1.414"], "a": ["1.414"], "a_prime": ["1"], "delta": ["1.414"], "grad_W": [["2.00"]],
        "grad_b": ["1.414"], "W": [["0"]], "b": ["-0.707"]}}}
    cells, marking = _marked(_spec(_CANCEL), doc, tmp_path)
    assert cells["W(1)[1,1]"].verdict is Verdict.RIGHT and "rounded" in cells["W(1)[1,1]"].note
    assert marking.totals()["root"] == 0
    doc["layer"]["1"]["W"] = [["0.5"]]  # and a wrong one is still wrong
    cells, _ = _marked(_spec(_CANCEL), doc, tmp_path)
    assert cells["W(1)[1,1]"].verdict is Verdict.ROOT


def test_a_carried_update_from_a_rounded_gradient_is_carried(tmp_path):
    # x slipped to 1.4142 → their ∇W = 1.99996, written 2.000; W new from the unrounded one: 0.00002
    doc = {"spec": "x", "sample": 0, "layer": {"1": {
        "s": ["1.4142"], "a": ["1.4142"], "a_prime": ["1"], "delta": ["1.4142"], "grad_W": [["2.000"]],
        "W": [["0.00002"]]}}}
    cells, _ = _marked(_spec(_CANCEL), doc, tmp_path)
    assert cells["s(1)[1]"].verdict is Verdict.RIGHT  # 1.4142 is within 1 % of 1.414
    assert cells["W(1)[1,1]"].verdict is Verdict.RIGHT  # right by rounding: no mistake before it


_SIGMOID = """
title = "a saturated sigmoid"
loss = "squared-error"
learning_rate = 0.5
[data]
x = [8]
y = [1]
[[layer]]
activation = "sigmoid"
W = [[1]]
b = [0]
"""


def test_a_derivative_from_a_rounded_activation_is_accepted(tmp_path):
    # a = σ(8) = 0.999665, written 1.00; a' = a(1 − a) from it is 0 (true 0.000335)
    doc = {"spec": "x", "sample": 0, "layer": {"1": {"s": ["8"], "a": ["1.00"], "a_prime": ["0"]}}}
    cells, _ = _marked(_spec(_SIGMOID), doc, tmp_path)
    assert cells["a'(1)[1]"].verdict is Verdict.RIGHT
    doc["layer"]["1"]["a_prime"] = ["0.000335"]  # from s: right against the truth
    cells, _ = _marked(_spec(_SIGMOID), doc, tmp_path)
    assert cells["a'(1)[1]"].verdict is Verdict.RIGHT


def test_after_a_transposed_gradient_the_update_from_it_transposed_back_is_carried(tmp_path):
    ref, theirs = slipped_sheet()
    doc = answers_json(theirs, ref)
    doc["layer"]["3"]["grad_W"] = text(theirs[(Q.GRAD_W, 3)].T.copy())  # 2×3: written transposed
    cells, marking = _marked(hand_spec(), doc, tmp_path)
    gW = cells["∇W(3)"]
    assert gW.verdict is Verdict.SHAPE and "its numbers, transposed back, follow from your own values" in gW.note
    assert cells["W(3)[1,2]"].verdict is Verdict.CARRIED and cells["W(3)[1,2]"].note == "follows from your ∇W(3)"
    assert marking.totals()["root"] == 1


def test_the_update_honours_l2_and_momentum(tmp_path):
    spec = copy.deepcopy(hand_spec())
    spec.l2, spec.momentum = 0.1, 0.9
    ref = reference_for(spec)
    doc = _drop(answers_json(ref.expected, ref), ("3", "grad_W"))
    cells, marking = _marked(spec, doc, tmp_path)
    assert marking.all_right is False and marking.totals()["root"] == 0  # ∇W(3) missing, the rest right
    doc["layer"]["3"]["delta"] = ["2", "0", "-1"]  # a slip; W(3) new then follows ∇W(3) = δ a(2)ᵀ + λ W(3)
    W3 = ref.given.W[3] - ref.given.eta * (
        ref.expected[(Q.GRAD_W, 3)] + __import__("numpy").outer([1, 0, 0], ref.expected[(Q.A, 2)]))
    doc["layer"]["3"]["W"] = text(W3)
    cells, _ = _marked(spec, doc, tmp_path)
    assert cells["W(3)[1,1]"].verdict is Verdict.CARRIED


# --- §2: each misconception planted in random problems is named --------------------------------
_PROBLEMS = [(ProblemSettings(), 0), (ProblemSettings(output="sigmoid", sizes=(2, 2, 2)), 0),
             (ProblemSettings(output="identity", sizes=(2, 2, 2)), 0), (ProblemSettings(sizes=(3, 2, 2, 2)), 0)]


def _problem_spec(n: int):
    """Problem n of the planted slips: the sigmoid example, a two-sample minibatch, then 40 random problems."""
    if n == 0:
        return load_spec(resolve_example("mazur-sigmoid")), 0
    if n == 1:
        batch = copy.deepcopy(hand_spec())
        batch.x, batch.y = [batch.x[0], [0, 1, 2]], [batch.y[0], [1, 0, 0]]
        return batch, 1
    settings = _PROBLEMS[(n - 2) % len(_PROBLEMS)][0]
    return problem_spec(random_problem(500 + n - 2, settings), f"r{n - 2}"), 0


@functools.cache
def _problem(n: int):
    """(spec, sample, its reference, its givens) of problem n, made once per worker: each slip's test reads the
    same problems (their exact runs were half of these tests' CPU); the tests only read them."""
    spec, sample = _problem_spec(n)
    ref = reference_for(spec, sample)
    return spec, sample, ref, Problem.of(ref, spec)


@pytest.mark.parametrize("slip", [s for s in SLIPS if s != "arith"])
def test_a_planted_misconception_is_named(slip, tmp_path):
    named = 0
    for n in range(2 + 40):
        spec, sample, ref, p = _problem(n)
        for key in [k for k in order(p) if SLIPS[slip][0](p, k)][:2]:
            sheet = simulate(p, sample, slip, key, set(), 4, random.Random(n))
            path = tmp_path / f"{n}.json"
            path.write_text(json.dumps(answer_doc(sheet, "x", sample, 4)), encoding="utf-8")
            marking = mark(ref, written_values(read_answers(path), ref), Tolerance())
            roots = [m for m in marking.cells if m.verdict is Verdict.ROOT]
            if not roots:  # the slip changed nothing here (h' = 1 everywhere, …)
                continue
            assert {m.misconception for m in roots} == {Slip(slip).value}, (spec.source, key, roots)
            assert all(m.note for m in roots)
            named += 1
        if named >= 3:
            break
    assert named >= 1, f"no problem let {slip} show"


_RELU_ZERO = """
title = "ReLU at s = 0"
loss = "squared-error"
learning_rate = 0.5
[data]
x = [1, 1]
y = [0]
[[layer]]
activation = "relu"
W = [[1, -1], [1, 1]]
b = [0, 0]
[[layer]]
activation = "identity"
W = [[1, 1]]
b = [0]
"""


def test_relus_derivative_at_zero_is_named(tmp_path):
    doc = {"spec": "x", "sample": 0, "layer": {"1": {"s": ["0", "2"], "a": ["0", "2"], "a_prime": ["1", "1"]}}}
    cells, _ = _marked(_spec(_RELU_ZERO), doc, tmp_path)
    m = cells["a'(1)[1]"]
    assert m.verdict is Verdict.ROOT and m.misconception == Slip.RELU_PRIME_AT_ZERO.value
    assert "h'(0) = 0" in m.note


def test_a_root_mistake_no_rule_gives_says_so(tmp_path):
    ref = reference_for(hand_spec())
    doc = answers_json(ref.expected, ref)
    doc["layer"]["2"]["s"] = ["7", "15"]
    cells, _ = _marked(hand_spec(), doc, tmp_path)
    assert cells["s(2)[1]"].misconception == "" and cells["s(2)[1]"].note.startswith("no common slip gives")


def test_the_update_sign_is_named_once_for_the_quantity(tmp_path):
    ref = reference_for(hand_spec())
    doc = answers_json(ref.expected, ref)
    doc["layer"]["3"]["W"] = text(2 * ref.given.W[3] - ref.expected[(Q.W_NEW, 3)])
    _cells, marking = _marked(hand_spec(), doc, tmp_path)
    roots = [m for m in marking.cells if m.verdict is Verdict.ROOT]
    assert [m.name for m in roots] == ["W(3)"] and roots[0].misconception == Slip.UPDATE_SIGN.value
    assert roots[0].note.startswith("this is W(3) + η ∇W(3)")


# --- the course's own worksheet: one early slip, C, ∇W and ∇b blank --------------------------------
def _fill(blank: str, values: dict) -> str:
    """The blank Markdown worksheet with the student's values in its cells, C and ∇W, ∇b left blank."""
    columns: list[str] = []
    out = []
    for line in blank.splitlines():
        if line.startswith("| l |"):
            columns = [c.strip() for c in line.strip("|").split("|")]
        elif re.match(r"\| \d+ \|", line):
            cells = [c.strip() for c in line.strip("|").split("|")]
            l = int(cells[0])
            for i, name in enumerate(columns[1:], start=1):
                q = {"s(l)": Q.S, "a(l)": Q.A, "a'(l)": Q.A_PRIME, "δ(l)": Q.DELTA, "W(l) new": Q.W_NEW,
                     "b(l) new": Q.B_NEW}.get(name)
                if q is not None and (q, l) in values and not cells[i]:
                    cells[i] = json.dumps(text(values[(q, l)])).replace('"', "")
            line = "| " + " | ".join(c or " " for c in cells) + " |"
        out.append(line)
    return "\n".join(out) + "\n"


def test_the_courses_worksheet_after_one_early_slip_has_one_root_mistake(tmp_path, capsys):
    _ref, theirs = slipped_sheet()
    assert main(["worksheet", "hand-backprop"]) == 0
    sheet = tmp_path / "mine.md"
    sheet.write_text(_fill(capsys.readouterr().out, theirs), encoding="utf-8")
    js = tmp_path / "report.json"
    assert main(["check", str(sheet), "--json", str(js)]) == 1
    doc = json.loads(js.read_text(encoding="utf-8"))
    cells = doc["cells"] if isinstance(doc, dict) else doc[0]["cells"]
    roots = [c["name"] for c in cells if c["verdict"] == "root"]
    assert roots == ["s(1)[1]"]
    truth = reference_for(hand_spec()).expected
    for c in cells:
        if c["verdict"] in ("right", "missing", "root"):
            continue
        assert c["verdict"] == "carried", c
    carried = {c["name"] for c in cells if c["verdict"] == "carried"}
    assert {"a(1)[1]", "s(2)[1]", "C", "W(2)[2,1]", "W(3)[1,1]"} - {"C"} <= carried
    assert {c["quantity"] for c in cells if c["verdict"] == "missing"} == {"C", "∇W", "∇b"}
    assert truth  # the sheet was checked against the true step
