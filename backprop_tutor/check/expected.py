"""What the worksheet should say: the engine's values for one sample, and the problem's givens.

The engine runs the spec in exact arithmetic (50 digits), so the expected values are exact and a
tiny true value (δ(2)₁ = 1.98e-32 in the hand example) is not float64 noise.

`expected_cells` is the ONE place the checker reads a trace's quantities. It reads the in-memory
trace's events directly until the worksheet model lands; then its body becomes
``list(build_worksheet(trace, sample).cells())`` and `Cell` is replaced by worksheet.model.Cell.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from backprop_tutor.check.layout import Quantity, Slot, slots
from backprop_tutor.engine.certain import Certain
from backprop_tutor.engine.precision import ops_for
from backprop_tutor.errors import UsageError
from backprop_tutor.spec import NetworkSpec, run_spec
from backprop_tutor.trace.events import Delta as DeltaEvent
from backprop_tutor.trace.events import Event, Forward, Gradient, Input, Loss, OutputDelta, Trace, Update


@dataclass(frozen=True)
class Cell:
    """One number of the worksheet. Stand-in for worksheet.model.Cell (same fields)."""

    quantity: Quantity
    layer: int
    index: tuple[int, ...]
    value: Any
    source: type[Event]


def expected_cells(trace: Trace, sample: int) -> list[Cell]:
    """Every number a student writes for ``sample`` of the trace's step.

    INTEGRATION POINT: switch to ``list(worksheet.build_worksheet(trace, sample).cells())``."""
    found: list[tuple[Quantity, int, Any, type[Event]]] = []
    for e in trace:
        if isinstance(e, Forward):
            found += [(Quantity.S, e.layer, e.s[sample], Forward), (Quantity.A, e.layer, e.a[sample], Forward)]
            if e.a_prime is not None:
                found.append((Quantity.A_PRIME, e.layer, e.a_prime[sample], Forward))
        elif isinstance(e, Loss):
            found.append((Quantity.COST, e.layer, np.asarray(e.C[sample]), Loss))
        elif isinstance(e, OutputDelta | DeltaEvent):
            found.append((Quantity.DELTA, e.layer, e.delta[sample], type(e)))
        elif isinstance(e, Gradient):
            found += [(Quantity.GRAD_W, e.layer, e.dW, Gradient), (Quantity.GRAD_B, e.layer, e.db, Gradient)]
        elif isinstance(e, Update):
            found += [(Quantity.W_NEW, e.layer, e.W_after, Update), (Quantity.B_NEW, e.layer, e.b_after, Update)]
    return [Cell(q, l, tuple(int(i) for i in idx), v, source)
            for q, l, values, source in found for idx, v in np.ndenumerate(np.asarray(values, dtype=object))]


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

    def slot(self, quantity: Quantity, layer: int) -> Slot | None:
        return next((s for s in self.slots if s.quantity is quantity and s.layer == layer), None)


#: A worksheet is written by hand: more weights than this is not a hand calculation (and exact mode is slow).
MAX_WEIGHTS = 10_000


def reference_for(spec: NetworkSpec, sample: int = 0) -> Reference:
    """Run the spec's step in exact arithmetic and collect what the worksheet of ``sample`` should say."""
    weights = sum(n * m for m, n in zip(spec.sizes, spec.sizes[1:], strict=False))
    if weights > MAX_WEIGHTS:
        raise UsageError(f"{spec.source}: a {'-'.join(map(str, spec.sizes))} network has {weights} weights; a "
                         f"worksheet is for a calculation by hand (at most {MAX_WEIGHTS} weights)")
    trace = run_spec(spec, "exact")
    B = trace.header.batch_size
    if not 0 <= sample < B:
        raise UsageError(f"sample {sample} does not exist: {spec.source} holds {B} sample(s), numbered 0 to {B - 1}")
    layout = slots(trace.header.sizes, elementwise_output=trace.header.activations[-1] != "softmax")
    expected: dict[tuple[Quantity, int], np.ndarray] = {
        (s.quantity, s.layer): np.empty(s.shape, dtype=object) for s in layout}
    for cell in expected_cells(trace, sample):
        if (cell.quantity, cell.layer) in expected:  # the worksheet model also holds x, y, the minibatch's C
            expected[(cell.quantity, cell.layer)][cell.index] = cell.value
    return Reference(trace.header.title or spec.source, layout, expected, _given(trace, sample, spec))


def _given(trace: Trace, sample: int, spec: NetworkSpec) -> Given:
    header, exact = trace.header, ops_for("exact")
    inputs = next(e for e in trace if isinstance(e, Input))
    updates = [e for e in trace if isinstance(e, Update)]
    return Given(x=inputs.x[sample], y=inputs.y[sample], W={e.layer: e.W_before for e in updates},
                 b={e.layer: e.b_before for e in updates},
                 eta=Certain.of(exact.scalar(spec.learning_rate)), activations=list(header.activations),
                 loss=header.loss, relu_prime_at_zero=float(spec.relu_prime_at_zero),
                 l2=Certain.of(exact.scalar(spec.l2)),  # Certain, not a bare interval: mpmath 1.4 cannot float() it
                 batch_size=header.batch_size)
