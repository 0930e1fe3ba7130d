"""Number types for the one engine: float32 (training), float64 (worked examples), exact.

The engine never calls numpy's transcendental functions directly; it asks an `Ops` object for
exp, log, tanh, matmul, ReLU's max(s, 0) and step, and the row maximum softmax subtracts. For
float32/float64 these *are* numpy's functions (no overhead at all). In exact mode they act on
object arrays of intervals (mpmath's ``iv`` context at `WORK_DIGITS`): each value is carried as a
pair [lo, hi] that provably holds the true value, so cancellation cannot hide: δ(2)₁ of the hand
example, 2·a₁ + 3·a₂ + 2·(a₃ − 1) ≈ 1.98e-32 from terms near 1, comes out as an interval a few
units of 1e-100 wide, i.e. with ~68 certain digits. Everything else the engine does (+, −, ⊙,
sums) works on both kinds of array unchanged, so exact mode runs the same lines of code.

What exact mode records in a trace is a `Certain` per value: an mpmath number (its interval's
midpoint, so every reader can use it as a number) that also knows its bounds and so which of its
decimal digits are certain (`Certain.rounded`). Only those digits are ever shown.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np
from mpmath import iv

from backprop_tutor.numbers.certain import (
    WORK_BITS,
    bounds,
    interval,
    working_precision,
)

__all__ = ["PRECISIONS", "Ops", "ops_for"]

PRECISIONS = ("float32", "float64", "exact")


@dataclass(frozen=True)
class Ops:
    """The elementary operations of one number type. Call `ops_for(name)` to get one."""

    name: str
    dtype: Any  # numpy dtype (object for exact)
    exp: Callable[..., np.ndarray]
    log: Callable[..., np.ndarray]
    tanh: Callable[..., np.ndarray]
    matmul: Callable[..., np.ndarray]
    #: max(s, 0), with numpy's ``out=`` (ReLU)
    maximum: Callable[..., np.ndarray]
    #: step(s, one, at_zero, out=None): 1 for s > 0, 0 for s < 0, at_zero at 0 (ReLU's h')
    step: Callable[..., np.ndarray]
    #: max_k s_k per row, (B, 1): any constant per row serves softmax, which is shift-invariant
    row_max: Callable[[np.ndarray], np.ndarray]
    #: Σ over the rows (samples) of a (B, n) array, into ``out`` (n,): Σ_samples δ(l) for ∇b(l)
    column_sum: Callable[[np.ndarray, np.ndarray], np.ndarray]
    #: Σ over the columns of a (B, n) array, (B, 1): softmax's denominator Σ_j e^(s_j)
    row_sum: Callable[[np.ndarray], np.ndarray]
    #: Wrap a computation in it: exact mode's arithmetic then runs at WORK_DIGITS.
    context: Callable[[], AbstractContextManager[Any]]

    @property
    def exact(self) -> bool:
        return self.name == "exact"

    def asarray(self, values: Any) -> np.ndarray:
        """An array of this number type. Exact mode keeps decimal literals exact: 0.1 is the
        (narrow) interval around 1/10, not the nearest binary float."""
        if not self.exact:
            return np.array(values, dtype=self.dtype)
        arr = np.array(values, dtype=object)
        out = np.empty(arr.shape, dtype=object)
        with working_precision():
            for idx, v in np.ndenumerate(arr):
                out[idx] = interval(v)
        return out

    def within(self, x: np.ndarray, lo: int, hi: int) -> np.ndarray:
        """Exact mode: each interval of ``x`` cut (in place) to [lo, hi], the range of the function that made it:
        softmax and sigmoid give values in [0, 1] however wide their inputs' intervals grew (W = 1e300 would
        otherwise show a(L) as 0 ± 1e(1.7e200)). Floats are returned as they are."""
        if self.exact:
            for idx, v in np.ndenumerate(x):
                a, b = bounds(v)
                if a < lo or b > hi:
                    x[idx] = iv.mpf((max(a, lo), min(b, hi))) if max(a, lo) <= min(b, hi) else v
        return x

    def zeros(self, shape: tuple[int, ...]) -> np.ndarray:
        if not self.exact:
            return np.zeros(shape, dtype=self.dtype)
        out = np.empty(shape, dtype=object)
        out.fill(iv.mpf(0))
        return out

    @property
    def zero(self) -> Any:
        return self.scalar(0)

    @property
    def one(self) -> Any:
        return self.scalar(1)

    def scalar(self, value: Any) -> Any:
        """A scalar of this number type (the learning rate, 1/B, the ReLU slope at 0…)."""
        return self.asarray(value)[()] if self.exact else self.dtype.type(value)


# --- the exact-mode operations on object arrays of intervals -----------------------------------
def _elementwise(fn: Callable[[Any], Any]) -> Callable[..., np.ndarray]:
    """Lift a function of one interval to object arrays, with numpy's ``out=`` convention."""

    def apply(x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        x = np.asarray(x, dtype=object)
        result = np.empty(x.shape, dtype=object) if out is None else out
        with working_precision():
            for idx, v in np.ndenumerate(x):
                result[idx] = fn(v)
        return result

    return apply


def _increasing(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """An increasing mpmath function on intervals: [f(lo), f(hi)], evaluated with 20 guard bits and
    widened outward by 2^-(prec+5) relative, more than mpmath's error of a few units in the last place."""

    def on_interval(x: Any) -> Any:
        lo, hi = bounds(x)
        with mpmath.workprec(WORK_BITS + 20):
            f_lo, f_hi = fn(lo), fn(hi)
            pad = mpmath.ldexp(1, -(WORK_BITS + 5))
            return iv.mpf((f_lo - abs(f_lo) * pad, f_hi + abs(f_hi) * pad))

    return on_interval


def _relu(x: Any) -> Any:
    lo, hi = bounds(x)
    if hi <= 0:
        return iv.mpf(0)
    return x if lo >= 0 else iv.mpf((0, hi))


def _exact_maximum(s: np.ndarray, zero: Any, out: np.ndarray | None = None) -> np.ndarray:
    return _elementwise(_relu)(s, out=out)


def _exact_step(s: np.ndarray, one: Any, at_zero: Any, out: np.ndarray | None = None) -> np.ndarray:
    """ReLU's h'(s): 1, 0, or at_zero for s exactly 0; an interval s that holds 0 without being 0
    (its sign is not known) gets the hull of the values h' can take there, so nothing is claimed."""

    def step(x: Any) -> Any:
        lo, hi = bounds(x)
        if lo > 0:
            return iv.mpf(1)
        if hi < 0:
            return iv.mpf(0)
        if lo == hi == 0:
            return interval(at_zero)
        z = bounds(interval(at_zero))[0]
        return iv.mpf((min(0, z), max(1, z)))

    return _elementwise(step)(s, out=out)


def _exact_row_max(s: np.ndarray) -> np.ndarray:
    # a point (the largest lower bound): subtracting an exact constant widens nothing
    return np.array([[iv.mpf(max(bounds(v)[0] for v in row))] for row in s], dtype=object)


def _exact_matmul(a: np.ndarray, b: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    with working_precision():
        return np.matmul(a, b, out=out)


def _float_step(s: np.ndarray, one: Any, at_zero: Any, out: np.ndarray | None = None) -> np.ndarray:
    out = np.empty(s.shape, np.result_type(s, one)) if out is None else out
    np.greater(s, 0, out=out, casting="unsafe")  # True/False cast to exactly 1/0, written in place
    if at_zero:
        out[s == 0] = at_zero
    return out


def _float_row_max(s: np.ndarray) -> np.ndarray:
    # the same maxima, taken down the columns of a copy of sᵀ: numpy reduces a short row (10 outputs) with a
    # loop per row, about 6× slower for a (1000, 10) array than one pass over sᵀ's rows
    return np.ascontiguousarray(s.T).max(axis=0)[:, None]


@functools.lru_cache(maxsize=32)
def _ones(n: int, dtype: np.dtype, column: bool) -> np.ndarray:
    ones = np.ones((n, 1) if column else (n,), dtype=dtype)
    ones.flags.writeable = False
    return ones


# Sums as products with a vector of ones (1ᵀ x, x 1): BLAS's matrix-vector product is several times faster than
# numpy's reductions over a (500, 100) array's columns or a (500, 10) array's rows, and as reproducible.
def _float_column_sum(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    return np.matmul(_ones(x.shape[0], x.dtype, False), x, out=out)


def _float_row_sum(x: np.ndarray) -> np.ndarray:
    return np.matmul(x, _ones(x.shape[1], x.dtype, True))


def _exact_column_sum(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    return np.sum(x, axis=0, out=out)


def _exact_row_sum(x: np.ndarray) -> np.ndarray:
    return x.sum(axis=1, keepdims=True)


_FLOAT = {
    name: Ops(name, np.dtype(name), np.exp, np.log, np.tanh, np.matmul, np.maximum, _float_step, _float_row_max,
              _float_column_sum, _float_row_sum, contextlib.nullcontext)
    for name in ("float32", "float64")
}
_EXACT = Ops("exact", np.dtype(object), _elementwise(iv.exp), _elementwise(iv.log),
             _elementwise(_increasing(mpmath.tanh)), _exact_matmul, _exact_maximum, _exact_step, _exact_row_max,
             _exact_column_sum, _exact_row_sum, working_precision)


def ops_for(precision: str) -> Ops:
    """The `Ops` for ``"float32"``, ``"float64"`` or ``"exact"``."""
    if precision == "exact":
        return _EXACT
    try:
        return _FLOAT[precision]
    except KeyError:
        raise ValueError(f"unknown precision {precision!r}; choose one of {', '.join(PRECISIONS)}") from None
