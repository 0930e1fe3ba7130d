"""Marking a worksheet cell by cell: right, root mistake, carried mistake, missing, wrong shape.

Each written number is judged against the engine's value first ("try without replacements first",
as Numbas does): if it is right, it is right, whatever came before it. If not, the quantity is
recomputed from the student's own earlier values (`recompute`); a number that follows from them is
*carried* (the mistake was made earlier), one that does not is a *root* mistake. A quantity written
in the wrong shape (transposed, too few values) is named as such, once.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from fractions import Fraction
from pathlib import Path
from typing import Any

import mpmath
import numpy as np

from backprop_tutor.check.answers import Written
from backprop_tutor.check.expected import Reference
from backprop_tutor.check.layout import MATRICES, Slot, cell_name
from backprop_tutor.check.misconceptions import WHOLE_QUANTITY, Candidate, candidates
from backprop_tutor.check.numbers import Tolerance, Typed, judge, to_mpf
from backprop_tutor.check.recompute import Band, Route, Values, routes
from backprop_tutor.check.working import quantity_equation, working
from backprop_tutor.notation import cell_text
from backprop_tutor.numbers.certain import EXACT_DIGITS
from backprop_tutor.numbers.format import fmt
from backprop_tutor.plural import count
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
    #: for a root mistake a known wrong rule gives: its name (`misconceptions.Slip`), else ""
    misconception: str = ""

    @property
    def name(self) -> str:
        return cell_name(self.quantity, self.layer, self.index)


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
    each value as it is typed.

    ``own`` holds, per quantity, what the student wrote, and for a cell left blank what their own
    written values imply (recomputed in order): a blank is not the true value. ``differs`` names the
    quantities whose values differ from the truth, each with the written quantities it follows from."""

    def __init__(self, ref: Reference, tol: Tolerance) -> None:
        self.ref, self.tol = ref, tol
        self.own: Values = {}
        self.differs: dict[Key, tuple[Key, ...]] = {}
        self.blank: set[Key] = set()
        #: a square matrix written transposed, as written (a student may go on with it as it stands)
        self.as_written: Values = {}
        #: how many of the student's rounded numbers show each number of significant digits
        self.digits: Counter[int] = Counter()
        #: other readings of the student's blanks, each with the blank read otherwise: a blank a'(l) by its other
        #: route (from a(l), not s(l)), and every blank after it recomputed from that (at most MAX_WORLDS)
        self.worlds: list[tuple[Values, Key]] = []
        #: each blank quantity as the student's rounded values give it (intervals)
        self.wide: Values = {}

    def mark(self, slot: Slot, written: Written | None) -> list[Marked]:
        """The verdicts of ``slot`` (None or blank: missing, and what their own values give is used after it)."""
        key = (slot.quantity, slot.layer)
        if written is not None and not written.blank and written.values.shape == slot.shape:
            self.digits.update(v.digits for v in written.values.flat if isinstance(v, Typed) and v.digits >= 2)
            cells = _Cells(self, slot, written)  # the routes are computed only if a cell is not right
            marked, values = cells.marked()
            self._keep(key, values, lambda: cells.found[0].inputs, any(m.verdict in _MISTAKES for m in marked))
            for world, _ in self.worlds:
                world[key] = values
            return [self._with_working(m) for m in marked]
        found = routes(slot, self.own, self.ref.expected, self.ref.given)
        if written is None or written.blank:
            self.blank.add(key)
            note = _missing_note(slot, self.own, self.blank)
            marked = [Marked(slot.quantity, slot.layer, idx, None, t, Verdict.MISSING, note)
                      for idx, t in np.ndenumerate(self.ref.expected[key])]
            self._keep(key, found[0].value, lambda: found[0].inputs, written=False)
            self.wide[key] = routes(slot, self.own, self.ref.expected, self.ref.given, self.band())[0].value
            self._blank_in_worlds(slot, found)
            return marked
        marked, values = self._shape(slot, written, found)
        self._keep(key, values, lambda: found[0].inputs, written=any(m.verdict in _MISTAKES for m in marked))
        for world, _ in self.worlds:
            world[key] = values
        return [self._with_working(m) for m in marked]

    def _blank_in_worlds(self, slot: Slot, found: list[Route]) -> None:
        """A blank recomputed in every other reading of the student's values; a blank with a second route
        (a'(l) from a(l)) opens one more reading."""
        key, ref = (slot.quantity, slot.layer), self.ref
        for world, _ in self.worlds:
            world[key] = routes(slot, world, ref.expected, ref.given)[0].value
        for other in found[1:]:
            if len(self.worlds) < MAX_WORLDS:
                self.worlds.append(({**self.own, key: other.value}, key))

    def band(self) -> Band:
        """The rounding of the student's values: as they usually round what they write (the most common
        number of significant digits among their rounded numbers; 3 until one is seen)."""
        digits = self.digits.most_common(1)[0][0] if self.digits else 3
        return Band(frozenset(self.blank), Fraction(1, 2 * 10 ** (digits - 1)), dict(self.wide))

    def reveal(self, slot: Slot) -> list[Marked]:
        """Practice: the student asked for the value; it is shown, so the true value is used after it."""
        key = (slot.quantity, slot.layer)
        self.blank.add(key)
        self.own[key] = self.ref.expected[key]
        for world, _ in self.worlds:
            world[key] = self.own[key]
        return [Marked(slot.quantity, slot.layer, idx, None, t, Verdict.MISSING, "revealed")
                for idx, t in np.ndenumerate(self.ref.expected[key])]

    def _keep(self, key: Key, values: np.ndarray, inputs: Callable[[], tuple[Key, ...]], written: bool) -> None:
        """Keep the student's values of ``key`` for what follows, and whether they hold a mistake: a wrong
        value written (``written``), or a blank that differs from the truth because its inputs do (a value
        off only by the student's rounding is no mistake)."""
        self.own[key] = values
        true = self.ref.expected[key]
        scale = _largest(true)
        if all(judge(v, t, scale, self.tol).right for v, t in zip(values.flat, true.flat, strict=True)):
            return
        sources = [s for k in inputs() if k in self.differs for s in self.differs[k]]
        if written or sources:
            self.differs[key] = (key,) if written else tuple(dict.fromkeys(sources))

    def follows_note(self, inputs: list[Key]) -> str:
        """"follows from your δ(2)"; through a blank, "follows from your δ(2), through ∇W(2), which you left blank"."""
        parts = []
        for k in inputs:
            if k in self.blank:
                names = " and ".join(_name(s) for s in self.differs.get(k, ()))
                parts.append(f"{names}, through {_name(k)}, which you left blank" if names
                             else f"{_name(k)}, which you left blank")
            else:
                parts.append(_name(k))
        return "follows from your " + "; and your ".join(parts)

    def _shape(self, slot: Slot, written: Written, found: list[Route]) -> tuple[list[Marked], np.ndarray]:
        """A quantity written in the wrong shape: one verdict. A transposed matrix is read back transposed for
        what follows; any other shape by what the student's own values give."""
        true, mine = self.ref.expected[(slot.quantity, slot.layer)], found[0].value
        values = mine
        if len(slot.shape) == 2 and written.values.shape == slot.shape[::-1]:  # read back transposed
            values = np.where(np.equal(written.values.T, None), mine, written.values.T)
        note = _shape_note(slot, written, true, mine, self.tol)
        return [Marked(slot.quantity, slot.layer, (), _shape_text(written), true, Verdict.SHAPE, note)], values

    def _with_working(self, m: Marked) -> Marked:
        """A wrong cell with its quantity's equation; a root mistake with its correct working."""
        if m.verdict not in (Verdict.ROOT, Verdict.CARRIED):
            return m
        key = (m.quantity, m.layer)
        m = replace(m, equation=quantity_equation(self.ref, *key))  # written once per problem (Reference.equations)
        if m.verdict is Verdict.ROOT and (m.index or m.quantity is Quantity.COST):
            m = replace(m, working=working(m, self.ref))
        return m


def mark(ref: Reference, written: dict[Key, Written], tol: Tolerance) -> Marking:
    """Mark every quantity of the worksheet, in the order a student computes them."""
    marker = Marker(ref, tol)
    cells = [m for slot in ref.slots for m in marker.mark(slot, written.get((slot.quantity, slot.layer)))]
    return Marking(ref.title, cells, tol, first_root=next((m for m in cells if m.verdict is Verdict.ROOT), None))


class _Cells:
    """One written quantity of the right shape, marked cell by cell: right against the truth first; then
    whether it follows from the student's own values (carried); else a root mistake, named if a known
    misconception gives it."""

    def __init__(self, marker: Marker, slot: Slot, written: Written) -> None:
        self.marker, self.slot, self.written = marker, slot, written
        self.key = (slot.quantity, slot.layer)
        self.true = marker.ref.expected[self.key]
        self.scale = _largest(self.true)
        self._banded: list[Route] | None = None
        self._candidates: dict[bool, list[Candidate]] = {}

    @functools.cached_property
    def found(self) -> list[Route]:
        """The quantity by each route from the student's own values (computed when a cell needs it)."""
        ref = self.marker.ref
        return routes(self.slot, self.marker.own, ref.expected, ref.given)

    def marked(self) -> tuple[list[Marked], np.ndarray]:
        values = np.empty(self.true.shape, dtype=object)
        out = []
        for idx, t in np.ndenumerate(self.true):
            w = self.written.values[idx]
            if w is None:  # a blank cell: what the student's own values give
                values[idx] = self.found[0].value[idx]
                out.append(Marked(self.slot.quantity, self.slot.layer, idx, None, t, Verdict.MISSING))
                continue
            values[idx] = w
            out.append(self._cell(idx, w, str(self.written.texts[idx]), t))
        if not any(m.verdict is Verdict.ROOT for m in out):
            return out, values
        out = _named(self.marker, self.slot, self.written, out, self.candidates)
        if all(m.misconception for m in out if m.verdict is Verdict.ROOT):  # a named slip explains every root
            return out, values
        transposed = _transposed(self.slot, self.written, self.true, self.found[0].value, self.marker.tol, out)
        if transposed is not out:
            self.marker.as_written[self.key] = values
            values = np.asarray(self.written.values.T, dtype=object)
        return transposed, values

    def _cell(self, idx: tuple[int, ...], w: Any, text: str, t: Any) -> Marked:
        """One written number: right against the truth; else carried if it follows from the student's own
        values (by a route, within their rounding, or by another reading of them); else a root mistake."""
        q, l, tol = self.slot.quantity, self.slot.layer, self.marker.tol
        right = judge(w, t, self.scale, tol)
        if right.right:
            note = f"exact value {fmt(t)}; {text} is within the tolerance" if right.by_atol else ""
            return Marked(q, l, idx, text, t, Verdict.RIGHT, note)
        route, rounded = self._route(idx, w)
        if route is None:
            return self._other_reading(idx, w, text, t) or self._root(idx, text, t)
        differs = self.marker.differs
        # a route may go round a mistake that is within the tolerance (a'(l) from a right a(l) whose wrong s(l)
        # moved it): the mistakes of every route's inputs count
        inputs = [k for k in route.inputs if k in differs] or list(dict.fromkeys(
            k for r in self.found for k in r.inputs if k in differs))
        if not inputs:  # the student's own values are right; rounding them moved this one: no mistake
            if rounded and not self._noise(idx) and self._slip_gives(idx, w, banded=True):  # never call a slip right
                return Marked(q, l, idx, text, t, Verdict.ROOT)
            return Marked(q, l, idx, text, t, Verdict.RIGHT,
                          f"exact value {fmt(t)}; {text} follows from your own rounded values")
        m = Marked(q, l, idx, text, t, Verdict.CARRIED, self.marker.follows_note(inputs))
        return replace(m, yours=working(m, self.marker.ref, self.marker.own, route.value[idx], route.via))

    def _route(self, idx: tuple[int, ...], w: Any) -> tuple[Route | None, bool]:
        """The route ``w`` follows from the student's values as written, else within their rounding (then
        True); a known wrong rule beats rounding as an excuse, unless the rounding leaves even the sign of this
        cell open (a difference of rounded numbers that cancel: then no rule can be told from noise)."""
        route = self._follows(idx, w, self.found)
        if route is None and (not self._slip_gives(idx, w) or self._noise(idx)):
            return self._follows(idx, w, self.banded()), True
        return route, False

    def _other_reading(self, idx: tuple[int, ...], w: Any, text: str, t: Any) -> Marked | None:
        """Carried, if ``w`` follows from another reading of the student's values (`readings`)."""
        for values, key, how in self.readings():
            if (other := self._follows(idx, w, self._other_routes(values))) is not None:
                inputs = [k for k in other.inputs if k in self.marker.differs or k == key]
                m = Marked(self.slot.quantity, self.slot.layer, idx, text, t, Verdict.CARRIED,
                           self.marker.follows_note(inputs) + how)
                return replace(m, yours=working(m, self.marker.ref, values, other.value[idx], other.via))
        return None

    def _root(self, idx: tuple[int, ...], text: str, t: Any) -> Marked:
        """A root mistake, with what the student's own values give when their inputs were wrong."""
        mine, tol = self.found[0].value[idx], self.marker.tol
        differs = [k for k in self.found[0].inputs if k in self.marker.differs]
        note = f"your own values give {fmt(mine)}" if differs and not judge(mine, t, self.scale, tol).right else ""
        return Marked(self.slot.quantity, self.slot.layer, idx, text, t, Verdict.ROOT, note)

    def _follows(self, idx: tuple[int, ...], w: Any, found: list[Route]) -> Route | None:
        """The first route whose value from the student's own values is ``w`` (within the tolerance)."""
        for route in found:
            scale = max(self.scale, _largest(route.value))
            if judge(w, route.value[idx], scale, self.marker.tol).right:
                return route
        return None

    def readings(self) -> list[tuple[Values, Key, str]]:
        """Other readings of the student's earlier values, each with the quantity read otherwise and how: a
        transposed square matrix used as they wrote it; a blank a'(l) by its other route, and what follows it."""
        m = self.marker
        used = {k for r in self.found for k in r.inputs}
        out = [({**m.own, k: m.as_written[k]}, k, ", as you wrote it (transposed)") for k in used & m.as_written.keys()]
        return out + [(world, k, "") for world, k in m.worlds if any(world[u] is not m.own[u] for u in used)]

    def _other_routes(self, values: Values) -> list[Route]:
        ref = self.marker.ref
        return routes(self.slot, values, ref.expected, ref.given)

    def candidates(self, banded: bool = False) -> list[Candidate]:
        """The quantity's values under each known wrong rule, from the student's values (as written, or widened
        by their rounding; each computed once)."""
        if banded not in self._candidates:
            ref, m = self.marker.ref, self.marker
            self._candidates[banded] = candidates(self.slot.quantity, self.slot.layer, m.own, ref.expected,
                                                  ref.given, m.band() if banded else None)
        return self._candidates[banded]

    def _noise(self, idx: tuple[int, ...]) -> bool:
        """The student's rounding leaves the sign of this cell open: its value by every route, widened by the
        rounding, holds 0 (never for C, which is ≥ 0 whatever the intervals say)."""
        return self.slot.quantity is not Quantity.COST and all(
            r.value[idx].lo <= 0 <= r.value[idx].hi for r in self.banded())

    def _slip_gives(self, idx: tuple[int, ...], w: Any, banded: bool = False) -> bool:
        """A known wrong rule gives ``w``, where it gives something else than the right rule (h' left out
        where h' = 1 is no slip); widened by the student's rounding, only where the rounding still tells the
        wrong rule from every route of the right one."""
        tol, right = self.marker.tol, self.found[0].value
        point = {(c.misconception, n): v for c in self.candidates() for n, v in enumerate(c.values)}
        return any(judge(w, v[idx], _largest(v), tol).right
                   and (c.misconception, n) in point
                   and not judge(point[(c.misconception, n)][idx], right[idx], _largest(right), tol).right
                   and not (banded and any(_overlap(v[idx], r.value[idx]) and not _nearer(w, v[idx], r.value[idx])
                                           for r in self.banded()))
                   for c in self.candidates(banded) for n, v in enumerate(c.values))

    def banded(self) -> list[Route]:
        """The routes with each written input widened by its rounding (computed once, when needed)."""
        if self._banded is None:
            ref = self.marker.ref
            self._banded = routes(self.slot, self.marker.own, ref.expected, ref.given, self.marker.band())
        return self._banded


def _overlap(a: Any, b: Any) -> bool:
    """Two exact-mode intervals share a number."""
    return bool(a.lo <= b.hi and b.lo <= a.hi)


def _nearer(w: Any, a: Any, b: Any) -> bool:
    """``w`` is nearer the middle of interval ``a`` than of ``b``: where the student's rounding allows both,
    the rule whose value is nearer what they wrote is the likelier one."""
    with mpmath.workdps(EXACT_DIGITS):
        w = to_mpf(w)
        return bool(abs(w - mpmath.mpf(a)) < abs(w - mpmath.mpf(b)))


def _named(marker: Marker, slot: Slot, written: Written, out: list[Marked],
           point: Callable[[], list[Candidate]]) -> list[Marked]:
    """Root mistakes named by the misconception that gives them; a slip made once for a whole quantity
    (the update's sign, η left out, a summed gradient) named once for the quantity."""
    roots = [m for m in out if m.verdict is Verdict.ROOT]
    if not roots:
        return out
    ref = marker.ref
    named = _names(roots, written, marker, point())
    if None in named.values():  # the student's rounding may hide a rule: try their values widened by it
        banded = candidates(slot.quantity, slot.layer, marker.own, ref.expected, ref.given, marker.band())
        named = {i: c or _names([m for m in roots if m.index == i], written, marker, banded)[i]
                 for i, c in named.items()}
    slips = {c.misconception.slip for c in named.values() if c is not None}
    others_right = all(m.verdict in (Verdict.ROOT, Verdict.RIGHT) for m in out)
    if len(roots) >= 2 and len(slips) == 1 and None not in named.values() and slips <= WHOLE_QUANTITY and others_right:
        c = next(iter(named.values()))
        assert c is not None  # one verdict for the whole quantity, as for a wrong shape: its entries that the slip
        # left unchanged (a zero gradient) are not counted apart
        return [Marked(slot.quantity, slot.layer, (), _shape_text(written), ref.expected[(slot.quantity, slot.layer)],
                       Verdict.ROOT, c.says(slot.layer, ref.given), misconception=c.misconception.slip.value)]
    return [m if m.verdict is not Verdict.ROOT else _with_name(m, named[m.index], ref) for m in out]


def _names(roots: list[Marked], written: Written, marker: Marker, found: list[Candidate]
           ) -> dict[tuple[int, ...], Candidate | None]:
    """Each root cell's misconception: the rule that gives the most of the quantity's root cells first (a
    softmax without e gives 0 where s = 0, which "the activation left out" gives too)."""
    def gives(c: Candidate, m: Marked) -> bool:
        w = written.values[m.index]
        return any(judge(w, v[m.index], _largest(v), marker.tol).right for v in c.values)

    ranked = sorted(found, key=lambda c: -sum(gives(c, m) for m in roots))
    return {m.index: next((c for c in ranked if gives(c, m)), None) for m in roots}


def _with_name(m: Marked, c: Candidate | None, ref: Reference) -> Marked:
    if c is not None:
        return replace(m, note=c.says(m.layer, ref.given), misconception=c.misconception.slip.value)
    plain = "no common slip gives this value: compare your arithmetic with the working"
    return replace(m, note=f"{plain}; {m.note}" if m.note else plain)


#: the most other readings of a student's blanks tried (each costs a recomputation of the later cells)
MAX_WORLDS = 4

#: verdicts of a written value that holds a mistake (its own or carried)
_MISTAKES = frozenset({Verdict.ROOT, Verdict.CARRIED, Verdict.SHAPE})


def _name(key: Key) -> str:
    q, l = key
    return cell_name(q, l, ())


def _transposed(slot: Slot, written: Written, true: np.ndarray, mine: np.ndarray, tol: Tolerance,
                out: list[Marked]) -> list[Marked]:
    """A square matrix written transposed (its numbers right, or following from the student's own values):
    one shape verdict instead of a cell per wrong number."""
    if slot.quantity not in MATRICES or slot.shape[0] != slot.shape[1] or slot.shape[0] < 2 or \
            not any(m.verdict is Verdict.ROOT for m in out):
        return out
    numbers = _numbers(written.values.T, true, mine, tol)
    if numbers is None:
        return out
    note = (f"transposed: you wrote {slot.name}ᵀ; {slot.name} has one row per unit of layer {slot.layer} "
            f"(units out × units in); {numbers}")
    return [Marked(slot.quantity, slot.layer, (), _shape_text(written), true, Verdict.SHAPE, note)]


def _numbers(values: np.ndarray, true: np.ndarray, mine: np.ndarray, tol: Tolerance) -> str | None:
    """Whether the numbers of a transposed matrix, read back transposed, are right (or follow from the
    student's own values); None when they are neither."""
    if _matches(values, true, tol):
        return "its numbers, transposed back, are right"
    if _matches(values, mine, tol):
        return "its numbers, transposed back, follow from your own values"
    return None


def _matches(values: np.ndarray, true: np.ndarray, tol: Tolerance) -> bool:
    scale = _largest(true)
    return values.shape == true.shape and all(
        v is not None and judge(v, t, scale, tol).right for v, t in zip(values.flat, true.flat, strict=True))


def _shape_note(slot: Slot, written: Written, true: np.ndarray, mine: np.ndarray, tol: Tolerance) -> str:
    got, want = written.values.shape, slot.shape
    if len(want) == 2 and got == want[::-1]:
        numbers = _numbers(written.values.T, true, mine, tol) or "its numbers, transposed back, are not right either"
        return (f"transposed: written {got[0]}×{got[1]}, but {slot.name} is {want[0]}×{want[1]} (units out × units "
                f"in: one row per unit of layer {slot.layer}); {numbers}")
    if len(want) == 1 and len(got) == 1:
        return (f"a vector of the wrong length: written with {count(got[0], 'value')}, but layer {slot.layer} has "
                f"{count(want[0], 'unit')}")
    if len(want) == 2 and len(got) == 1 and got[0] == want[0] * want[1]:
        return f"written as one list of {count(got[0], 'value')}; {slot.name} is {want[0]}×{want[1]}: one row per unit"
    shape = "×".join(map(str, want)) if want else "one number"
    return f"the wrong shape: written {'×'.join(map(str, got)) or 'as one number'}, but {slot.name} is {shape}"


def _missing_note(slot: Slot, own: Values, blank: set[Key]) -> str:
    """A blank b(l) new beside a written W(l) new: the bias update was forgotten."""
    W_new = (Quantity.W_NEW, slot.layer)
    if slot.quantity is Quantity.B_NEW and W_new in own and W_new not in blank:
        b = cell_text("b", slot.layer)
        return f"missing bias: the update changes {b} too, {b} ← {b} − η ∇b"
    return ""


def _shape_text(written: Written) -> str:
    rows = written.texts.tolist()
    return str(rows).replace("'", "")


def _largest(values: np.ndarray) -> Any:
    with mpmath.workdps(EXACT_DIGITS):
        return max((abs(mpmath.mpf(v)) for v in values.flat), default=mpmath.mpf(0))

