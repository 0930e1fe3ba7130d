"""What confuses a student, said where it happens (the step panel; the worked solution where it can):

- a float value at the rounding level of the values beside it (δ(2)[1] = −2.22e-16 next to 1.0, whose
  exact value is +1.98e-32): it may be rounding noise; ``--exact`` computes it exactly;
- ``1`` next to ``1.0``: the first is exactly 1, the second only rounds to 1 at these digits;
- an update the shown digits hide (W(1) "unchanged" at 3 digits in Mazur's example): which digit changed;
- units are numbered from 1, samples and classes from 0.

`rounding_notes` works on the equations (no digits involved); `backprop_tutor.render.step_notes` on what
is drawn at the chosen digits.
"""

from __future__ import annotations

import re
from dataclasses import replace

import numpy as np

from backprop_tutor.notation import cell_text
from backprop_tutor.numbers.format import fmt
from backprop_tutor.plural import count
from backprop_tutor.trace.reader import TraceReader
from backprop_tutor.worksheet.equations import EQ, MINUS, PLUS, Equation, Num, Sym

#: a value this many units in the last place of its largest neighbour, or fewer (down to 1/16), is at rounding level
ROUNDING_ULPS = 8


def rounding_notes(trace: TraceReader, equations: list[Equation]) -> list[Equation]:
    """``equations`` with a note on each float result that holds a value at the rounding level of its
    largest neighbour (exact traces have none: they show only certain digits)."""
    if trace.header.precision == "exact":
        return equations
    eps = float(np.finfo(np.float32 if trace.header.precision == "float32" else np.float64).eps)
    out, said = [], set()
    for eq in reversed(equations):  # a value carried from one equation to the next is explained once, where it lands
        values = None if eq.result is None else np.asarray(eq.result.values)
        note = _rounding_note(eq, values, eps, trace.header.precision, said) if values is not None else ""
        out.append(replace(eq, note=f"{eq.note}; {note}" if eq.note and note else eq.note or note))
    return out[::-1]


def _rounding_note(eq: Equation, values: np.ndarray, eps: float, precision: str, said: set[float]) -> str:
    """Values a few units in the last place of the largest beside them: what cancellation leaves (a value
    far smaller, like softmax's 1.98e-32, was computed, not left over, and is not flagged)."""
    if values.ndim != 1 or values.size < 2 or values.dtype == object:
        return ""
    v = np.asarray(values, dtype=np.float64)
    size = np.abs(v)
    ulp = eps * size.max()
    tiny = [k for k in np.flatnonzero((size >= ulp / 16) & (size <= ROUNDING_ULPS * ulp)) if v[k] not in said]
    if not tiny or size.max() == 0:
        return ""
    said.update(float(v[k]) for k in tiny)
    name = "".join(part.text for part in eq.lhs)
    shown = ", ".join(f"{element_name(name, k)} = {fmt(v[k])}" for k in tiny[:2])
    more = f" and {len(tiny) - 2} more" if len(tiny) > 2 else ""
    return (f"{shown}{more} {'is' if len(tiny) == 1 else 'are'} at {precision}'s rounding level next to "
            f"{fmt(size.max())} (≈{eps:.1e} of it): rounding noise, perhaps, not the true size or sign; "
            "--exact computes it exactly")


def carried_noise(trace: TraceReader, equations: list[Equation]) -> list[Equation]:
    """The chain rule's scalars (`worksheet.chain`): a sum or difference that cancels down to the rounding level
    of its own numbers is flagged where it is computed, as the step panel flags it in its vector, and each
    value written in terms of it says that it carries the noise. Exact traces have none."""
    if trace.header.precision == "exact":
        return equations
    eps = float(np.finfo(np.float32 if trace.header.precision == "float32" else np.float64).eps)
    one_sample = trace.header.batch_size == 1  # then ∇W(l)[i,j] is this sample's ∂C/∂W(l)[i,j]
    notes: dict[int, str] = {}
    noisy: dict[str, str] = {}  # a noisy value's name → where its noise arose
    changed = True
    while changed:  # the chain is written from ∂C/∂W down to C, and computed the other way: until nothing new
        changed = False
        for k, eq in enumerate(equations):
            name = "".join(part.text for part in eq.lhs)
            note = "" if k in notes else _noise_of(eq, name, eps, trace.header.precision, noisy)
            if note:
                notes[k], changed = note, True
                noisy[name.replace("∂C/∂", "∇") if one_sample else name] = noisy.get(name, name)
    return [replace(eq, note="; ".join(n for n in (eq.note, notes.get(k, "")) if n)) for k, eq in enumerate(equations)]


def _noise_of(eq: Equation, name: str, eps: float, precision: str, noisy: dict[str, str]) -> str:
    """The note for one scalar equation (recording its name in ``noisy`` when it is noise): written in terms of
    a noisy value, or a sum whose result is a few units in the last place of its largest number."""
    if eq.result is None or np.ndim(eq.result.values) != 0 or np.asarray(eq.result.values).dtype == object:
        return ""
    source = next((noisy[p.text] for p in eq.notation if isinstance(p, Sym) and p.text in noisy), None)
    if source is not None:
        noisy[name] = source
        return f"carries the rounding noise of {source}"
    value = float(eq.result.values)
    last = max((k + 1 for k, p in enumerate(eq.substituted) if p == EQ), default=0)  # the terms, after the factors
    terms = [abs(float(p.values)) for p in eq.substituted[last:] if isinstance(p, Num) and np.ndim(p.values) == 0]
    largest = max(terms, default=0.0)
    ulp = eps * largest
    if not any(p in (PLUS, MINUS) for p in eq.substituted) or not ulp / 16 <= abs(value) <= ROUNDING_ULPS * ulp:
        return ""
    noisy[name] = name
    return (f"{name} = {fmt(value)} is at {precision}'s rounding level next to {fmt(largest)} (≈{eps:.1e} of it): "
            "rounding noise, perhaps, not the true size or sign; --exact computes it exactly")


def element_name(name: str, k: int) -> str:
    """δ(2), 0 → δ(2)[1]; anything else → "value 1 of W(3)ᵀ δ(3)"."""
    match = re.fullmatch(r"(\S+?)\((\d+)\)", name)
    return cell_text(match[1], int(match[2]), k) if match else f"value {k + 1} of {name}"


def hidden_change(before: np.ndarray | None, after: np.ndarray | None, digits: int, name: str) -> str:
    """"W(1): 6 of 6 values changed but read the same at 3 digits (the change shows in the 4th digit)", or ""."""
    if before is None or after is None:
        return ""
    # exact values too, at their midpoints: ample for telling which digit a change first shows in
    w0, w1 = (as_floats(a) for a in (before, after))
    changed = w0 != w1
    hidden = changed & (significant(w0, digits) == significant(w1, digits))
    if not hidden.any():
        return ""
    first = next((n for n in range(digits + 1, 18)
                  if (significant(w0[hidden], n) != significant(w1[hidden], n)).any()), 17)
    return (f"{name}: {int(hidden.sum())} of {count(w0.size, 'value')} changed but read the same at "
            f"{count(digits, 'digit')} "
            f"(the change shows in the {ordinal(first)} digit); press d for more digits")


def as_floats(values: np.ndarray) -> np.ndarray:
    flat = np.asarray(values).ravel()
    return np.array([float(v) for v in flat]) if flat.dtype == object else flat.astype(np.float64)


def significant(values: np.ndarray, digits: int) -> np.ndarray:
    """Each value rounded to ``digits`` significant digits (as %g rounds, up to ties)."""
    size = np.abs(values)
    exponent = np.floor(np.log10(np.where(size > 0, size, 1.0)))
    scale = 10.0 ** (digits - 1 - exponent)
    return np.round(values * scale) / scale


def ordinal(n: int) -> str:
    return f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"
