"""A student's training step against the engine's, array by array, in the order the algorithm makes them.

Each returned array is ✓ (within the tolerance of the engine's float64 array), ✗ root (their rule is wrong
here: it differs from the right rule applied to their own earlier arrays), ✗ carried (it follows from an
earlier wrong array), a shape that fits no layout, or not returned. The first wrong array gets its first
wrong entries, its equation with one sample's numbers, and a named diagnosis when a known bug reproduces it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from backprop_tutor.compare import rules
from backprop_tutor.compare.problem import Problem, Reference, reference
from backprop_tutor.compare.report import (
    ATOL,
    CARRIED,
    MISSING,
    RIGHT,
    ROOT,
    RTOL,
    RTOL_SINGLE,
    SHAPE,
    SHOWN_ENTRIES,
    Comparison,
    Entry,
    Row,
    where,
)
from backprop_tutor.compare.student import Returned, StudentFailed, call, ignored_keys, read
from backprop_tutor.compare.working import equation as working
from backprop_tutor.compare.working import n
from backprop_tutor.plural import plural

Array = np.ndarray
Key = tuple[str, int]


def order(L: int) -> list[Key]:
    """The arrays in the order the algorithm makes them: forward, δ(L)…δ(1), gradients, updates (L…1)."""
    forward = [(name, l) for l in range(1, L + 1) for name in ("s", "a")]
    backward = [("delta", l) for l in range(L, 0, -1)]
    gradients = [(name, l) for l in range(L, 0, -1) for name in ("grad_W", "grad_b")]
    updates = [(name, l) for l in range(L, 0, -1) for name in ("W", "b")]
    return forward + backward + gradients + updates


def compare_step(function: Callable[..., Any], problem: Problem) -> Comparison:
    """Call ``function`` on ``problem`` and compare what it returns with the engine's step."""
    result = Comparison(problem.title, problem.B)
    try:
        out = call(function, problem)
        ref = reference(problem)
        got = read(out, problem, ref.arrays)
        result.ignored = ignored_keys(out)
    except StudentFailed as failed:
        result.failed = failed.report
        return result
    return judge(problem, ref, got, result)


def judge(problem: Problem, ref: Reference, got: Returned, result: Comparison) -> Comparison:
    """Fill ``result``'s rows: each returned array against the engine's and against its own recomputation."""
    get = rules.Own(problem, got.arrays, ref.arrays)
    for key in order(problem.L):
        engine = ref.arrays[key]
        if key in got.problems:
            result.rows.append(_shape_row(key, problem, get, got))
        elif key not in got.arrays:
            result.rows.append(Row(key, MISSING))
        else:
            rtol = RTOL_SINGLE if key in got.single else RTOL
            result.rows.append(_row(key, got.arrays[key], engine, problem, get, got.notes.get(key, ""), rtol))
    result.nonfinite = _first_nonfinite(result.rows, got)
    first = result.first_wrong
    if first is not None and first.verdict != SHAPE:
        result.equation = equation(first, problem, get, ref)
    return result


def same(mine: Array, target: Array, rtol: float = RTOL) -> bool:
    """Within the tolerance everywhere (NaN only where the target is NaN too)."""
    with np.errstate(all="ignore"):
        scale = float(np.nanmax(np.abs(target), initial=0.0, where=np.isfinite(target)))
        close = np.abs(mine - target) <= rtol * scale + ATOL
    both_nan = np.isnan(mine) & np.isnan(target)
    same_inf = np.isinf(mine) & (mine == target)
    return bool(np.all(close | both_nan | same_inf))


def _row(key: Key, mine: Array, engine: Array, p: Problem, get: rules.Get, note: str, rtol: float) -> Row:
    def same_here(a: Array, b: Array) -> bool:
        return same(a, b, rtol)

    if same_here(mine, engine):
        return Row(key, RIGHT, _error(mine, engine), note=note)
    row = Row(key, ROOT, _error(mine, engine), _entries(mine, engine, rtol), note=note)
    if same_here(mine, get.right(*key)):
        row.verdict = CARRIED
        return row
    found = rules.diagnose(*key, p, get, mine, same_here)
    if found is not None:
        row.slip, row.says = found
    return row


def _shape_row(key: Key, p: Problem, get: rules.Get, got: Returned) -> Row:
    row = Row(key, SHAPE, note=got.problems[key])
    raw = got.raw.get(key)
    if raw is not None:
        found = rules.diagnose(*key, p, get, raw, same)
        if found is not None:
            row.slip, row.says = found
    return row


def _error(mine: Array, engine: Array) -> float:
    with np.errstate(all="ignore"):
        scale = float(np.max(np.abs(engine), initial=0.0)) or 1.0
        return float(np.max(np.abs(mine - engine), initial=0.0) / scale)


def _entries(mine: Array, engine: Array, rtol: float) -> list[Entry]:
    with np.errstate(all="ignore"):
        scale = float(np.nanmax(np.abs(engine), initial=0.0, where=np.isfinite(engine)))
        wrong = ~(np.abs(mine - engine) <= rtol * scale + ATOL)
    indices = (tuple(int(i) for i in row) for row in np.argwhere(wrong)[:SHOWN_ENTRIES])
    return [Entry(index, float(mine[index]), float(engine[index])) for index in indices]


def _first_nonfinite(rows: list[Row], got: Returned) -> str | None:
    for row in rows:
        arr = got.arrays.get(row.key)
        if arr is None or np.isfinite(arr).all():
            continue
        index = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        count = int((~np.isfinite(arr)).sum())
        return (f"{row.label} is the first array with NaN or inf: {arr[index]} at {where(row.key, index)} "
                f"({count} of its {arr.size} {plural(arr.size, 'entry', 'entries')})")
    return None


def equation(row: Row, p: Problem, own: rules.Own, ref: Reference) -> str:
    """The first wrong entry's equation with its sample's numbers, from the student's own earlier arrays."""
    index = row.entries[0].index if row.entries else (0,) * ref.arrays[row.key].ndim
    yours = f"; yours {n(row.entries[0].yours)}" if row.entries else ""
    return f"{working(row.key, index, p, own)} from your own earlier arrays{yours}, the engine's " \
           f"{n(ref.arrays[row.key][index])}"
