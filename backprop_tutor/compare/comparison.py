"""A student's training step against the engine's, array by array, in the order the algorithm makes them.

Each returned array is ✓ (within the tolerance of the engine's float64 array), ✗ root (their rule is wrong
here: it differs from the right rule applied to their own earlier arrays), ✗ carried (it follows from an
earlier wrong array), a shape that fits no layout, or not returned. The first wrong array gets its first
wrong entries, its equation with one sample's numbers, and a named diagnosis when a known bug reproduces it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from backprop_tutor.compare import rules
from backprop_tutor.compare.problem import Problem, Reference, reference
from backprop_tutor.compare.student import Returned, StudentFailed, call, read

Array = np.ndarray
Key = tuple[str, int]

#: an entry agrees when |mine − engine| ≤ RTOL × (the engine array's largest |entry|) + ATOL
RTOL, ATOL = 1e-6, 1e-12
TOLERANCE = f"|yours − engine| ≤ {RTOL:g} × the array's largest |entry| + {ATOL:g}"
#: wrong entries shown for the first wrong array
SHOWN_ENTRIES = 3

RIGHT, ROOT, CARRIED, SHAPE, MISSING = "right", "root", "carried", "shape", "missing"


def order(L: int) -> list[Key]:
    """The arrays in the order the algorithm makes them: forward, δ(L)…δ(1), gradients, updates (L…1)."""
    forward = [(name, l) for l in range(1, L + 1) for name in ("s", "a")]
    backward = [("delta", l) for l in range(L, 0, -1)]
    gradients = [(name, l) for l in range(L, 0, -1) for name in ("grad_W", "grad_b")]
    updates = [(name, l) for l in range(L, 0, -1) for name in ("W", "b")]
    return forward + backward + gradients + updates


def label(key: Key) -> str:
    name, l = key
    return f"{rules.QUANTITY[name]}({l})" + (", updated" if name in ("W", "b") else "")


@dataclass(frozen=True)
class Entry:
    index: tuple[int, ...]
    yours: float
    engine: float


@dataclass
class Row:
    """One array: its verdict, and for a wrong one the worst error, first wrong entries and diagnosis."""

    key: Key
    verdict: str
    error: float | None = None  # largest |yours − engine| / the engine array's largest |entry|
    entries: list[Entry] = field(default_factory=list)
    slip: str | None = None
    says: str | None = None
    note: str = ""  # the layout it was read in, or what is wrong with its shape

    @property
    def label(self) -> str:
        return label(self.key)


@dataclass
class Comparison:
    """The whole report. ``failed``: the function raised or returned no usable dict (then there are no rows)."""

    title: str
    batch: int
    rows: list[Row] = field(default_factory=list)
    failed: str | None = None
    nonfinite: str | None = None
    equation: str | None = None

    @property
    def first_wrong(self) -> Row | None:
        return next((r for r in self.rows if r.verdict not in (RIGHT, MISSING)), None)

    @property
    def passed(self) -> bool:
        return self.failed is None and self.first_wrong is None and any(r.verdict == RIGHT for r in self.rows)

    def to_json(self) -> dict[str, Any]:
        from dataclasses import asdict

        return {"title": self.title, "batch": self.batch, "tolerance": TOLERANCE, "passed": self.passed,
                "failed": self.failed, "nonfinite": self.nonfinite, "equation": self.equation,
                "first_wrong": self.first_wrong.label if self.first_wrong else None,
                "arrays": [{"array": r.label, "name": r.key[0], "layer": r.key[1],
                            **{k: v for k, v in asdict(r).items() if k != "key"}} for r in self.rows]}

    def __rich__(self) -> Any:
        from backprop_tutor.compare.show import rich_report

        return rich_report(self)

    def _repr_html_(self) -> str:
        from backprop_tutor.compare.show import html_report

        return html_report(self)


def compare_step(function: Callable[..., Any], problem: Problem) -> Comparison:
    """Call ``function`` on ``problem`` and compare what it returns with the engine's step."""
    result = Comparison(problem.title, problem.B)
    try:
        out = call(function, problem)
        ref = reference(problem)
        got = read(out, problem, ref.arrays)
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
            result.rows.append(_row(key, got.arrays[key], engine, problem, get, got.notes.get(key, "")))
    result.nonfinite = _first_nonfinite(result.rows, got)
    first = result.first_wrong
    if first is not None and first.verdict != SHAPE:
        result.equation = equation(first, problem, get, ref)
    return result


def same(mine: Array, target: Array) -> bool:
    """Within the tolerance everywhere (NaN only where the target is NaN too)."""
    with np.errstate(all="ignore"):
        scale = float(np.nanmax(np.abs(target), initial=0.0, where=np.isfinite(target)))
        close = np.abs(mine - target) <= RTOL * scale + ATOL
    both_nan = np.isnan(mine) & np.isnan(target)
    same_inf = np.isinf(mine) & (mine == target)
    return bool(np.all(close | both_nan | same_inf))


def _row(key: Key, mine: Array, engine: Array, p: Problem, get: rules.Get, note: str) -> Row:
    if same(mine, engine):
        return Row(key, RIGHT, _error(mine, engine), note=note)
    row = Row(key, ROOT, _error(mine, engine), _entries(mine, engine), note=note)
    if same(mine, get.right(*key)):
        row.verdict = CARRIED
        return row
    found = rules.diagnose(*key, p, get, mine, same)
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


def _entries(mine: Array, engine: Array) -> list[Entry]:
    with np.errstate(all="ignore"):
        scale = float(np.nanmax(np.abs(engine), initial=0.0, where=np.isfinite(engine)))
        wrong = ~(np.abs(mine - engine) <= RTOL * scale + ATOL)
    indices = (tuple(int(i) for i in row) for row in np.argwhere(wrong)[:SHOWN_ENTRIES])
    return [Entry(index, float(mine[index]), float(engine[index])) for index in indices]


def _first_nonfinite(rows: list[Row], got: Returned) -> str | None:
    for row in rows:
        arr = got.arrays.get(row.key)
        if arr is None or np.isfinite(arr).all():
            continue
        index = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        count = int((~np.isfinite(arr)).sum())
        return (f"{row.label} is the first array with NaN or inf: {arr[index]} at {_where(row.key, index)} "
                f"({count} of its {arr.size} entries)")
    return None


def _where(key: Key, index: tuple[int, ...]) -> str:
    if key[0] in ("s", "a", "delta"):
        return f"sample {index[0]}, unit {index[1]}"
    return f"[{', '.join(map(str, index))}]"


def equation(row: Row, p: Problem, get: rules.Get, ref: Reference) -> str:
    """The first wrong entry's equation with the numbers of its sample, from the student's own earlier arrays."""
    from backprop_tutor.compare.show import number

    name, l = row.key
    index = row.entries[0].index if row.entries else (0,) * ref.arrays[row.key].ndim
    rightly = get.right(name, l)[index]
    n = number
    if name == "s":
        i, j = index
        prod = float(get("a", l - 1)[i] @ p.W[l - 1][j]) if l > 1 else float(p.x[i] @ p.W[l - 1][j])
        text = f"s({l})[{j}] = W({l})[{j}, :] · a({l - 1}) + b({l})[{j}] = {n(prod)} + {n(p.b[l - 1][j])}"
    elif name == "a":
        i, j = index
        text = f"a({l})[{j}] = {p.activations[l - 1]}(s({l}))[{j}] with s({l})[{j}] = {n(get('s', l)[i, j])}"
    elif name == "delta" and l == p.L:
        i, j = index
        a, y = get("a", l)[i, j], p.y[i, j]
        text = f"δ({l})[{j}] = a({l})[{j}] − y[{j}] = {n(a)} − {n(y)}"
        if p.loss != "cross-entropy":
            text = f"δ({l})[{j}] = (a({l})[{j}] − y[{j}]) h'(s({l})[{j}]) = ({n(a)} − {n(y)}) × " \
                   f"{n(rules.h_prime(p, l, get('s', l))[i, j])}"
    elif name == "delta":
        i, j = index
        back = float(get("delta", l + 1)[i] @ p.W[l][:, j])
        text = (f"δ({l})[{j}] = h'(s({l})[{j}]) × (W({l + 1})ᵀ δ({l + 1}))[{j}] = "
                f"{n(rules.h_prime(p, l, get('s', l))[i, j])} × {n(back)}")
    elif name in ("grad_W", "grad_b"):
        term = f"δ({l})[{index[0]}] a({l - 1})[{index[1]}]" if name == "grad_W" else f"δ({l})[{index[0]}]"
        text = f"{label(row.key)}{list(index)} = (1/B) Σ over the B = {p.B} samples of {term}"
    else:
        before = (p.W if name == "W" else p.b)[l - 1][index]
        grad = get(f"grad_{name}", l)[index]
        text = f"{name}({l}){list(index)} ← {name}({l}) − η ∇{name}({l}) = {n(before)} − {p.eta:g} × {n(grad)}"
    sample = f"sample {index[0]}: " if name in ("s", "a", "delta") else ""
    yours = f"yours {n(row.entries[0].yours)}" if row.entries else ""
    return f"{sample}{text} = {n(float(rightly))} from your own earlier arrays; {yours}, the engine's " \
           f"{n(float(ref.arrays[row.key][index]))}"
