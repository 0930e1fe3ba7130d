"""Single-value numeric drills, one per cell and student: what a Canvas or Moodle quiz can hold. A quiz
question knows one number, so a value carried from an earlier slip gets no credit there (`tutor grade`,
Gradescope and PrairieLearn give it). Each drill's accepted range is our rule: |w − t| ≤ atol + rtol·|t|,
with an entry below 1e-10 × its quantity's largest entry allowed to be 0 (or --sigfigs N)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape

import numpy as np

from backprop_tutor.check.expected import Reference, reference_for
from backprop_tutor.check.layout import cell_name
from backprop_tutor.check.numbers import Tolerance
from backprop_tutor.grading.pl_question import input_name
from backprop_tutor.grading.roster import ClassSet, Problem
from backprop_tutor.notation import cell_text
from backprop_tutor.spec import load_spec
from backprop_tutor.worksheet.model import Quantity

#: Canvas stores a numerical answer below this magnitude as 0 (its numeric questions): such a value is
#: asked scaled by a power of ten instead, and the export says how many.
CANVAS_FLOOR = 1e-4
ZERO_FRACTION = 1e-10


@dataclass(frozen=True)
class Drill:
    """One cell of one student's problem: ask for ``value`` × 10^``scale``, right within ± ``margin``."""

    seed: int
    cell: str
    key: str
    quantity: Quantity
    value: float
    margin: float
    scale: int
    html: str

    @property
    def low(self) -> float:
        return self.value - self.margin

    @property
    def high(self) -> float:
        return self.value + self.margin


def margin_for(true: float, largest: float, tol: Tolerance) -> float:
    """How far a written number may be from ``true`` and be right, as `tutor check` judges it."""
    if tol.sigfigs:
        return 0.0 if true == 0 else 0.5 * 10 ** (math.floor(math.log10(abs(true))) - tol.sigfigs + 1)
    near = tol.rtol * abs(true)
    if tol.atol is not None:
        return near + tol.atol
    zero = ZERO_FRACTION * largest
    return near + (zero if abs(true) <= zero else 0.0)


def given_html(ref: Reference, problem: Problem) -> str:
    g = ref.given
    layers = "".join(f"<li>{cell_text('W', l)} = {_vec(g.W[l])}, {cell_text('b', l)} = {_vec(g.b[l])}, "
                     f"h = {escape(g.activations[l - 1])}</li>"
                     for l in range(1, len(g.activations) + 1))
    return (f"<p>Problem {problem.seed}: one SGD step of a {escape(problem.sizes)} network ({escape(g.loss)}), "
            f"x = {_vec(g.x)}, y = {_vec(g.y)}, η = {float(g.eta):g}.</p><ul>{layers}</ul>")


def _vec(values: np.ndarray) -> str:
    return escape(str(np.vectorize(lambda v: float(v))(np.asarray(values, dtype=object)).tolist())
                  .replace(".0,", ",").replace(".0]", "]"))


def problem_drills(problem: Problem, tol: Tolerance, floor: float = 0.0) -> list[Drill]:
    """Every cell of ``problem``'s worksheet as a drill; a value with 0 < |t| < ``floor`` outside its own
    margin of 0 is asked scaled by 10^k (k ≥ 1) so that a platform that zeroes tiny answers can take it."""
    ref = reference_for(load_spec(problem.spec))
    given = given_html(ref, problem)
    out = []
    for slot in ref.slots:
        values = ref.expected[(slot.quantity, slot.layer)]
        largest = max((abs(float(v)) for v in values.flat), default=0.0)
        for idx, v in np.ndenumerate(values):
            t = float(v)
            margin = margin_for(t, largest, tol)
            scale = math.ceil(-math.log10(abs(t))) if 0 < abs(t) < floor and margin < abs(t) else 0
            name = cell_name(slot.quantity, slot.layer, idx)
            ask = f"{name} × 10^{scale}" if scale else name
            html = (f"{given}<p>Compute <strong>{escape(ask)}</strong> ({escape(slot.meaning())}; units numbered "
                    "from 1).</p>")
            out.append(Drill(problem.seed, name, input_name(slot.quantity, slot.layer, idx), slot.quantity,
                             t * 10 ** scale, margin * 10 ** scale, scale, html))
    return out


def class_drills(klass: ClassSet, tol: Tolerance, floor: float = 0.0) -> list[list[Drill]]:
    """One group per cell, in the order a student works, each with one drill per problem (seed order)."""
    per_problem = [problem_drills(p, tol, floor) for p in sorted(klass.problems.values(), key=lambda p: p.seed)]
    klass.settings()  # one layout for every problem, or a clear message
    return [list(group) for group in zip(*per_problem, strict=True)]


def number(x: float) -> str:
    """A number as the quiz XML holds it: every digit a float has."""
    return repr(float(x)) if x != 0 else "0"
