"""What the worksheet should say: the engine's values for one sample, and the problem's givens.

The engine runs the spec in exact arithmetic (intervals, recorded as `Certain` values), so the
expected values are exact and a tiny true value (δ(2)₁ = 1.98e-32 in the hand example) is not
float64 noise. The values come from the worksheet model (`build_worksheet`), as every view's do;
the givens W(l), b(l) before the update from the trace by `fields` constants. `reference_from` is
the one place the checker reads a trace.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from backprop_tutor.check.layout import Slot, slots
from backprop_tutor.errors import UsageError
from backprop_tutor.numbers.certain import Certain, certain_array
from backprop_tutor.plural import count
from backprop_tutor.spec import NetworkSpec, run_spec
from backprop_tutor.trace import fields
from backprop_tutor.trace.reader import TraceReader, read
from backprop_tutor.worksheet.model import Quantity, Worksheet, build_worksheet


@dataclass
class Given:
    """The problem as stated: x, y of the sample, W(l), b(l) before the update, η, the functions."""

    x: np.ndarray
    y: np.ndarray
    W: dict[int, np.ndarray]
    b: dict[int, np.ndarray]
    eta: Any
    activations: list[str]
    loss: str
    relu_prime_at_zero: float
    l2: Any
    batch_size: int


@dataclass
class Reference:
    """Everything the checker compares against: the slots, their true values, and the givens."""

    title: str
    slots: list[Slot]
    expected: dict[tuple[Quantity, int], np.ndarray]
    given: Given
    trace: TraceReader  # the exact trace the values come from (for its equations)
    sample: int
    #: each quantity's equation with numbers substituted, written once per problem (`working.quantity_equation`)
    equations: dict[tuple[Quantity, int], str] = field(default_factory=dict)

    def slot(self, quantity: Quantity, layer: int) -> Slot | None:
        return next((s for s in self.slots if s.quantity is quantity and s.layer == layer), None)


#: A worksheet is written by hand: more weights than this is not a hand calculation (and exact mode is slow).
MAX_WEIGHTS = 10_000


def reference_for(spec: NetworkSpec, sample: int = 0) -> Reference:
    """Run the spec's step in exact arithmetic and collect what the worksheet of ``sample`` should say."""
    weights = sum(n * m for m, n in zip(spec.sizes, spec.sizes[1:], strict=False))
    if weights > MAX_WEIGHTS:
        raise UsageError(f"{spec.source}: a {'-'.join(map(str, spec.sizes))} network has {count(weights, 'weight')}; a "
                         f"worksheet is for a calculation by hand (at most {MAX_WEIGHTS} weights)")
    trace = run_spec(spec, "exact")
    B = trace.header.batch_size
    if not 0 <= sample < B:
        raise UsageError(f"sample {sample} does not exist: {spec.source} holds {count(B, 'sample')}, numbered 0 "
                         f"to {B - 1}")
    return reference_from(trace, spec, sample)


def reference_from(trace: TraceReader, spec: NetworkSpec, sample: int = 0) -> Reference:
    """The reference of an exact-mode trace of ``spec`` (what `reference_for` computes, for a caller
    that already holds the trace)."""
    header, ws = trace.header, build_worksheet(trace, sample)
    layout = slots(header.sizes, elementwise_output=header.activations[-1] != "softmax")
    expected = {(s.quantity, s.layer): np.asarray(ws.value(s.quantity, s.layer), dtype=object) for s in layout}
    return Reference(header.title or spec.source, layout, expected, _given(trace, ws, spec), trace, sample)


def _given(trace: TraceReader, ws: Worksheet, spec: NetworkSpec) -> Given:
    header, layers = trace.header, range(1, trace.header.L + 1)
    return Given(x=ws.value(Quantity.X, 0), y=ws.value(Quantity.Y, 0),
                 W={l: read(trace, fields.W_BEFORE, l) for l in layers},
                 b={l: read(trace, fields.B_BEFORE, l) for l in layers},
                 eta=_certain(spec.learning_rate), activations=list(header.activations), loss=header.loss,
                 relu_prime_at_zero=float(spec.relu_prime_at_zero), l2=_certain(spec.l2),
                 batch_size=header.batch_size)


def _certain(value: Any) -> Certain:
    """A spec's number as exact mode records it (a decimal such as η = 0.1 enclosed, not rounded to binary)."""
    return certain_array(np.asarray(value, dtype=object))[()]
