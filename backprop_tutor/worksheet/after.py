"""The cost after the update: one more forward pass of the same minibatch with the new W(l), b(l), run
by the engine (`network_from_parameters` … `Network.cost`), so a student sees whether the step helped.

Also with only W updated and every b(l) left as it was: texts that keep a fixed shared bias (Mazur's
"A Step by Step Backpropagation Example", 2015) report that number (0.291027924 there, against
0.280471447 with the biases updated, from 0.298371109).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from backprop_tutor.trace import fields
from backprop_tutor.trace.events import Input, Update
from backprop_tutor.trace.reader import TraceReader, read
from backprop_tutor.worksheet.model import mean


@dataclass(frozen=True)
class CostAfter:
    """C before the step (as recorded) and after it, per sample (B,) and as the minibatch's mean."""

    before: np.ndarray
    after: np.ndarray
    weights_only: np.ndarray  # W updated, b as before

    def mean(self, which: str) -> Any:
        return mean(getattr(self, which))[()]


def last_update(trace: TraceReader) -> int | None:
    """The index of the trace's last Update event (the step after which every W(l), b(l) is new)."""
    updates = [info.index for info in trace.index if info.cls is Update]
    return updates[-1] if updates else None


def cost_after_update(trace: TraceReader) -> CostAfter | None:
    """C of every sample with the updated parameters; None if the trace lacks an update of some layer,
    its input or its loss (a partial trace); CostAfterError if that forward pass overflows exact arithmetic."""
    from backprop_tutor.engine.network import network_from_parameters
    from backprop_tutor.numbers.certain import certain_array

    header = trace.header
    before = read(trace, fields.C, header.L)
    i = trace.find(Input, 0)
    params = [(read(trace, fields.W_BEFORE, l), read(trace, fields.W_AFTER, l), read(trace, fields.B_BEFORE, l),
               read(trace, fields.B_AFTER, l)) for l in range(1, header.L + 1)]
    if before is None or i is None or any(p is None for layer in params for p in layer):
        return None
    x, y = trace.array(i, fields.X), trace.array(i, fields.Y)
    relu0 = float(header.config.get("relu_prime_at_zero", 0.0)) if isinstance(header.config, dict) else 0.0

    def cost(pairs: list[tuple[Any, Any]]) -> np.ndarray:
        net = network_from_parameters(pairs, list(header.activations), header.loss, header.precision, relu0)
        costs = np.array(net.cost(net.ops.asarray(y), net.ops.asarray(x)))
        return certain_array(costs) if costs.dtype == object else costs  # exact: intervals → certain digits

    try:
        with np.errstate(all="ignore"):  # a float overflow shows as inf in C, which the view writes as it is
            return CostAfter(np.asarray(before), cost([(W1, b1) for _, W1, _, b1 in params]),
                             cost([(W1, b0) for _, W1, b0, _ in params]))
    except ArithmeticError as err:  # exact mode: e^(1e308) has more digits than any number can hold
        raise CostAfterError(f"the forward pass with the new W(l), b(l) cannot be computed: {err}") from err


class CostAfterError(ArithmeticError):
    """The cost after the update is beyond what the trace's number type can compute."""
