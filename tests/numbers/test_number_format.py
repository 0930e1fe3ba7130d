"""One way to write a number in every view: float and exact values, at any digits, read alike."""

from __future__ import annotations

import numpy as np
import pytest
from mpmath import iv

from backprop_tutor.numbers.certain import Certain
from backprop_tutor.numbers.format import fmt
from backprop_tutor.render.step_notes import step_text
from backprop_tutor.spec import load_spec, resolve_example, run_spec

VALUES = [0.000408, 4.08e-5, 1e-5, -0.00012345, 0.00999, 0.0123, 1234.5, 123456.7, -2.22e-16, 1.98e-32, 0.5,
          17.0000001, 0.99999996, 99.96, 1e-4]


def exact(v: float) -> Certain:
    return Certain.of(iv.mpf(repr(v)))  # the decimal the float prints as, enclosed


@pytest.mark.parametrize("digits", [1, 3, 6, None])
@pytest.mark.parametrize("value", VALUES)
def test_float_and_exact_values_are_written_alike(value, digits):
    assert fmt(value, digits) == fmt(exact(value), digits) == fmt(np.float64(value), digits)


@pytest.mark.parametrize(("value", "digits", "text"), [
    (0.000408, 3, "0.000408"), (4.08e-5, 3, "4.08e-5"), (1e-5, None, "1e-5"), (1.5e-5, None, "1.5e-5"),
    (1234.5, 3, "1.23e3"), (1234.5, None, "1234.5"), (1.9792597960067817e-32, 4, "1.979e-32"),
])
def test_one_rule_for_the_exponent(value, digits, text):
    """%g's rule everywhere: fixed point from 1e-4 on; no "+" or leading zero in an exponent, even in full."""
    assert fmt(value, digits) == text
    if digits is not None:  # in full, a float32 has fewer digits than the float64 it converts to
        assert fmt(np.float32(value), digits) == fmt(float(np.float32(value)), digits)


def test_the_cost_after_the_update_reads_the_same_in_float64_and_exact():
    """The hand example's C after the update with only W changed: 0.000408 in both number types."""
    spec = load_spec(resolve_example("hand-backprop"))
    texts = []
    for precision in ("float64", "exact"):
        trace = run_spec(spec, precision)
        eqs = step_text(trace, len(trace) - 1, 0, 3)
        texts.append(next(eq.result for eq in eqs if eq.symbolic.startswith("C with only W updated")))
    assert texts == ["0.000408", "0.000408"]


def test_settings_in_the_step_notes_are_written_by_the_same_rule():
    """λ = 1e-5 (not %g's 1e-05) beside the numbers of the gradient step, as every other number is written."""
    from backprop_tutor.trace.events import Gradient

    spec = load_spec(resolve_example("hand-backprop"))
    spec.l2 = 1e-5
    trace = run_spec(spec, "float64")
    notes = " ".join(eq.note for eq in step_text(trace, trace.find(Gradient, 3), 0, 3))
    assert "λ = 1e-5:" in notes
