"""Each quantity recomputed from the student's own earlier values, with the engine's functions.

Numbas calls this *adaptive marking*: an earlier answer replaces the true value and the later parts
are marked again from it. ``own[(quantity, layer)]`` holds the student's value where they wrote one
and the true value where they did not; `recompute` applies the step's equation to it:

    s(l)  = W(l) a(l-1) + b(l)                 from their a(l-1)
    a(l)  = h(s(l)),  a'(l) = h'(s(l))          from their s(l) (and a(l), for h' = a(1 − a))
    C     = C(s(L), a(L), y)                    from their s(L), a(L)
    δ(L)  = ∇s(L) C                             from their a(L) (and a'(L) with ½‖a − y‖²)
    δ(l)  = a'(l) ⊙ (W(l+1)ᵀ δ(l+1))            from their a'(l), δ(l+1)
    ∇W(l) = δ(l) a(l-1)ᵀ (+ λW),  ∇b(l) = δ(l)  from their δ(l), a(l-1)   (minibatch: their sample's
                                                 term replaces the true one in the mean)
    W(l) ← W(l) − η ∇W(l),  b(l) ← b(l) − η ∇b(l)  from their ∇W(l), ∇b(l)

W(l), b(l), x, y are the problem's givens (before the update).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping

import numpy as np

from backprop_tutor.check.expected import Given
from backprop_tutor.check.layout import Slot
from backprop_tutor.engine.activations import activation
from backprop_tutor.engine.losses import loss
from backprop_tutor.engine.precision import ops_for
from backprop_tutor.numbers.certain import certain_array
from backprop_tutor.worksheet.model import Quantity

Array = np.ndarray
Values = dict[tuple[Quantity, int], Array]
OPS = ops_for("exact")


def inputs_of(slot: Slot, L: int, elementwise_output: bool) -> list[tuple[Quantity, int]]:
    """The student's quantities that ``slot`` is computed from (a(0) = x is given, not written)."""
    q, l = slot.quantity, slot.layer
    prev = [(Quantity.A, l - 1)] if l > 1 else []
    return {
        Quantity.S: prev,
        Quantity.A: [(Quantity.S, l)],
        Quantity.A_PRIME: [(Quantity.S, l), (Quantity.A, l)],
        Quantity.COST: [(Quantity.S, L), (Quantity.A, L)],
        Quantity.DELTA: ([(Quantity.A, L)] + ([(Quantity.A_PRIME, L)] if elementwise_output else []) if l == L
                         else [(Quantity.A_PRIME, l), (Quantity.DELTA, l + 1)]),
        Quantity.GRAD_W: [(Quantity.DELTA, l), *prev],
        Quantity.GRAD_B: [(Quantity.DELTA, l)],
        Quantity.W_NEW: [(Quantity.GRAD_W, l)],
        Quantity.B_NEW: [(Quantity.GRAD_B, l)],
    }[q]


def recompute(slot: Slot, own: Values, true: Values, given: Given) -> Array:
    """``slot``'s value from the student's own inputs (``own``); ``true`` holds the engine's values."""
    with OPS.context():  # exact mode computes on intervals: written numbers become (point) intervals
        own, true = _Intervals(own), _Intervals(true)  # converted as a rule reads them, not all per slot
        given = dataclasses.replace(  # scalars as 0-d arrays: numpy then multiplies entry by entry
            given, x=OPS.asarray(given.x), y=OPS.asarray(given.y), eta=OPS.asarray(given.eta),
            l2=OPS.asarray(given.l2), W={l: OPS.asarray(W) for l, W in given.W.items()},
            b={l: OPS.asarray(b) for l, b in given.b.items()})
        return certain_array(np.asarray(_RULES[slot.quantity](slot.layer, own, true, given), dtype=object))


class _Intervals(Mapping[tuple[Quantity, int], Array]):
    """A view of ``values`` whose entries are exact mode's intervals, converted when read: a rule reads
    two or three quantities, so converting every written value for every slot would be wasted work."""

    def __init__(self, values: Values) -> None:
        self._values = values

    def __getitem__(self, key: tuple[Quantity, int]) -> Array:
        return OPS.asarray(self._values[key])

    def __iter__(self) -> Iterator[tuple[Quantity, int]]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


def _a(values: Values, l: int, given: Given) -> Array:
    return given.x if l == 0 else values[(Quantity.A, l)]


def _s(l: int, own: Values, true: Values, g: Given) -> Array:
    return OPS.matmul(_a(own, l - 1, g)[None], g.W[l].T)[0] + g.b[l]  # s(l) = W(l) a(l-1) + b(l)


def _act(l: int, own: Values, true: Values, g: Given) -> Array:
    s = own[(Quantity.S, l)][None]
    return activation(g.activations[l - 1]).h(s.copy(), OPS.zeros(s.shape), OPS)[0]  # a(l) = h(s(l))


def _act_prime(l: int, own: Values, true: Values, g: Given) -> Array:
    s, a = own[(Quantity.S, l)][None], own[(Quantity.A, l)][None]
    h_prime = activation(g.activations[l - 1]).h_prime
    assert h_prime is not None
    return h_prime(s, a, OPS.zeros(s.shape), OPS, g.relu_prime_at_zero)[0]  # a'(l) = h'(s(l))


def _cost(l: int, own: Values, true: Values, g: Given) -> Array:
    s, a = own[(Quantity.S, l)][None], own[(Quantity.A, l)][None]
    return np.asarray(loss(g.loss).cost(s, a, g.y[None], OPS)[0], dtype=object)


def _delta(l: int, own: Values, true: Values, g: Given) -> Array:
    if l == len(g.activations):  # δ(L) = ∇s(L) C
        a = own[(Quantity.A, l)][None]
        a_prime = own.get((Quantity.A_PRIME, l))
        return loss(g.loss).delta(a, g.y[None], None if a_prime is None else a_prime[None], OPS.zeros(a.shape))[0]
    # δ(l) = a'(l) ⊙ (W(l+1)ᵀ δ(l+1))
    return own[(Quantity.A_PRIME, l)] * OPS.matmul(own[(Quantity.DELTA, l + 1)][None], g.W[l + 1])[0]


def _grad_W(l: int, own: Values, true: Values, g: Given) -> Array:
    # ∇W(l) = mean over the minibatch of δ(l) a(l-1)ᵀ (+ λW): this sample's term, the student's way
    mine = np.outer(own[(Quantity.DELTA, l)], _a(own, l - 1, g))
    theirs = np.outer(true[(Quantity.DELTA, l)], _a(true, l - 1, g))
    return true[(Quantity.GRAD_W, l)] + (mine - theirs) / OPS.scalar(g.batch_size)


def _grad_b(l: int, own: Values, true: Values, g: Given) -> Array:
    return true[(Quantity.GRAD_B, l)] + (own[(Quantity.DELTA, l)] - true[(Quantity.DELTA, l)]) / OPS.scalar(
        g.batch_size)


def _W_new(l: int, own: Values, true: Values, g: Given) -> Array:
    return g.W[l] - g.eta * own[(Quantity.GRAD_W, l)]  # W(l) ← W(l) − η ∇W(l)


def _b_new(l: int, own: Values, true: Values, g: Given) -> Array:
    return g.b[l] - g.eta * own[(Quantity.GRAD_B, l)]  # b(l) ← b(l) − η ∇b(l)


_RULES: dict[Quantity, Callable[[int, Values, Values, Given], Array]] = {
    Quantity.S: _s, Quantity.A: _act, Quantity.A_PRIME: _act_prime, Quantity.COST: _cost, Quantity.DELTA: _delta,
    Quantity.GRAD_W: _grad_W, Quantity.GRAD_B: _grad_b, Quantity.W_NEW: _W_new, Quantity.B_NEW: _b_new,
}
