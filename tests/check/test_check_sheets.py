"""The checker on many simulated class sheets: random problems × kinds of slip × what is left blank ×
how the student rounds, each verdict against an independent simulation (`student_sim`).

A slip's cell is a root mistake; every later cell that differs from the truth follows from the
student's own values and is carried, whatever they left blank; nothing else is wrong. The number of
sheets grows with BACKPROP_TUTOR_SHEETS (default 48, fast enough for every run); BACKPROP_TUTOR_SHEETS_FROM
starts elsewhere.
"""

from __future__ import annotations

import copy
import json
import os
import random

import pytest
from student_sim import SLIPS, Problem, answer_doc, order, simulate

from backprop_tutor.check.answers import read_answers, written_values
from backprop_tutor.check.expected import reference_for
from backprop_tutor.check.marking import Marking, Verdict, mark
from backprop_tutor.check.misconceptions import WHOLE_QUANTITY, Slip
from backprop_tutor.check.numbers import Tolerance
from backprop_tutor.check.problems import ProblemSettings, problem_spec, random_problem
from backprop_tutor.spec import load_spec, resolve_example
from backprop_tutor.worksheet.model import Quantity as Q

SHEETS = int(os.environ.get("BACKPROP_TUTOR_SHEETS", "48"))
#: the first sheet's number: another range of problems and slips
FIRST = int(os.environ.get("BACKPROP_TUTOR_SHEETS_FROM", "0"))
SETTINGS = [ProblemSettings(), ProblemSettings(sizes=(2, 2, 2)), ProblemSettings(sizes=(4, 3, 3)),
            ProblemSettings(output="identity"), ProblemSettings(output="sigmoid", sizes=(2, 2, 2)),
            ProblemSettings(hidden="identity", sizes=(3, 2, 3))]


def _spec(i: int):
    """The i-th problem: the two built-in examples, a two-sample minibatch, then random problems."""
    if i % 8 == 0:
        return load_spec(resolve_example("hand-backprop" if i % 16 == 0 else "mazur-sigmoid")), 0
    if i % 8 == 1:
        spec = copy.deepcopy(load_spec(resolve_example("hand-backprop")))
        spec.x, spec.y = [spec.x[0], [0, 1, 2]], [spec.y[0], [1, 0, 0]]
        return spec, i % 2
    settings = SETTINGS[i % len(SETTINGS)]
    return problem_spec(random_problem(1000 + i, settings), f"random-{i}"), 0


def _blanks(kind: str, keys: list, slip_key, rng: random.Random) -> set:
    if kind == "course":  # the course's own worksheet: s, a, a', δ and the updated W, b; no C, ∇W, ∇b
        return {k for k in keys if k[0] in (Q.COST, Q.GRAD_W, Q.GRAD_B)} - {slip_key}
    if kind == "random":
        return {k for k in keys if rng.random() < 0.3} - {slip_key}
    return set()


def _sheet(i: int, tmp_path):
    rng = random.Random(i)
    spec, sample = _spec(i)
    ref = reference_for(spec, sample)
    p = Problem.of(ref, spec)
    keys = order(p)
    where = [(name, k) for name, (fits, _) in SLIPS.items() for k in keys if fits(p, k)]
    named = [w for w in where if w[0] != "arith"]
    slip, key = rng.choice(named if named and rng.random() < 0.6 else [w for w in where if w[0] == "arith"])
    blank = _blanks(rng.choice(["none", "course", "course", "random"]), keys, key, rng)
    digits = rng.choice([None, 4, 4, 3])
    sheet = simulate(p, sample, slip, key, blank, digits, rng, use_rounded=rng.random() < 0.7)
    path = tmp_path / f"sheet-{i}.json"
    path.write_text(json.dumps(answer_doc(sheet, "x", sample, digits)), encoding="utf-8")
    marking = mark(ref, written_values(read_answers(path), ref), Tolerance())
    return sheet, marking, (slip, key, sorted(blank), digits)


def _verdicts(marking: Marking) -> dict:
    return {((m.quantity, m.layer), m.index): m.verdict.value for m in marking.cells}


def _expected(sheet, slip: str) -> dict:
    """The simulation's verdicts; a slip made once for a whole quantity is one root verdict for it."""
    want = dict(sheet.verdicts)
    cells = {c: v for c, v in want.items() if c[0] == sheet.slip_key}
    roots = [c for c, v in cells.items() if v in ("root", "?")]
    if slip in {s.value for s in WHOLE_QUANTITY} and len(roots) >= 2 and set(cells.values()) <= {"root", "right", "?"}:
        for c in cells:  # one verdict for the quantity; the entries the slip left unchanged go with it
            del want[c]
        want[(sheet.slip_key, ())] = "?" if "?" in cells.values() else "root"
    return want


@pytest.mark.parametrize("i", range(FIRST, FIRST + SHEETS))
def test_every_verdict_of_a_simulated_sheet(i, tmp_path):
    sheet, marking, how = _sheet(i, tmp_path)
    got, want = _verdicts(marking), _expected(sheet, how[0])
    wrong = {c: (got.get(c), v) for c, v in want.items() if got.get(c) != v and v != "?"}
    assert not wrong, (how, wrong, [m for m in marking.cells if (m.quantity, m.layer) in {c[0] for c in wrong}])
    roots = [m for m in marking.cells if m.verdict is Verdict.ROOT]
    assert len(roots) <= 1 or all(m.quantity == sheet.slip_key[0] and m.layer == sheet.slip_key[1] for m in roots)
    if how[0] != "arith" and roots:  # a planted misconception is named
        assert {m.misconception for m in roots} == {Slip(how[0]).value}, (how, roots)
