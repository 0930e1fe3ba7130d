"""Marking a worksheet cell by cell: right, root mistake, carried mistake, missing, wrong shape.

Each written number is judged against the engine's value first ("try without replacements first",
as Numbas does): if it is right, it is right, whatever came before it. If not, the quantity is
recomputed from the student's own earlier values (`recompute`); a number that follows from them is
*carried* (the mistake was made earlier), one that does not is a *root* mistake. A quantity written
in the wrong shape (transposed, too few values) is named as such, once.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import Any

import mpmath
import numpy as np

from backprop_tutor.check.answers import Written
from backprop_tutor.check.expected import Reference
from backprop_tutor.check.layout import MATRICES, Slot, cell_name
from backprop_tutor.check.numbers import Tolerance, judge, to_mpf
from backprop_tutor.check.recompute import Values, inputs_of, recompute
from backprop_tutor.check.working import quantity_equation, working
from backprop_tutor.numbers.certain import EXACT_DIGITS
from backprop_tutor.numbers.format import fmt
from backprop_tutor.worksheet.model import Quantity

Key = tuple[Quantity, int]


class Verdict(StrEnum):
    RIGHT = "right"
    ROOT = "root"
    CARRIED = "carried"
    MISSING = "missing"
    SHAPE = "shape"

    @property
    def mark(self) -> str:
        return {"right": "✓", "root": "✗ root", "carried": "✗ carried", "missing": "missing",
                "shape": "✗ shape"}[self.value]


@dataclass(frozen=True)
class Marked:
    """One cell's verdict. ``index`` is 0-based; () for C and for a quantity of the wrong shape."""

    quantity: Quantity
    layer: int
    index: tuple[int, ...]
    written: str | None
    expected: Any
    verdict: Verdict
    note: str = ""
    #: for a root mistake: the correct working of this cell, numbers substituted
    working: str = ""
    #: for a wrong cell: the quantity's equation from the equations module, true numbers substituted
    equation: str = ""
    #: for a wrong cell: this cell's working from the student's own earlier values (what their inputs give)
    yours: str = ""

    @property
    def name(self) -> str:
        return cell_name(self.quantity, self.layer, self.index) if self.index or self.quantity is Quantity.COST \
            else f"{self.quantity}({self.layer})"


@dataclass
class Marking:
    title: str
    cells: list[Marked]
    tolerance: Tolerance
    #: the first root mistake in the order a student works
    first_root: Marked | None = None
    #: the files the marking read, {what: path}: no report may be written over one of them
    inputs: dict[str, Path | None] = field(default_factory=dict)

    def totals(self) -> dict[str, int]:
        counts = Counter(m.verdict for m in self.cells)
        return {v.value: counts.get(v, 0) for v in Verdict}

    @property
    def all_right(self) -> bool:
        return bool(self.cells) and all(m.verdict is Verdict.RIGHT for m in self.cells)


class Marker:
    """Marks the quantities one at a time, in the order a student computes them (`ref.slots`), keeping
    the student's own values for the quantities after: what `mark` does for a file, and practice for
    each value as it is typed."""

    def __init__(self, ref: Reference, tol: Tolerance) -> None:
        self.ref, self.tol = ref, tol
        self.L = len(ref.given.activations)
        self.elementwise = ref.given.activations[-1] != "softmax"
        self.own: Values = {}  # the student's values where written, the truth elsewhere
        self.mine: Values = {}  # each quantity recomputed from the student's own earlier values
        self.wrong: set[Key] = set()  # quantities with a value that differs from the truth
        self._equations: dict[Key, str] = {}

    def mark(self, slot: Slot, written: Written | None) -> list[Marked]:
        """The verdicts of ``slot`` (None or blank: missing, and the truth is used after it)."""
        key, ref = (slot.quantity, slot.layer), self.ref
        self.mine[key] = recompute(slot, self.own, ref.expected, ref.given)
        theirs = [k for k in inputs_of(slot, self.L, self.elementwise) if k in self.wrong]
        marked, self.own[key] = _mark_quantity(slot, written, ref.expected[key], self.mine[key], theirs, self.tol)
        if slot.quantity is Quantity.S and written is not None and not written.blank:
            marked = _bias_left_out(marked, written, self.mine[key] - ref.given.b[slot.layer], self.tol)
        if any(m.verdict in (Verdict.ROOT, Verdict.CARRIED, Verdict.SHAPE) for m in marked):
            self.wrong.add(key)
        return [self._with_working(m) for m in marked]

    def _with_working(self, m: Marked) -> Marked:
        """A wrong cell with its quantity's equation; a root mistake with its correct working; a root or
        carried cell whose inputs the student changed with what those inputs give."""
        if m.verdict not in (Verdict.ROOT, Verdict.CARRIED):
            return m
        key = (m.quantity, m.layer)
        if key not in self._equations:
            self._equations[key] = quantity_equation(self.ref, *key)
        m = replace(m, equation=self._equations[key])
        if m.verdict is Verdict.ROOT:
            m = replace(m, working=working(m, self.ref))
        if m.verdict is Verdict.CARRIED or m.note.startswith("your own inputs"):
            m = replace(m, yours=working(m, self.ref, self.own, self.mine[key][m.index]))
        return m


def mark(ref: Reference, written: dict[Key, Written], tol: Tolerance) -> Marking:
    """Mark every quantity of the worksheet, in the order a student computes them."""
    marker = Marker(ref, tol)
    cells = [m for slot in ref.slots for m in marker.mark(slot, written.get((slot.quantity, slot.layer)))]
    return Marking(ref.title, cells, tol, first_root=next((m for m in cells if m.verdict is Verdict.ROOT), None))


def _mark_quantity(slot: Slot, written: Written | None, true: np.ndarray, mine: np.ndarray, theirs: list[Key],
                   tol: Tolerance) -> tuple[list[Marked], np.ndarray]:
    """The verdicts of one quantity, and the values later quantities are recomputed from."""
    if written is None or written.blank:
        return [Marked(slot.quantity, slot.layer, idx, None, t, Verdict.MISSING, _missing_note(slot))
                for idx, t in np.ndenumerate(true)], true
    if written.values.shape != slot.shape:
        return [Marked(slot.quantity, slot.layer, (), _shape_text(written), true, Verdict.SHAPE,
                       _shape_note(slot, written, true, tol))], true
    scale, scale_mine = _largest(true), _largest(mine)
    values = true.copy()
    out: list[Marked] = []
    for idx, t in np.ndenumerate(true):
        w, text = written.values[idx], str(written.texts[idx])
        if w is None:
            out.append(Marked(slot.quantity, slot.layer, idx, None, t, Verdict.MISSING))
            continue
        values[idx] = to_mpf(w)
        right = judge(w, t, scale, tol)
        if right.right:
            note = f"exact value {fmt(t, 4)}; {text} is within the tolerance" if right.by_atol else ""
            out.append(Marked(slot.quantity, slot.layer, idx, text, t, Verdict.RIGHT, note))
        elif theirs and judge(w, mine[idx], scale_mine, tol).right:
            yours = ", ".join(f"{q}({l})" for q, l in theirs)
            out.append(Marked(slot.quantity, slot.layer, idx, text, t, Verdict.CARRIED, f"follows from your {yours}"))
        else:
            differs = not judge(mine[idx], t, scale, tol).right
            note = f"your own inputs give {fmt(mine[idx], 4)}" if differs else ""
            out.append(Marked(slot.quantity, slot.layer, idx, text, t, Verdict.ROOT, note))
    return _transposed(slot, written, true, tol, out), values


def _bias_left_out(marked: list[Marked], written: Written, without_b: np.ndarray, tol: Tolerance) -> list[Marked]:
    """s(l) written as W(l) a(l-1) alone: say that the bias was left out."""
    scale = _largest(without_b)
    return [replace(m, note=f"this is W({m.layer}) a({m.layer - 1}) without + b({m.layer}): the bias is missing")
            if m.verdict is Verdict.ROOT and judge(written.values[m.index], without_b[m.index], scale, tol).right
            else m for m in marked]


def _transposed(slot: Slot, written: Written, true: np.ndarray, tol: Tolerance, out: list[Marked]) -> list[Marked]:
    """A square matrix written transposed: one shape verdict instead of a cell per wrong number."""
    if slot.quantity not in MATRICES or slot.shape[0] != slot.shape[1] or slot.shape[0] < 2 or \
            all(m.verdict is Verdict.RIGHT for m in out) or not _matches(written.values.T, true, tol):
        return out
    note = (f"transposed: you wrote {slot.name}ᵀ; {slot.name} has one row per unit of layer {slot.layer} "
            f"(units out × units in)")
    return [Marked(slot.quantity, slot.layer, (), _shape_text(written), true, Verdict.SHAPE, note)]


def _matches(values: np.ndarray, true: np.ndarray, tol: Tolerance) -> bool:
    scale = _largest(true)
    return values.shape == true.shape and all(
        v is not None and judge(v, t, scale, tol).right for v, t in zip(values.flat, true.flat, strict=True))


def _shape_note(slot: Slot, written: Written, true: np.ndarray, tol: Tolerance) -> str:
    got, want = written.values.shape, slot.shape
    if len(want) == 2 and got == want[::-1]:
        hint = " (and its values are those of the transpose)" if _matches(written.values.T, true, tol) else ""
        return (f"transposed: written {got[0]}×{got[1]}, but {slot.name} is {want[0]}×{want[1]} (units out × units "
                f"in: one row per unit of layer {slot.layer}){hint}")
    if len(want) == 1 and len(got) == 1:
        return (f"a vector of the wrong length: written with {got[0]} values, but layer {slot.layer} has "
                f"{want[0]} units")
    if len(want) == 2 and len(got) == 1 and got[0] == want[0] * want[1]:
        return f"written as one list of {got[0]} values; {slot.name} is {want[0]}×{want[1]}: one row per unit"
    shape = "×".join(map(str, want)) if want else "one number"
    return f"the wrong shape: written {'×'.join(map(str, got)) or 'as one number'}, but {slot.name} is {shape}"


def _missing_note(slot: Slot) -> str:
    if slot.quantity is Quantity.B_NEW:
        return f"missing bias: the update changes b({slot.layer}) too, b({slot.layer}) ← b({slot.layer}) − η ∇b"
    return ""


def _shape_text(written: Written) -> str:
    rows = written.texts.tolist()
    return str(rows).replace("'", "")


def _largest(values: np.ndarray) -> Any:
    with mpmath.workdps(EXACT_DIGITS):
        return max((abs(mpmath.mpf(v)) for v in values.flat), default=mpmath.mpf(0))

