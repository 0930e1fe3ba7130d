"""Number types for the one engine: float32 (training), float64 (worked examples), exact.

The engine never calls numpy's transcendental functions directly; it asks an `Ops` object for
exp, log, tanh and matmul. For float32/float64 these *are* numpy's ufuncs (no overhead at all);
for exact mode they apply mpmath elementwise to object arrays of `mpmath.mpf`. Everything else
the engine does (+, −, ⊙, comparisons, sums) works on both kinds of array unchanged, so exact mode
runs the same lines of code, not a second implementation.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import mpmath
import numpy as np

#: Decimal digits of working precision in exact mode.
EXACT_DIGITS = 50

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
    #: Wrap a computation in it: exact mode's arithmetic (+, ×, ÷ of mpf) then runs at EXACT_DIGITS.
    context: Callable[[], AbstractContextManager[Any]]

    @property
    def exact(self) -> bool:
        return self.name == "exact"

    def asarray(self, values: Any) -> np.ndarray:
        """An array of this number type. Exact mode keeps decimal literals exact: 0.1 is 1/10."""
        if not self.exact:
            return np.array(values, dtype=self.dtype)
        arr = np.array(values, dtype=object)
        out = np.empty(arr.shape, dtype=object)
        with mpmath.workdps(EXACT_DIGITS):
            for idx, v in np.ndenumerate(arr):
                # str() of a Decimal or float is its shortest exact decimal: what the user wrote.
                exact_text = isinstance(v, float | Decimal | np.floating)
                out[idx] = mpmath.mpf(str(v)) if exact_text else mpmath.mpf(v)
        return out

    def zeros(self, shape: tuple[int, ...]) -> np.ndarray:
        if not self.exact:
            return np.zeros(shape, dtype=self.dtype)
        out = np.empty(shape, dtype=object)
        out.fill(mpmath.mpf(0))
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


def _elementwise(fn: Callable[[Any], Any]) -> Callable[..., np.ndarray]:
    """Lift an mpmath function to object arrays, with numpy's ``out=`` convention."""

    def apply(x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        x = np.asarray(x, dtype=object)
        result = np.empty(x.shape, dtype=object) if out is None else out
        with mpmath.workdps(EXACT_DIGITS):
            for idx, v in np.ndenumerate(x):
                result[idx] = fn(v)
        return result

    return apply


def _exact_matmul(a: np.ndarray, b: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    with mpmath.workdps(EXACT_DIGITS):
        return np.matmul(a, b, out=out)


_FLOAT = {
    name: Ops(name, np.dtype(name), np.exp, np.log, np.tanh, np.matmul, contextlib.nullcontext)
    for name in ("float32", "float64")
}
_EXACT = Ops("exact", np.dtype(object), _elementwise(mpmath.exp), _elementwise(mpmath.log),
             _elementwise(mpmath.tanh), _exact_matmul, lambda: mpmath.workdps(EXACT_DIGITS))


def ops_for(precision: str) -> Ops:
    """The `Ops` for ``"float32"``, ``"float64"`` or ``"exact"``."""
    if precision == "exact":
        return _EXACT
    try:
        return _FLOAT[precision]
    except KeyError:
        raise ValueError(f"unknown precision {precision!r}; choose one of {', '.join(PRECISIONS)}") from None
