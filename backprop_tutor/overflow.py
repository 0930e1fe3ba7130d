"""Numbers that stopped being numbers: a value beyond the number type's range, or a step that overflowed.

`tutor example` runs a spec for one SGD step. Before the step, every W(l), b(l), x and y must be finite
in the chosen precision (1e400 is a finite decimal, but no float64); after it, every recorded quantity
must be finite too. The first one that is not is named with its step and layer, and what to try.
"""

from __future__ import annotations

from typing import Any

import mpmath
import numpy as np

from backprop_tutor.errors import NumericError
from backprop_tutor.notation import cell_text, field_name
from backprop_tutor.numbers.certain import bounds
from backprop_tutor.trace import fields
from backprop_tutor.trace.events import Trace

#: the values that become infinite when the softmax output saturates (log a, −y/a)
SATURATED = {fields.C.name, fields.GRAD_A.name, fields.JACOBIAN_TIMES_GRAD_A.name}

LARGEST = {"float32": "3.4e38", "float64": "1.8e308"}

ADVICE = ("try --exact (arbitrary precision), or smaller weights, inputs or learning rate")


def all_finite(values: np.ndarray) -> bool:
    """Whether every value is a finite number (float arrays, or exact mode's arrays of intervals)."""
    if values.dtype == object:
        return all(_ends_are(mpmath.isfinite, v, all) for v in values.flat)
    return bool(np.isfinite(values).all())


def _ends_are(test: Any, v: Any, combine: Any) -> bool:
    """``test`` of an exact value: of both ends of an interval (combined by all/any), else of the number."""
    return combine(test(end) for end in bounds(v)) if hasattr(v, "_mpi_") else bool(test(v))


def check_fits(named: dict[str, Any], precision: str, where: str) -> None:
    """Each array in ``named`` ({"W(1)": array, …}, already in ``precision``) must be finite: a value
    that overflowed on conversion (1e400 as a float) or came from the file as NaN/inf is named."""
    for name, values in named.items():
        values = np.asarray(values)
        if all_finite(values):
            continue
        if _has_nan(values):
            raise NumericError(f"{where} {name} holds NaN (not a number); give finite numbers")
        beyond = f"the largest {precision} number (±{LARGEST[precision]})" if precision in LARGEST else "any number"
        raise NumericError(f"{where} {name} holds a value beyond {beyond}; "
                           f"{'try --exact, or ' if precision in LARGEST else ''}use smaller values")


def check_trace_finite(trace: Trace, where: str) -> None:
    """The first recorded quantity, in the order of the step, that is inf or NaN, with its step and layer."""
    precision = trace.header.precision
    for event in trace.events:
        for name, values in event.arrays().items():
            if values is None or all_finite(np.asarray(values)):
                continue
            what = field_name(name, event.layer)
            kind = "NaN (not a number)" if _has_nan(np.asarray(values)) else "infinite"
            layer = f" of layer {event.layer}" if event.layer else ""
            raise NumericError(f"{where} the {event.phase} step{layer} overflowed: {what} is {kind}; "
                               f"{_cause(name, event.layer, precision)}; {ADVICE}")


def _cause(name: str, layer: int, precision: str) -> str:
    if name in SATURATED:
        return (f"{cell_text('a', layer)} has rounded to 0 for a target class (the output saturated), so log a and "
                f"∇a C = −y/a are infinite ({cell_text('δ', layer)} = a − y itself is fine)")
    if precision in LARGEST:
        return f"the numbers grew beyond the largest {precision} number (±{LARGEST[precision]})"
    return "the computation left the finite numbers"


def _has_nan(values: np.ndarray) -> bool:
    if values.dtype == object:
        return any(_ends_are(mpmath.isnan, v, any) for v in values.flat)
    return bool(np.isnan(values).any())
