"""Arithmetic on a recorded array of either number type: float64 for floats, `Certain` for exact values,
so a mean or a norm of exact values keeps only certain digits (its interval is carried through)."""

from __future__ import annotations

from typing import Any

import numpy as np
from mpmath import iv

from backprop_tutor.numbers.certain import Certain, interval, working_precision


def array_mean(values: Any) -> Any:
    """The mean of an array: float64, or for exact values a `Certain` (its digits stay certain)."""
    arr = np.asarray(values)
    if arr.dtype != object:
        return float(np.asarray(arr, dtype=np.float64).mean())
    return sum(arr.ravel().tolist()) / arr.size


def vector_norm(values: Any) -> Any:
    """‖v‖ (all entries): float64, or for exact values a `Certain`, computed on their intervals."""
    arr = np.asarray(values)
    if arr.dtype != object:
        return float(np.linalg.norm(np.asarray(arr, dtype=np.float64)))
    with working_precision():
        # |v|·|v|, not v·v: an interval around 0 times itself would reach below 0
        return Certain.of(iv.sqrt(interval(sum(abs(v) * abs(v) for v in arr.ravel().tolist()))))
