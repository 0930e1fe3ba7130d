"""Root vs carried mistakes, shapes, and the judging examples on the hand example."""

from __future__ import annotations

import copy

import numpy as np
from check_helpers import answers_json, hand_spec, slipped_sheet, write_json

from backprop_tutor.check.answers import read_answers, written_values
from backprop_tutor.check.checker import check_answers
from backprop_tutor.check.expected import reference_for
from backprop_tutor.check.marking import Verdict, mark
from backprop_tutor.check.numbers import Tolerance, judge
from backprop_tutor.worksheet.model import Quantity


def test_engine_values_check_all_right(tmp_path):
    ref = reference_for(hand_spec())
    marking = check_answers(write_json(tmp_path / "a.json", answers_json(ref.expected, ref)))
    assert marking.all_right and marking.totals()["right"] == 72


def test_one_slip_gives_one_root_and_carried_cells_after_it(tmp_path):
    ref, theirs = slipped_sheet()
    marking = check_answers(write_json(tmp_path / "a.json", answers_json(theirs, ref)))
    roots = [m for m in marking.cells if m.verdict is Verdict.ROOT]
    assert [m.name for m in roots] == ["s(1)[1]"]
    assert marking.first_root is roots[0]
    assert marking.first_root.working == "s(1)[1] = W(1)[1,·] a(0) + b(1)[1] = 1·1 + (-2)·(-1) + 1·1 + 1 = 5"
    tol = Tolerance()
    for m in marking.cells[1:]:
        key = (m.quantity, m.layer)
        scale = max(abs(v) for v in ref.expected[key].flat)
        differs = not judge(theirs[key][m.index], m.expected, scale, tol).right
        assert m.verdict is (Verdict.CARRIED if differs else Verdict.RIGHT), m
    carried = [m for m in marking.cells if m.verdict is Verdict.CARRIED]
    assert len(carried) == 20 and carried[0].name == "a(1)[1]" and carried[0].note == "follows from your s(1)"
    assert marking.totals()["root"] == 1 and not marking.all_right


def test_a_later_root_mistake_after_a_slip_is_still_root(tmp_path):
    ref, theirs = slipped_sheet()
    theirs[(Quantity.DELTA, 3)] = theirs[(Quantity.DELTA, 3)].copy()
    theirs[(Quantity.DELTA, 3)][0] = theirs[(Quantity.DELTA, 3)][0] + 7
    marking = check_answers(write_json(tmp_path / "a.json", answers_json(theirs, ref)))
    # ∇W(3)[1,·] was computed from the δ(3)[1] before the change: it follows neither the truth nor δ(3)[1]
    # as now written, so it is a root mistake too; ∇b(3)[1] ≈ 1 is right against the truth
    roots = [m.name for m in marking.cells if m.verdict is Verdict.ROOT]
    assert roots == ["s(1)[1]", "δ(3)[1]", "∇W(3)[1,1]", "∇W(3)[1,2]"]


def _one(tmp_path, **changes):
    """The engine's values with some cells replaced by what a student wrote; the marked cells by name."""
    ref = reference_for(hand_spec())
    doc = answers_json(ref.expected, ref)
    for path, value in changes.items():
        *keys, last = path.split("__")
        where = doc
        for k in keys:
            where = where[k]
        if value is None:
            del where[last]
        else:
            where[last] = value
    marking = check_answers(write_json(tmp_path / "a.json", doc))
    return {m.name: m for m in marking.cells}, marking


def test_the_issues_judging_examples_on_the_hand_example(tmp_path):
    a3 = ["1", "1.98e-32", "4.14e-8"]
    cells, _ = _one(tmp_path, layer__3__a=a3, layer__2__delta=["0", "1"], layer__3__b=["-0.5", "-4", "-1.5"])
    assert all(cells[f"a(3)[{i}]"].verdict is Verdict.RIGHT for i in (1, 2, 3))
    assert cells["b(3)[1]"].verdict is Verdict.RIGHT
    assert cells["δ(2)[1]"].verdict is Verdict.RIGHT and "exact value 1.98e-32;" in cells["δ(2)[1]"].note
    cells, _ = _one(tmp_path, layer__3__a=["1", "0", "4.140×10^-8"])
    assert cells["a(3)[3]"].verdict is Verdict.RIGHT
    cells, _ = _one(tmp_path, layer__3__a=["1", "0", "4.25e-8"], layer__3__s=["42", "-31", "27"],
                    layer__1__s=["6", "-5"])
    assert cells["a(3)[3]"].verdict is Verdict.ROOT
    assert cells["s(3)[3]"].verdict is Verdict.ROOT and cells["s(1)[1]"].verdict is Verdict.ROOT


def test_a_sum_without_its_bias_is_named(tmp_path):
    cells, _ = _one(tmp_path, layer__1__s=["4", "-3"])  # W(1) x = [4, -3]; b(1) = [1, -2]
    assert cells["s(1)[1]"].verdict is Verdict.ROOT
    assert cells["s(1)[1]"].note == "this is W(1) a(0) without + b(1): the bias is missing"


def test_missing_values_and_a_missing_bias(tmp_path):
    cells, marking = _one(tmp_path, layer__2__b=None, layer__1__s=["5", ""])
    assert cells["b(2)[1]"].verdict is Verdict.MISSING and "missing bias" in cells["b(2)[1]"].note
    assert cells["s(1)[2]"].verdict is Verdict.MISSING
    assert marking.totals()["missing"] == 3 and marking.totals()["root"] == 0


def test_shapes_are_named_not_counted_as_wrong_numbers(tmp_path):
    ref = reference_for(hand_spec())
    gW1 = ref.expected[(Quantity.GRAD_W, 1)]
    gW2 = ref.expected[(Quantity.GRAD_W, 2)]
    from check_helpers import text

    cells, marking = _one(tmp_path, layer__1__grad_W=text(np.ascontiguousarray(gW1.T)),
                          layer__2__grad_W=text(np.ascontiguousarray(gW2.T)), layer__3__s=["42", "-31"])
    assert cells["∇W(1)"].verdict is Verdict.SHAPE and "transposed: written 3×2" in cells["∇W(1)"].note
    assert cells["∇W(2)"].verdict is Verdict.SHAPE and cells["∇W(2)"].note.startswith("transposed")
    assert cells["s(3)"].verdict is Verdict.SHAPE and "wrong length" in cells["s(3)"].note
    assert marking.totals()["shape"] == 3 and marking.totals()["root"] == 0


def test_an_update_from_a_transposed_gradient_is_carried(tmp_path):
    from check_helpers import text

    ref = reference_for(hand_spec())
    gW2 = np.ascontiguousarray(ref.expected[(Quantity.GRAD_W, 2)].T)
    W2 = ref.given.W[2] - ref.given.eta * gW2
    cells, marking = _one(tmp_path, layer__2__grad_W=text(gW2), layer__2__W=text(W2))
    assert cells["∇W(2)"].verdict is Verdict.SHAPE
    assert cells["W(2)[1,2]"].verdict is Verdict.CARRIED and cells["W(2)[1,2]"].note == \
        "follows from your ∇W(2), as you wrote it (transposed)"
    assert marking.totals()["root"] == 0


def test_a_minibatch_sample_carries_its_own_term_of_the_mean(tmp_path):
    spec = copy.deepcopy(hand_spec())
    spec.x = [spec.x[0], [0, 1, 2]]
    spec.y = [spec.y[0], [1, 0, 0]]
    ref = reference_for(spec, sample=1)
    assert ref.given.batch_size == 2
    theirs = {k: v.copy() for k, v in ref.expected.items()}
    slip = np.array([1, 0], dtype=object)
    theirs[(Quantity.DELTA, 1)] = theirs[(Quantity.DELTA, 1)] + slip
    # ∇W(1) = ½ (δ(1) of sample 0 · xᵀ + their δ(1) of sample 1 · xᵀ): their term moves the mean by half
    theirs[(Quantity.GRAD_W, 1)] = theirs[(Quantity.GRAD_W, 1)] + np.outer(slip, ref.given.x) / 2
    doc = answers_json(theirs, ref, spec="two.toml")
    doc["sample"] = 1
    del doc["layer"]["1"]["W"], doc["layer"]["1"]["b"], doc["layer"]["1"]["grad_b"]
    marking = mark(ref, written_values(read_answers(write_json(tmp_path / "b.json", doc)), ref), Tolerance())
    verdicts = {m.name: m.verdict for m in marking.cells}
    assert verdicts["δ(1)[1]"] is Verdict.ROOT
    assert verdicts["∇W(1)[1,2]"] is Verdict.CARRIED and verdicts["∇W(1)[1,1]"] is Verdict.RIGHT  # x[1] = 0


def test_every_kind_of_root_mistake_shows_its_working(tmp_path):
    from backprop_tutor.numbers.format import fmt
    from backprop_tutor.spec import load_spec, resolve_example

    for example in ("hand-backprop", "mazur-sigmoid"):
        ref = reference_for(load_spec(resolve_example(example)))
        for slot in ref.slots:
            key = (slot.quantity, slot.layer)
            theirs = {k: v.copy() for k, v in ref.expected.items()}
            first = (0,) * len(slot.shape)
            theirs[key][first] = theirs[key][first] + 100
            doc = answers_json(theirs, ref, spec=example)
            marking = check_answers(write_json(tmp_path / "a.json", doc))
            root = marking.first_root
            assert root is not None and (root.quantity, root.layer, root.index) == (*key, first), (example, key)
            assert root.working.startswith(root.name) and root.working.endswith(fmt(root.expected, 4)), root.working


def test_wrong_cells_show_the_steps_equation_and_what_the_students_own_values_give(tmp_path):
    from backprop_tutor.render.math import equation_text, text_lines
    from backprop_tutor.trace.events import Forward
    from backprop_tutor.worksheet.equations import equations_for

    ref, theirs = slipped_sheet()
    marking = check_answers(write_json(tmp_path / "a.json", answers_json(theirs, ref)))
    cells = {m.name: m for m in marking.cells}
    carried = cells["a(1)[1]"]
    assert carried.verdict is Verdict.CARRIED and carried.yours == "a(1)[1] = relu(s(1)[1]) = relu(4) = 4"
    # the equation is the equations module's, as the UI's step panel writes it for the step Forward(1)
    step = equations_for(ref.trace, ref.trace.find(Forward, 1))
    ui = next(" ".join(line.strip() for line in text_lines(equation_text(eq, 4))) for eq in step
              if eq.writes is Quantity.A)
    assert carried.equation == ui == "a(1) = relu(s(1)) = relu([5, -5]) = [5, 0]"
    root = cells["s(1)[1]"]
    assert root.equation.startswith("s(1) = W(1) a(0) + b(1) = ") and root.yours == ""
    assert cells["s(1)[2]"].verdict is Verdict.RIGHT and cells["s(1)[2]"].equation == ""


def test_a_cells_working_is_the_equations_modules_cell_equation_in_text_and_latex(tmp_path):
    # the working was once written with f-strings of its own in check/working.py: now it is an Equation of
    # worksheet.cell_equations, which the Markdown can typeset as it does every other equation
    from backprop_tutor.render.math import equation_latex
    from backprop_tutor.worksheet.cell_equations import cell_equation

    ref, theirs = slipped_sheet()
    marking = check_answers(write_json(tmp_path / "a.json", answers_json(theirs, ref)))
    root = marking.first_root
    eq = cell_equation(root.quantity, root.layer, root.index, ref.given, ref.expected, root.expected)
    assert equation_latex(eq, 4).splitlines() == [
        "\\begin{aligned}", "s_{1}^{(1)} &= W_{1,\\cdot}^{(1)}\\thinspace a^{(0)} + b_{1}^{(1)} \\cr",
        "&= 1 \\cdot 1 + \\left(-2\\right) \\cdot \\left(-1\\right) + 1 \\cdot 1 + 1 \\cr", "&= 5", "\\end{aligned}"]
    assert root.working == "s(1)[1] = W(1)[1,·] a(0) + b(1)[1] = 1·1 + (-2)·(-1) + 1·1 + 1 = 5"
