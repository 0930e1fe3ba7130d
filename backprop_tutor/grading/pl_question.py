"""A PrairieLearn question's work: `generate(data, settings)` draws the student's problem from the variant
seed, `grade(data, settings)` checks the whole worksheet with `tutor check`'s checker and fills per-cell
partial scores and feedback (root / carried), so carried credit works across cells.

``data`` is PrairieLearn's question data (params, correct_answers, submitted_answers, partial_scores,
score, feedback); ``settings`` the exported question's (sizes, activations, credit policy, tolerance).
This module, and everything it imports, needs numpy and mpmath alone (PrairieLearn's Python image has
both: mpmath comes with sympy): no Textual, no h5py, no Rich.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from backprop_tutor.check.checker import Checker
from backprop_tutor.check.expected import Reference, reference_for
from backprop_tutor.check.layout import ascii_key, slots
from backprop_tutor.check.marking import Marked, Marking, Verdict
from backprop_tutor.check.numbers import Tolerance
from backprop_tutor.check.problems import MAX_SEED, ProblemSettings, problem_spec, random_problem, spec_toml
from backprop_tutor.grading.bundle import settings_from
from backprop_tutor.plural import count
from backprop_tutor.worksheet.model import Quantity


def input_name(quantity: Quantity, layer: int, index: tuple[int, ...]) -> str:
    """A cell's answers-name: s_2_1 for s(2)[1], grad_W_1_2_3 for ∇W(1)[2,3], C for C (units from 1)."""
    if quantity is Quantity.COST:
        return "C"
    return "_".join([ascii_key(quantity), str(layer), *(str(i + 1) for i in index)])


def cells(ref: Reference) -> list[tuple[Quantity, int, tuple[int, ...], Any]]:
    """Every cell of the worksheet, in the order a student works: (quantity, layer, index, true value)."""
    return [(slot.quantity, slot.layer, idx, value) for slot in ref.slots
            for idx, value in np.ndenumerate(ref.expected[(slot.quantity, slot.layer)])]


def problem_settings(settings: dict[str, Any]) -> ProblemSettings:
    return ProblemSettings(tuple(settings["sizes"]), settings["hidden"], settings["output"])


def generate(data: dict[str, Any], settings: dict[str, Any]) -> None:
    """The variant's problem (seed = the variant seed) and its true values as the correct answers."""
    seed = int(data["variant_seed"]) % (MAX_SEED + 1)
    problem = random_problem(seed, problem_settings(settings))
    ref = reference_for(problem_spec(problem, f"<variant {seed}>"))
    data["params"].update(seed=seed, spec=spec_toml(problem), eta=str(problem.eta),
                          x=str(problem.x), y=str(problem.y),
                          layers=[{"l": l, "W": str(layer.W), "b": str(layer.b), "h": layer.activation}
                                  for l, layer in enumerate(problem.layers, start=1)])
    for quantity, layer, index, value in cells(ref):
        data["correct_answers"][input_name(quantity, layer, index)] = float(value)


def grade(data: dict[str, Any], settings: dict[str, Any]) -> None:
    """Every cell judged against the truth and the student's own earlier values; partial scores by the
    credit policy (weight = the cell's points), the feedback of each cell, and the question's score."""
    policy, tolerance = settings_from(settings)
    marking = check_submission(data, settings, tolerance)
    for cell in marking.cells:
        earned, possible = policy.cell_points(cell)
        data["partial_scores"][input_name(cell.quantity, cell.layer, cell.index)] = {
            "score": earned / possible if possible else 0.0, "weight": possible, "feedback": cell_feedback(cell)}
    score, maximum = policy.score(marking)
    data["score"] = score / maximum if maximum else 0.0
    data["feedback"]["summary"] = summary_text(marking)


def check_submission(data: dict[str, Any], settings: dict[str, Any], tolerance: Tolerance) -> Marking:
    """The submitted numbers as an answer file, checked against the variant's spec."""
    submitted = data.get("submitted_answers", {})
    with tempfile.TemporaryDirectory() as tmp:
        spec = Path(tmp) / "spec.toml"
        spec.write_text(data["params"]["spec"], encoding="utf-8")
        doc: dict[str, Any] = {"spec": "spec.toml", "sample": 0, "layer": {}}
        for slot in slots(list(settings["sizes"]), settings["output"] != "softmax"):
            texts = np.full(slot.shape, "", dtype=object)
            for idx in np.ndindex(slot.shape):
                value = submitted.get(input_name(slot.quantity, slot.layer, idx))
                texts[idx] = "" if value is None else repr(value) if isinstance(value, float) else str(value)
            if slot.quantity is Quantity.COST:
                doc["C"] = texts[()]
            else:
                doc["layer"].setdefault(str(slot.layer), {})[ascii_key(slot.quantity)] = texts.tolist()
        answers = Path(tmp) / "answers.json"
        answers.write_text(json.dumps(doc), encoding="utf-8")
        return Checker(spec, tolerance).check(answers)


def cell_feedback(cell: Marked) -> str:
    if cell.verdict is Verdict.RIGHT:
        return ""
    if cell.verdict is Verdict.CARRIED:
        return f"Carried: {cell.note} (right from your own values)" + (f": {cell.yours}" if cell.yours else "")
    if cell.verdict is Verdict.ROOT:
        why = "; ".join(t for t in (cell.misconception, cell.note) if t)
        return f"Root mistake{': ' + why if why else ''}. Working: {cell.working}"
    return "Missing."


def summary_text(marking: Marking) -> str:
    t = marking.totals()
    first = marking.first_root
    head = f"{t['right']} right, {count(t['root'], 'root mistake')}, {t['carried']} carried, {t['missing']} missing."
    return head + (f" First root mistake: {first.name}. Working: {first.working}" if first else "")
