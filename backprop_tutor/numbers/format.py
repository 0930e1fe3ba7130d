"""Numbers the way a student writes them: rounded to N significant digits, or in full.

Shared by every view of a trace (terminal tables, Markdown, the UI, the worked solution, practice), so a
value reads the same everywhere, whatever its number type. One rule, Python's %g: fixed point while the
decimal exponent is at least -4 and below the digits shown (0.000408, 17.0), else d.dde±x (4.08e-5,
1.23e3), with no "+" and no leading zeros in the exponent. An exactly whole number is written without a
decimal point ("5"); a value that only *rounds* to a whole number keeps one (0.99999996 → "1.0"), so a
reader can tell the two apart.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import mpmath
import numpy as np
from mpmath import iv
from mpmath.libmp import to_digits_exp

from backprop_tutor.numbers.arithmetic import array_mean
from backprop_tutor.numbers.certain import EXACT_DIGITS, Certain, order_of_magnitude

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


def parse_digits(text: str) -> int | None:
    """``--digits N`` (N ≥ 1 significant digits) or ``--digits full`` (every digit: None): the option of every
    command that shows numbers (an argparse type, so a wrong value is one line naming it)."""
    if text == "full":
        return None
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of digits (give e.g. 3, or full)") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value}: give at least 1 significant digit (or full)")
    return value


def fmt(value: Any, digits: int | None = DEFAULT_DIGITS) -> str:
    """One number: ``digits`` significant digits, or every digit it has when ``digits`` is None.
    An exact-mode value shows only digits that are certain (see `fmt_exact`)."""
    if is_exact(value):
        return fmt_exact(value, digits)
    v = float(value)
    if not math.isfinite(v):
        return str(v)
    if v == int(v) and abs(v) < 1e15:
        return str(int(v))
    if digits is None:  # every digit the number type has: its shortest round-trip decimal
        text = str(value) if isinstance(value, np.float32) else repr(v)
        return _mark_rounding(_tidy(_digits_text(*_decimal_parts(text), FLOAT_FULL_DIGITS)))
    return _mark_rounding(_tidy(f"{v:.{digits}g}"))


#: a float written in full is in fixed point up to this decimal exponent, as Python's repr writes it
FLOAT_FULL_DIGITS = 17


def _decimal_parts(text: str) -> tuple[str, str, int]:
    """"-1.5e-05" → ("-", "15", -5): sign, significant digits, decimal exponent of the first digit."""
    number = Decimal(text)
    sign, digits, _ = number.as_tuple()
    return ("-" if sign else ""), "".join(map(str, digits)).rstrip("0") or "0", number.adjusted()


def fmt_exact(value: mpmath.mpf, digits: int | None = DEFAULT_DIGITS) -> str:
    """An exact-mode value to ``digits`` significant digits (at most EXACT_DIGITS when None), or to
    fewer when fewer are certain: every digit shown is a digit of the true value rounded. A value whose
    sign is not known is shown as the bound on its size ("0±1e-98"). A plain mpf is exact as it is."""
    v = value if isinstance(value, Certain) else Certain.of(iv.mpf(value))
    want = digits or EXACT_DIGITS
    if v.point and _whole(v.lo, EXACT_DIGITS):
        return str(int(v.lo))
    rounded = v.rounded(want)
    if rounded is None:
        known = v.certain_digits(want)
        if not known and v.huge:  # no digits, not even of the exponent: its order of magnitude
            if v.lo <= 0 <= v.hi or order_of_magnitude(v.lo) != order_of_magnitude(v.hi):
                return f"0±~1e({order_of_magnitude(v.radius)})"
            return f"{'-' if v.hi < 0 else ''}~1e({order_of_magnitude(v.lo)})"
        if not known:
            return "0±" + _tidy(_digits_text("", *_bound_up(v.radius), 1))
        rounded = v.rounded(known)
    assert rounded is not None
    return _mark_rounding(_tidy(_digits_text(*rounded, want)))


def precision_label(header: Any) -> str:
    """The trace's number type as the screen names it; for exact mode, how many digits are certain
    (the fewest of any value in the trace, as the recorder counted them; every digit shown is one)."""
    certain = header.config.get("certain_digits") if header.precision == "exact" else None
    if certain is None:
        return header.precision
    if certain >= EXACT_DIGITS:
        return f"exact · {EXACT_DIGITS} certain digits"
    return f"exact · ≥{certain} certain digits" if certain else "exact · certain digits only"


#: significant digits a float type keeps (numpy's finfo.precision) and its rounding unit, in words
FLOAT_TYPES = {"float64": (15, "10⁻¹⁶"), "float32": (6, "10⁻⁷")}


def precision_words(header: Any) -> str:
    """The trace's number type in words a grader outside the course reads (a hand-in says it once)."""
    if header.precision in FLOAT_TYPES:
        kept, unit = FLOAT_TYPES[header.precision]
        return (f"Computed in {header.precision}, the computer's floating-point numbers ({kept} significant digits "
                f"or so): a value about {unit} times the size of the values beside it may be rounding error, "
                "and the notes say where.")
    if header.precision != "exact":
        return f"Computed in {header.precision}."
    certain = header.config.get("certain_digits") if isinstance(header.config, dict) else None
    known = ("" if certain is None else f" Each value is known to {min(certain, EXACT_DIGITS)} significant digits"
             " or more." if certain else " A value known only up to a bound is written 0±bound.")
    return ("Computed exactly (with error bounds carried through every operation), so every digit written is a "
            "digit of the true value, rounded." + known)


def digits_words(digits: int | None, latex: bool = False) -> str:
    """How the numbers are written, in words: the digits, 1 against 1.0, and (in text) what 1.98e-32 means."""
    rounded = f"rounded to {digits} significant digits" if digits is not None else "written with every digit"
    return (f"Numbers are {rounded}. A whole number written without a decimal point (1) is exactly that number; "
            "one written with “.0” (1.0) is not whole and only rounds to it at these digits."
            + ("" if latex else " 1.98e-32 means 1.98 × 10⁻³²."))


def _bound_up(x: mpmath.mpf) -> tuple[str, int]:
    # x > 0 rounded up to one significant digit: (digit, exponent)
    _, digits, exponent = to_digits_exp(x._mpf_, 30)
    head = int(digits[0]) + (digits[1:30].strip("0") != "")
    return ("1", exponent + 1) if head == 10 else (str(head), exponent)


def _whole(x: mpmath.mpf, most_digits: int) -> bool:
    # a whole number of at most ``most_digits`` digits, decided from the binary exponent (no int() of 1e308)
    _sign, man, exp, bc = x._mpf_
    return not man or (exp >= 0 and (bc + exp) * 0.30103 < most_digits)


def _digits_text(sign: str, digits: str, exponent: int, n: int) -> str:
    """d.ddd as %g writes it at ``n`` digits: fixed point when −4 ≤ exponent < n, else d.ddde±x."""
    if digits == "0":
        return "0"
    if -4 <= exponent < n:
        if exponent < 0:
            return f"{sign}0.{'0' * (-exponent - 1)}{digits}"
        whole = digits[:exponent + 1].ljust(exponent + 1, "0")
        return f"{sign}{whole}.{digits[exponent + 1:] or '0'}"
    return f"{sign}{digits[0]}.{digits[1:] or '0'}e{exponent}"


def _tidy(text: str) -> str:
    # "1.98e-32" rather than "1.98e-032"/"1.98e-32"; drop a "+" exponent sign
    if "e(" in text:  # ~1e(…): an order of magnitude only
        return text
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


def largest_window(values: Any, limit: int) -> tuple[list[int], str]:
    """Which values of a long vector to write: the ``limit`` largest |values| in index order (not the
    first ones: an image's first pixels are all 0), and what the others are ("774 more, all 0" or
    "774 more, each |v| ≤ 0.2")."""
    flat = np.asarray(values).ravel()
    size = np.abs(np.asarray([float(v) for v in flat]) if flat.dtype == object else flat.astype(np.float64))
    shown = sorted(k for k in np.argsort(-size, kind="stable")[:limit].tolist() if size[k] > 0)
    rest = np.delete(size, shown)
    more = "more" if shown else "values"
    return shown, (f"{rest.size} {more}, all 0" if not rest.any() else
                   f"{rest.size} {more}, each |v| ≤ {fmt(rest.max())}")


def fmt_window(values: Any, digits: int | None = DEFAULT_DIGITS, limit: int | None = None) -> str:
    """A vector as `fmt_vector` writes it, but a long one as its largest |values|, each with its position
    counted from 1: [153: 0.992, 154: 1, …; 774 more, all 0]."""
    flat = np.asarray(values).ravel()
    if limit is None or flat.size <= limit:
        return fmt_vector(flat, digits)
    shown, rest = largest_window(flat, limit)
    items = ", ".join(f"{k + 1}: {fmt(flat[k], digits)}" for k in shown)
    return f"[{items}; {rest}]" if shown else f"[{rest}]"


def fmt_summary(values: Any, digits: int | None = DEFAULT_DIGITS) -> tuple[str, str, str, str]:
    """(shape, min, max, mean) as text: how an array too big to write out is described (in float64;
    exact values stay exact, so only certain digits are shown)."""
    arr = np.asarray(values)
    if arr.dtype != object:
        arr = np.asarray(arr, dtype=np.float64)
        return ("×".join(map(str, arr.shape)), fmt(arr.min(), digits), fmt(arr.max(), digits),
                fmt(arr.mean(), digits))
    flat = arr.ravel().tolist()
    return ("×".join(map(str, arr.shape)), fmt(min(flat), digits), fmt(max(flat), digits),
            fmt(array_mean(arr), digits))


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
    """A number, a vector ([5, -5]; a long one by its largest |values|), a matrix one row per line (as
    written by hand), or a big matrix's summary, within ``limits``."""
    arr = np.asarray(values)
    if arr.ndim == 0:
        return (fmt(arr[()], digits),)
    if arr.ndim == 1:
        return (fmt_window(arr, digits, limits.vector),)
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
