"""Numbers the way a student writes them: rounded to N significant digits, or in full.

Shared by every view of a trace (terminal tables, Markdown, the UI), so a value reads the same
everywhere. An exactly whole number is written without a decimal point ("5"); a value that only
*rounds* to a whole number keeps one (0.99999996 → "1.0"), so a reader can tell the two apart.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np

from backprop_tutor.engine.precision import EXACT_DIGITS

DEFAULT_DIGITS = 3


@dataclass(frozen=True)
class Limits:
    """How much of a long vector or a big matrix is written out: the one set every view uses (the
    terminal, the Markdown, the UI, the worked solution). None: no limit."""

    vector: int | None = 10  # values of a vector written before "… N more"
    side: int | None = 10  # a matrix with more rows or columns than this is summarised (shape, min, max, mean)

    def summarises(self, shape: tuple[int, ...]) -> bool:
        return len(shape) >= 2 and self.side is not None and max(shape) > self.side


#: what every view shows unless asked for everything
SUMMARY = Limits()
#: every value (`--full`, the UI's full view)
FULL = Limits(None, None)


def is_exact(value: Any) -> bool:
    return isinstance(value, mpmath.mpf)


def fmt(value: Any, digits: int | None = DEFAULT_DIGITS) -> str:
    """One number: ``digits`` significant digits, or every digit it has when ``digits`` is None."""
    if is_exact(value):
        with mpmath.workdps(EXACT_DIGITS):
            if value == int(value):
                return str(int(value))
            text = mpmath.nstr(value, digits or EXACT_DIGITS, min_fixed=-4, max_fixed=digits or EXACT_DIGITS)
            return _mark_rounding(_tidy(text))
    v = float(value)
    if not math.isfinite(v):
        return str(v)
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    if digits is None:
        return repr(v) if not isinstance(value, np.float32) else str(value)
    return _mark_rounding(_tidy(f"{v:.{digits}g}"))


def _tidy(text: str) -> str:
    # "1.98e-32" rather than "1.98e-032"/"1.98e-32"; drop a "+" exponent sign
    if "e" in text:
        mantissa, exp = text.split("e")
        if "." in mantissa:
            mantissa = mantissa.rstrip("0").rstrip(".")
        return f"{mantissa}e{int(exp)}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def _mark_rounding(text: str) -> str:
    # the value was not whole, so a whole-looking result only looks whole because of rounding
    return text + ".0" if text.lstrip("-").isdigit() else text


def fmt_vector(values: Any, digits: int | None = DEFAULT_DIGITS, limit: int | None = None) -> str:
    """[5, -5] style; with ``limit``, a longer vector shows its first ``limit`` values and how many
    more there are: [0.1, 0.2, … 98 more]."""
    flat = np.asarray(values).ravel()
    shown = flat if limit is None else flat[:limit]
    if digits is not None and shown.dtype != object:
        shown = shown.tolist()  # Python floats: the same digits, formatted faster
    more = "" if limit is None or flat.size <= limit else f", … {flat.size - limit} more"
    return "[" + ", ".join(fmt(v, digits) for v in shown) + more + "]"


def fmt_summary(values: Any, digits: int | None = DEFAULT_DIGITS) -> tuple[str, str, str, str]:
    """(shape, min, max, mean) as text: how an array too big to write out is described (in float64)."""
    arr = np.asarray(values, dtype=np.float64)
    return ("×".join(map(str, arr.shape)), fmt(arr.min(), digits), fmt(arr.max(), digits), fmt(arr.mean(), digits))


def fmt_matrix(values: Any, digits: int | None = DEFAULT_DIGITS) -> str:
    """[[1, -2], [3, 4]] style (rows of W(l) are the units of layer l)."""
    arr = np.asarray(values)
    if arr.ndim < 2:
        return fmt_vector(arr, digits)
    return "[" + ", ".join(fmt_vector(row, digits) for row in arr) + "]"


def fmt_summary_text(values: Any, digits: int | None = DEFAULT_DIGITS) -> str:
    """784×100: min -0.1, max 0.1, mean 0.001: a matrix too big to write out."""
    shape, low, high, mean = fmt_summary(values, digits)
    return f"{shape}: min {low}, max {high}, mean {mean}"


def fmt_lines(values: Any, digits: int | None = DEFAULT_DIGITS, limits: Limits = SUMMARY) -> tuple[str, ...]:
    """A number, a vector ([5, -5]), a matrix one row per line (as written by hand), or a big matrix's
    summary, within ``limits``."""
    arr = np.asarray(values)
    if arr.ndim == 0:
        return (fmt(arr[()], digits),)
    if arr.ndim == 1:
        return (fmt_vector(arr, digits, limits.vector),)
    if limits.summarises(arr.shape):
        return (fmt_summary_text(arr, digits),)
    return tuple(fmt_vector(row, digits) for row in arr)


def fmt_array(values: Any, digits: int | None = DEFAULT_DIGITS, limits: Limits = SUMMARY) -> str:
    """The same on one line: [[1, -2], [3, 4]], or (784×100: min …, max …, mean …)."""
    arr = np.asarray(values)
    if arr.ndim < 2:
        return fmt_lines(arr, digits, limits)[0]
    if limits.summarises(arr.shape):
        return f"({fmt_summary_text(arr, digits)})"
    return fmt_matrix(arr, digits)
