"""Numbers as people type them, read exactly; and the rule that judges a written number.

Reading: ``1.98e-32``, ``1.98E-32``, ``1.98×10^-32``, ``1.98 x 10^-32``, ``1.98*10**-32``, ``1.98·10⁻³²``,
a Unicode minus (−), fractions ``1/2``, and ``0±6e-101`` (how exact mode shows a value whose sign is not
known: read as its centre, 0); vectors ``[5, -5]``, ``5, -5`` or ``5 -5`` (values separated by commas or by
spaces); matrices ``[[1, -2], [0.5, 4]]`` or rows separated by ``;`` (``1, -2; 0.5, 4``). Values are
`Fraction`s: what was written, exactly. Every number's work is bounded before it is done: a decimal
exponent beyond ±MAX_EXPONENT (``1e4400``, far beyond any float) or more than MAX_DIGITS digits is
named, not computed. A decimal comma (``17,0``) is read where one number is expected (`decimal_comma`);
in a vector the comma separates values (``[1,5]`` is two values).

Judging (PrairieLearn's rule, with a zero tolerance scaled to the quantity): a written w is right for
the true value t when

    |w − t| ≤ atol + rtol·|t|          rtol = 1e-2 (1 %) by default
    atol = z for an entry |t| ≤ z, where z = 1e-10 × the largest |entry| of the same quantity (e.g. of
           the whole vector δ(2)); atol = 0 for the other entries

where |w − t| is the distance from w to the interval exact mode knows t to lie in (a few units of
1e-100 wide: it matters only for a true value 0 computed with cancellation, shown as 0±6e-101),
so rounding to 3 significant figures is right, and an entry lost beside its neighbours (below 1e-10
of the largest, beyond a 10-digit calculator: δ(2)₁ = 1.98e-32 beside δ(2)₂ = 1.0) may be written as
0, while 4.14e-8 beside 1.0 must still be written to 1 %. ``--atol X`` sets atol = X for every entry;
``--sigfigs N`` replaces rtol·|t| by half a unit in the
N-th significant figure of t, ½·10^(⌊log10|t|⌋ − N + 1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

import mpmath
from mpmath.libmp import dps_to_prec, from_rational, round_nearest

from backprop_tutor.numbers import MAX_EXPONENT
from backprop_tutor.numbers.certain import EXACT_DIGITS, Certain, raw_mpf


class NumberError(ValueError):
    """Text that is not a number (vector, matrix) of the kind expected; the message says what would be."""


EXAMPLES = "e.g. 0.5, -3, 1/2, 1.98e-32 or 1.98×10^-32"

_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺", "0123456789-+")
_MINUSES = str.maketrans({"−": "-", "–": "-", "‒": "-", "﹣": "-", "－": "-"})
_DECIMAL = r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_NUMBER = re.compile(
    rf"^(?P<sign>[+-]?)(?P<mant>{_DECIMAL})"
    r"(?:(?:[x×*·⋅X]|\\times|\\cdot)10(?:\^|\*\*)?\(?(?P<exp>[+-]?\d+)\)?)?$")
_FRACTION = re.compile(rf"^(?P<sign>[+-]?)(?P<num>{_DECIMAL})/(?P<den>[+-]?{_DECIMAL})$")


def _normalise(text: str) -> str:
    text = text.translate(_MINUSES)
    # "10⁻³²" → "10^-32"
    text = re.sub(r"10([⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺]+)", lambda m: "10^" + m[1].translate(_SUPERSCRIPTS), text)
    text = re.sub(r"(?<=[\d.])\s+(?=[\d.])", "#", text.strip())  # "5 6" is two numbers, not 56
    return re.sub(r"\s+", "", text)


def parse_number(text: str) -> Fraction:
    """One number, exactly: '1.98×10^-32' → Fraction(99, 5·10^33)."""
    compact = _normalise(str(text))
    centre, pm, radius = compact.partition("±")
    if pm and _NUMBER.match(radius.lstrip("~")):
        compact = centre
    if m := _NUMBER.match(compact):
        value = _decimal(m["mant"], m["exp"], text)
        return Typed(-value if m["sign"] == "-" else value, _typed_digits(m["mant"]), str(text).strip())
    if m := _FRACTION.match(compact):
        den = _decimal(m["den"], None, text)
        if den == 0:
            raise NumberError(f"{text.strip()!r} divides by zero")
        value = _decimal(m["num"], None, text) / den
        return -value if m["sign"] == "-" else value
    raise NumberError(f"{text.strip()!r} is not a number ({EXAMPLES})")


class Typed(Fraction):
    """A number as typed, exactly, remembering how many significant digits the decimal showed: "1.00" is
    1 with 3 digits (rounded, perhaps from 0.99997), "1" is 1 with none (an exact integer)."""

    digits: int
    #: the number as typed ("1.00", "−0.5", "1.98×10^-32")
    text: str

    def __new__(cls, value: Fraction, digits: int = 0, text: str = "") -> Typed:
        self = super().__new__(cls, value.numerator, value.denominator)
        self.digits, self.text = digits, text
        return self

    @property
    def half_unit(self) -> Fraction:
        """Half a unit in the last digit typed (0 for a number typed without rounding)."""
        if self.digits < 2 or self == 0:
            return Fraction(0)
        lead = Decimal(self.numerator) / Decimal(self.denominator)
        return Fraction(1, 2) * Fraction(10) ** (lead.adjusted() - self.digits + 1)


def _typed_digits(mantissa: str) -> int:
    """The significant digits a decimal mantissa shows, trailing zeros after its point included ("1.00" → 3);
    0 for one typed without a point (an integer, read as exact)."""
    digits = mantissa.lower().partition("e")[0]
    if "." not in digits:
        return 0
    return len(digits.replace(".", "").lstrip("0"))


#: The most significant digits read (exact mode knows 50).
MAX_DIGITS = 100


def _decimal(mantissa: str, times_ten: str | None, text: str) -> Fraction:
    """``mantissa`` (a decimal, maybe with e±N) × 10^``times_ten``, exactly, after checking that the
    work is small: the exponent is bounded before any power of ten is built."""
    digits, _, exp = mantissa.lower().partition("e")
    exponent = sum(_exponent(e, text) for e in (exp, times_ten or "") if e)
    try:
        value = Decimal(digits)
    except InvalidOperation:
        raise NumberError(f"{text.strip()!r} is not a number ({EXAMPLES})") from None
    if value == 0:
        return Fraction(0)
    significant = len("".join(map(str, value.as_tuple().digits)).strip("0"))
    if significant > MAX_DIGITS:
        raise NumberError(f"{_shown(text)} has {significant} significant digits; write at most {MAX_DIGITS} "
                          f"(exact mode knows {EXACT_DIGITS})")
    _check_magnitude(value.adjusted() + exponent, text)
    return Fraction(value) * Fraction(10) ** exponent


def _shown(text: str) -> str:
    """The text quoted in a message, shortened when it is long (a 5000-digit number)."""
    text = str(text).strip()
    return repr(text if len(text) <= 40 else f"{text[:20]}…{text[-10:]}")


def _exponent(digits: str, text: str) -> int:
    if len(digits.lstrip("+-").lstrip("0")) > 6:  # int() of a 5000-digit string is itself refused by Python
        _check_magnitude(10**7 if not digits.startswith("-") else -10**7, text)
    return int(digits)


def _check_magnitude(exponent: int, text: str) -> None:
    """Refuse a number whose decimal exponent is beyond ±MAX_EXPONENT: far beyond (or below) any float."""
    if exponent > MAX_EXPONENT:
        raise NumberError(f"{_shown(text)} is far beyond any float (the largest is about 1.8e308): no value "
                          "of a worksheet is that large; write the value you computed, e.g. 17 or 1.7e1")
    if exponent < -MAX_EXPONENT:
        raise NumberError(f"{_shown(text)} is far below any float (the smallest is about 4.9e-324): write 0 "
                          "for a value that small")


def number_from(value: Any) -> Fraction:
    """A TOML/JSON value: an int, a float/Decimal (read as the decimal it shows) or a string."""
    if isinstance(value, bool):
        raise NumberError(f"{value!r} is not a number ({EXAMPLES})")
    if isinstance(value, int | Decimal):
        return parse_number(str(value))  # through the text, so the exponent is bounded the same way
    if isinstance(value, float):
        return Fraction(Decimal(repr(value)))
    if isinstance(value, str):
        return parse_number(value)
    raise NumberError(f"{value!r} is not a number ({EXAMPLES})")


VECTOR_FORMS = "a vector [5, -5], 5, -5 or 5 -5; a matrix [[1, -2], [0.5, 4]] or 1, -2; 0.5, 4"
_ROW_BREAK = re.compile(r"\]\s*,?\s*\[|;")


def parse_array(text: str) -> list[Any]:
    """A vector '[5, -5]' / '5, -5' / '5 -5' → [5, -5]; a matrix '[[1, -2], [0.5, 4]]' / '1, -2; 0.5, 4' →
    rows. A single number gives a one-element list. Blank entries are errors (a vector is written whole)."""
    body = str(text).strip()
    _check_brackets(body)
    if body.startswith("[[") or ";" in body:
        rows = _ROW_BREAK.split(body.strip().removeprefix("[[").removesuffix("]]").strip("[]"))
        parsed = [_parse_row(r, text) for r in rows if r.strip() or len(rows) == 1]
        if len({len(r) for r in parsed}) > 1:
            lengths = ", ".join(str(len(r)) for r in parsed)
            raise NumberError(f"{text.strip()!r}: the rows have different lengths ({lengths}); a matrix has "
                              "rows of equal length, e.g. [[1, -2], [0.5, 4]] or 1, -2; 0.5, 4")
        return parsed
    return _parse_row(body.removeprefix("[").removesuffix("]"), text)


def _check_brackets(text: str) -> None:
    """Every [ closed by a ], in order: '[[5, -5]' names the missing ]."""
    depth = 0
    for n, c in enumerate(text):
        depth += (c == "[") - (c == "]")
        if depth < 0:
            raise NumberError(f"{text!r}: the ']' at character {n + 1} closes no '[': a '[' is missing "
                              f"({VECTOR_FORMS})")
    if depth:
        opened = text.count("[")
        raise NumberError(f"{text!r}: {depth} closing ']' missing ({opened} '[' opened, {opened - depth} closed; "
                          f"{VECTOR_FORMS})")


def _parse_row(row: str, whole: str) -> list[Fraction]:
    body = row.strip().strip("[]")
    if "," not in body and len(body.split()) > 1:
        return _spaced_row(body)
    parts = body.split(",")
    if any(not p.strip() for p in parts):
        raise NumberError(f"{whole.strip()!r}: an empty entry; write every value, separated by commas "
                          f"({VECTOR_FORMS})")
    return [parse_number(p) for p in parts]


def _spaced_row(body: str) -> list[Fraction]:
    """Values separated by spaces ('5 -5'), unless the whole is one number written with spaces
    ('1.98 × 10^-32')."""
    try:
        return [parse_number(body)]
    except NumberError as err:
        try:
            return [parse_number(p) for p in body.split()]
        except NumberError:
            raise NumberError(f"{err}; {VECTOR_FORMS}") from None


_DECIMAL_COMMA = re.compile(r"^\s*(?P<sign>[-+−]?)(?P<whole>\d+),(?P<part>\d+)\s*$")


def decimal_comma(text: str) -> str:
    """Where one number is expected, ``17,0`` is the decimal 17.0 (the comma cannot separate values
    there). ``1,000`` could be a thousands separator: named, not guessed. Other text comes back as it is."""
    m = _DECIMAL_COMMA.match(text)
    if m is None:
        return text
    if len(m["part"]) == 3 and m["whole"].lstrip("0"):
        raise NumberError(f"{text.strip()!r}: a decimal comma or a thousands separator? write "
                          f"{m['whole']}.{m['part']} or {m['whole']}{m['part']}")
    return f"{m['sign']}{m['whole']}.{m['part']}"


def to_mpf(value: Fraction | Any) -> mpmath.mpf:
    with mpmath.workdps(EXACT_DIGITS):
        return _mpf(value)


_BITS = dps_to_prec(EXACT_DIGITS)


def _mpf(value: Fraction | Any) -> mpmath.mpf:
    """``value`` as an mpf at exact mode's precision, a Fraction rounded once (no context switch: this is
    called for every written number)."""
    if isinstance(value, Fraction):
        return raw_mpf(from_rational(value.numerator, value.denominator, _BITS, round_nearest))
    return mpmath.mpf(value)


# --- judging ----------------------------------------------------------------------------------
#: The default zero tolerance: this fraction of the quantity's largest entry.
ZERO_FRACTION = Fraction(1, 10**10)
_ZERO = _mpf(ZERO_FRACTION)


@dataclass(frozen=True)
class Tolerance:
    """How close a written number must be. ``atol`` None: ZERO_FRACTION × the quantity's largest entry."""

    rtol: float = 1e-2
    atol: float | None = None
    sigfigs: int | None = None

    def describe(self) -> str:
        near = (f"within half a unit in significant figure {self.sigfigs}" if self.sigfigs
                else f"within {self.rtol:g} × |true value|")
        if self.atol is not None:
            return f"{near} + {self.atol:g}"
        return f"{near}; an entry below 1e-10 × its quantity's largest entry may be written as 0"


@dataclass(frozen=True)
class Judgement:
    right: bool
    #: True when only the absolute (zero) tolerance made it right: worth a note with the exact value
    by_atol: bool = False


def judge(written: Fraction | Any, true: Any, scale: Any, tol: Tolerance) -> Judgement:
    """Is ``written`` (a Fraction, or an exact number) right for ``true``? ``scale``: the largest |entry|
    of the same quantity."""
    with mpmath.workdps(EXACT_DIGITS):
        w, t = _mpf(written), mpmath.mpf(true)
        error = _distance(w, true)
        if tol.sigfigs:
            near = mpmath.mpf(0) if t == 0 else mpmath.mpf(10) ** (
                int(mpmath.floor(mpmath.log10(abs(t)))) - tol.sigfigs + 1) / 2
        else:
            near = mpmath.mpf(tol.rtol) * abs(t)
        if error <= near:
            return Judgement(True)
        if tol.atol is not None:
            atol = mpmath.mpf(tol.atol)
        else:  # an entry lost beside its neighbours (below 1e-10 of the largest) may be written as 0
            zero = _ZERO * abs(mpmath.mpf(scale))
            atol = zero if abs(t) <= zero else mpmath.mpf(0)
        right = bool(error <= near + atol)
        return Judgement(right, by_atol=right)


def _distance(w: mpmath.mpf, true: Any) -> mpmath.mpf:
    """|w − t|: for an exact-mode value, the distance from w to the interval [lo, hi] holding t."""
    if isinstance(true, Certain):
        return max(true.lo - w, w - true.hi, mpmath.mpf(0))
    return abs(w - mpmath.mpf(true))
