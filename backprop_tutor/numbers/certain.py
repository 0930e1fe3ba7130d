"""Exact mode's numbers: intervals while computing, `Certain` values once recorded.

The engine computes in mpmath's interval context at WORK_DIGITS: every value is a pair [lo, hi]
that provably holds the true value (inputs written as decimals are enclosed, 0.1 included). A
`Certain` is what a trace keeps of one: an ordinary mpmath number (the midpoint, so every reader
can add, compare and convert it) that also knows lo and hi. `Certain.rounded(n)` gives the value
rounded to n significant digits only when every number in [lo, hi] rounds to the same n digits,
so a digit that is shown is a digit that is known. Arithmetic between Certain values is carried
out on their intervals, so a mean or a difference of recorded values stays certain too.
"""

from __future__ import annotations

import contextlib
import functools
import operator
from collections.abc import Callable, Iterator
from decimal import Decimal
from fractions import Fraction
from typing import Any

import mpmath
import numpy as np
from mpmath import iv
from mpmath.libmp import dps_to_prec, to_digits_exp

#: Most significant digits exact mode shows of a value (fewer when fewer are certain).
EXACT_DIGITS = 50
#: Working precision of the intervals: the guard that leaves EXACT_DIGITS certain after heavy cancellation.
WORK_DIGITS = 2 * EXACT_DIGITS
WORK_BITS = dps_to_prec(WORK_DIGITS)

#: Binary exponents beyond this (decimal exponents of ~15 digits) are shown by order of magnitude only.
HUGE_BITS = 3 * 10**15

#: (sign, digits, exponent): "-", "198", -32 is −1.98e-32
Rounded = tuple[str, str, int]


@contextlib.contextmanager
def working_precision() -> Iterator[None]:
    """Interval arithmetic (and mpmath's) at WORK_DIGITS inside the block."""
    saved = iv.prec
    iv.prec = WORK_BITS
    try:
        with mpmath.workprec(WORK_BITS):
            yield
    finally:
        iv.prec = saved


def raw_mpf(raw: tuple) -> mpmath.mpf:
    """An mpf holding exactly the raw (sign, man, exp, bc) value, unrounded (an interval's end)."""
    v = object.__new__(mpmath.mpf)  # as mpmath itself makes its numbers, without converting anything
    v._mpf_ = raw
    return v


def bounds(x: Any) -> tuple[mpmath.mpf, mpmath.mpf]:
    """(lo, hi) of an interval, exactly."""
    return raw_mpf(x._mpi_[0]), raw_mpf(x._mpi_[1])


def interval(v: Any) -> Any:
    """The exact-mode interval holding ``v``: a decimal (str, Decimal, float: as written) is enclosed,
    an int or a binary mpf is a point, a `Certain` gives back its bounds."""
    if isinstance(v, Certain):
        return iv.mpf((v.lo, v.hi))
    if isinstance(v, iv.mpf):
        return v
    if isinstance(v, float | Decimal | np.floating):
        return iv.mpf(str(v))  # str() of a float or Decimal is its shortest decimal: what the user wrote
    if isinstance(v, np.integer):
        return iv.mpf(int(v))
    return iv.mpf(v)


def _operand(v: Any) -> Any:
    """The other side of an arithmetic operation with a Certain: its interval, numbers taken as they are
    (a float is its binary value here), anything else refused so numpy and others can take over."""
    if isinstance(v, Certain | iv.mpf):
        return interval(v)
    if isinstance(v, int | float | mpmath.mpf | np.number):
        return iv.mpf(v.item() if isinstance(v, np.number) else v)
    return NotImplemented


def _lifted(op: Callable[[Any, Any], Any]) -> Callable[[Certain, Any], Any]:
    def method(self: Certain, other: Any) -> Any:
        rhs = _operand(other)
        if rhs is NotImplemented:
            return NotImplemented
        with working_precision():
            return Certain.of(op(interval(self), rhs))

    return method


class Certain(mpmath.mpf):
    """An exact-mode value: the midpoint of [lo, hi], an interval known to hold the true value."""

    __slots__ = ("_digits", "hi", "lo")
    lo: mpmath.mpf
    hi: mpmath.mpf

    @classmethod
    def of(cls, x: Any) -> Certain:
        """The Certain value of an interval (an ``iv.mpf``)."""
        lo, hi = bounds(x)
        v = object.__new__(cls)
        v._mpf_ = mpmath.fadd(lo, hi, prec=WORK_BITS + 10)._mpf_ if lo != hi else lo._mpf_
        if lo != hi:
            v._mpf_ = mpmath.ldexp(raw_mpf(v._mpf_), -1)._mpf_
        v.lo, v.hi = lo, hi
        return v

    @property
    def point(self) -> bool:
        """The value is known exactly (lo = hi)."""
        return self.lo == self.hi

    @property
    def radius(self) -> mpmath.mpf:
        """The largest distance from 0 the value may have when its sign is not known."""
        return max(abs(self.lo), abs(self.hi))

    @property
    def huge(self) -> bool:
        """An end's decimal exponent alone has more than 15 digits (e^(1e308)…): too long to write out."""
        return _huge(self.lo) or _huge(self.hi)

    def rounded(self, n: int) -> Rounded | None:
        """The value rounded to ``n`` significant digits, if every number in [lo, hi] rounds to those
        same digits; None when they do not (then fewer digits are certain) or the sign is unknown."""
        if self.lo == 0 == self.hi:
            return "", "0", 0
        if self.lo <= 0 <= self.hi or self.huge:
            return None  # holds 0 but is not 0: not even the sign is known; or only its magnitude is shown
        low = round_digits(self.lo, n)
        return low if low is not None and (self.point or low == round_digits(self.hi, n)) else None

    def certain_digits(self, limit: int = EXACT_DIGITS) -> int:
        """How many significant digits (at most ``limit``) are certain: 0 when not even the sign is."""
        if limit == EXACT_DIGITS:  # asked for every value of a trace, and by every screen: worked out once
            if not hasattr(self, "_digits"):
                self._digits = self._certain_digits(limit)
            return self._digits
        return self._certain_digits(limit)

    def _certain_digits(self, limit: int) -> int:
        if self.huge:
            return 0
        if self.lo == 0 == self.hi or self.point:
            return limit
        if self.lo <= 0 <= self.hi:
            return 0
        # the width of [lo, hi] relative to the value bounds the digits that can agree; rounding may pin fewer
        with mpmath.workprec(64):
            width = (self.hi - self.lo) / min(abs(self.lo), abs(self.hi))
            common = int(-mpmath.floor(mpmath.log10(width))) if width else limit
        for n in range(max(1, min(limit, common + 1)), 0, -1):
            if self.rounded(n) is not None:
                return n
        return 0

    __add__ = _lifted(operator.add)
    __radd__ = _lifted(lambda a, b: b + a)
    __sub__ = _lifted(operator.sub)
    __rsub__ = _lifted(lambda a, b: b - a)
    __mul__ = _lifted(operator.mul)
    __rmul__ = _lifted(lambda a, b: b * a)
    __truediv__ = _lifted(operator.truediv)
    __rtruediv__ = _lifted(lambda a, b: b / a)

    def __neg__(self) -> Certain:
        return Certain.of(-interval(self))

    def __pos__(self) -> Certain:
        return self

    def __abs__(self) -> Certain:
        return self if self.lo >= 0 else -self if self.hi <= 0 else Certain.of(iv.mpf((0, self.radius)))

    def __reduce__(self) -> tuple:
        return Certain.of, (iv.mpf((self.lo, self.hi)),)


def certain_array(values: np.ndarray) -> np.ndarray:
    """An object array of intervals (or of anything `interval` takes) as an array of Certain values,
    each already as it reads back from a saved trace (`to_text`), so memory and disk show the same."""
    out = np.empty(values.shape, dtype=object)
    with working_precision():
        for idx, v in np.ndenumerate(values):
            x = interval(v)
            out[idx] = _settled(*x._mpi_)
    return out


@functools.lru_cache(maxsize=4096)
def _settled(lo: tuple, hi: tuple) -> Certain:
    # a step repeats many values (W before the update, δ(L) in three events…): convert each once
    return from_text(to_text(Certain.of(iv.mpf((raw_mpf(lo), raw_mpf(hi))))))


def clear_cache() -> None:
    """Forget the values converted so far (benchmarks time a first run with it)."""
    _settled.cache_clear()


#: Digits a bound is written with on disk; it is first moved outward by 10^-(TEXT_DIGITS-2) relative,
#: far more than writing and reading it back can change it.
TEXT_DIGITS = WORK_DIGITS + 5


def to_text(v: Certain) -> str:
    """How a trace file stores a Certain value: its exact decimal if it is a point that has one within
    TEXT_DIGITS digits ("5", "0.5"), else its bounds moved outward: "[0.0999…9, 0.1000…1]". An end too
    huge for decimal digits is written exactly in binary, "m*2**e"."""
    if v.huge:
        return "[" + ", ".join(f"{int(x.man) * (-1 if x < 0 else 1)}*2**{int(x.exp)}" if x else "0"
                               for x in (v.lo, v.hi)) + "]"
    with mpmath.workprec(WORK_BITS + 64):
        if v.point:
            text = mpmath.nstr(v.lo, TEXT_DIGITS, strip_zeros=True)
            if iv.mpf(text) == iv.mpf(v.lo):
                return text
        pad = mpmath.mpf(10) ** (2 - TEXT_DIGITS)
        lo, hi = v.lo - abs(v.lo) * pad, v.hi + abs(v.hi) * pad
        return f"[{mpmath.nstr(lo, TEXT_DIGITS)}, {mpmath.nstr(hi, TEXT_DIGITS)}]"


def from_text(text: str) -> Certain:
    """The Certain value `to_text` wrote (a lone decimal is enclosed: "0.1" is the interval around 1/10)."""
    with working_precision():
        if text.startswith("["):
            lo, hi = (_end(end.strip()) for end in text[1:-1].split(","))
            return Certain.of(iv.mpf((bounds(lo)[0], bounds(hi)[1])))
        return Certain.of(iv.mpf(text))


def _end(text: str) -> Any:
    if "*2**" in text:
        man, exp = text.split("*2**")
        return iv.mpf(mpmath.ldexp(mpmath.mpf(int(man), prec=WORK_BITS + 64), int(exp)))
    return iv.mpf(text)


def _huge(x: mpmath.mpf) -> bool:
    _sign, man, exp, bc = x._mpf_
    return bool(man) and abs(exp + bc) > HUGE_BITS


def order_of_magnitude(x: mpmath.mpf) -> str:
    """log10|x| to 4 digits, for a number too huge or tiny to write its digits: "6.693e+207"."""
    _sign, _man, exp, bc = x._mpf_
    with mpmath.workprec(64):
        return mpmath.nstr((exp + bc) * mpmath.log10(2), 4)


def legacy_text(text: str) -> Certain:
    """A value from a trace written before bounds were stored (50 working digits, bounds unknown):
    cancellation may have left as few as ~15 of its digits right, so only 15 are claimed."""
    with working_precision():
        v = mpmath.mpf(text)
        pad = abs(v) * mpmath.mpf(10) ** -15
        return Certain.of(iv.mpf((v - pad, v + pad)))


def round_digits(x: mpmath.mpf, n: int) -> Rounded | None:
    """x ≠ 0 rounded to n significant digits (half away from zero), or None when x lies too close to a
    half-way point to tell which way it rounds (only a point exactly half-way is settled, exactly)."""
    sign, digits, exponent = to_digits_exp(x._mpf_, n + 20)  # toward zero, off by a few units at most
    digits = digits.ljust(n + 20, "0")[:n + 20]  # it may give more digits than asked for
    head, tail = int(digits[:n]), int(digits[n:])
    half = 5 * 10 ** 19
    if abs(tail - half) <= 3:
        exact = _exact_tail(x, n, exponent)
        if exact is None:
            return None
        head, tail = exact
        tail = half if tail == 0 else half + (1 if tail > 0 else -1)  # only its side of the half-way matters
    if tail >= half:
        head += 1
        if head == 10**n:  # 9.99… → 10.0…
            head, exponent = 10 ** (n - 1), exponent + 1
    return sign, str(head), exponent


def _exact_tail(x: mpmath.mpf, n: int, exponent: int) -> tuple[int, int] | None:
    """(the first n digits, the sign of what follows minus one half), computed exactly with fractions,
    when the number's binary exponent is small enough for that to be quick."""
    _sign, man, exp, _bc = x._mpf_
    if abs(exp) > 20000 or abs(exponent) > 5000:
        return None
    scaled = Fraction(abs(int(man))) * Fraction(2) ** exp / Fraction(10) ** (exponent - n + 1)
    head = scaled.numerator // scaled.denominator
    rest = scaled - head
    if head >= 10**n or head < 10 ** (n - 1):
        return None  # the exponent from the approximate digits was off by one: leave it uncertain
    return head, (rest > Fraction(1, 2)) - (rest < Fraction(1, 2))
