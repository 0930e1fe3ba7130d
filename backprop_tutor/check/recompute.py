"""Each quantity recomputed from the student's own earlier values, with the engine's functions.

Numbas calls this *adaptive marking*: an earlier answer replaces the true value and the later parts
are marked again from it. ``own[(quantity, layer)]`` holds, for each cell, what the student wrote, or
for a cell they left blank what their own written values imply (`Marker` fills it in order);
`routes` applies the step's equation to it:

    s(l)  = W(l) a(l-1) + b(l)                 from their a(l-1)
    a(l)  = h(s(l))                             from their s(l)
    a'(l) = h'(s(l))                            from their s(l), or from their a(l) (a(1 − a), 1 − a²)
    C     = −Σ y log a(L)  (½‖a − y‖²)          from their s(L) (log Σ e^s − Σ y s), or their a(L)
    δ(L)  = ∇s(L) C                             from their a(L) (and a'(L) with ½‖a − y‖²)
    δ(l)  = a'(l) ⊙ (W(l+1)ᵀ δ(l+1))            from their a'(l), δ(l+1)
    ∇W(l) = δ(l) a(l-1)ᵀ (+ λW),  ∇b(l) = δ(l)  from their δ(l), a(l-1)   (minibatch: their sample's
                                                 term replaces the true one in the mean)
    W(l) ← W(l) + μ v − η ∇W(l), b(l) likewise  from their ∇W(l), ∇b(l) (the true step with their
                                                 gradient in place of the true one: momentum and L2 kept)

A quantity may have more than one route (C from s(L) or from a(L)): a written value that follows any
of them follows from the student's own values. W(l), b(l), x, y, η are the problem's givens.

Written numbers are rounded: a `Band` widens each written number that shows rounding (a non-integer
with two or more significant digits) by half a unit in its last digit, and each value the student
left blank (and so rounded unseen) by the relative rounding of their written numbers, so the result
is the interval of everything the student's own unrounded values could give.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
from mpmath import iv

from backprop_tutor.check.expected import Given
from backprop_tutor.check.layout import Slot
from backprop_tutor.check.numbers import Typed
from backprop_tutor.engine.activations import activation
from backprop_tutor.engine.losses import loss
from backprop_tutor.engine.precision import ops_for
from backprop_tutor.numbers.certain import certain_array, interval, working_precision
from backprop_tutor.worksheet.cell_equations import Via
from backprop_tutor.worksheet.model import Quantity

Array = np.ndarray
Key = tuple[Quantity, int]
Values = dict[Key, Array]
OPS = ops_for("exact")


@dataclass(frozen=True)
class Route:
    """One way to compute a quantity from the student's values: the result (Certain values) and the
    student's quantities it reads."""

    value: Array
    inputs: tuple[Key, ...]
    via: Via = Via.EQUATION


@dataclass(frozen=True)
class Band:
    """How far the student's own values may be from what they used: each written number by its rounding
    (`rounding_band`, at most ``relative`` × its size: the rounding the student usually writes); a value
    they left blank, and so rounded unseen, by ``relative`` × its size."""

    blank: frozenset[Key] = frozenset()
    relative: Fraction = Fraction(0)
    #: a blank quantity's values as the student's rounded values give them (intervals): blanks pass it on
    wide: Mapping[Key, Array] = dataclasses.field(default_factory=dict)


def routes(slot: Slot, own: Values, true: Values, given: Given, band: Band | None = None) -> list[Route]:
    """``slot``'s value by each of its routes from the student's values ``own`` (widened by ``band``);
    ``true`` holds the engine's values (for the rest of a minibatch's mean and the update's momentum)."""
    with OPS.context(), working_precision():
        view, truth = Intervals(own, band), Intervals(true, None)
        found = _RULES[slot.quantity](slot.layer, view, truth, exact_given(given))
        return [Route(certain_array(np.asarray(value, dtype=object)), inputs, via)
                for value, inputs, via in found if value is not None]


def exact_given(given: Given) -> Given:
    """The givens as exact intervals (call inside ``OPS.context()``); scalars as 0-d arrays, so numpy
    multiplies entry by entry. Converted once per problem: every route and rule of a sheet reads them."""
    cached = _EXACT.get(id(given))
    if cached is not None and cached[0] is given:
        return cached[1]
    if len(_EXACT) > 64:
        _EXACT.clear()
    exact = _exact(given)
    _EXACT[id(given)] = (given, exact)
    return exact


#: id(given) → (given, its exact form); the given is kept so that its id is not reused
_EXACT: dict[int, tuple[Given, Given]] = {}


def _exact(given: Given) -> Given:
    return dataclasses.replace(
        given, x=OPS.asarray(given.x), y=OPS.asarray(given.y), eta=OPS.asarray(given.eta),
        l2=OPS.asarray(given.l2), W={l: OPS.asarray(W) for l, W in given.W.items()},
        b={l: OPS.asarray(b) for l, b in given.b.items()})


def rule_value(quantity: Quantity, l: int, own: Mapping[Key, Array], true: Mapping[Key, Array], g: Given,
               via: Via | None = None) -> Any:
    """``quantity``'s value from ``own`` by its first route (or the route ``via``), on exact intervals (call
    inside ``OPS.context()`` with `exact_given`): the wrong rules of `misconceptions` start from it."""
    return next(v for v, _, w in _RULES[quantity](l, own, true, g) if via is None or w is via)


# --- numbers as the rules read them ------------------------------------------------------------
def rounding_band(value: Fraction) -> Fraction:
    """Half a unit in the last digit of a written number that shows rounding: as typed ("1.00" → 0.005,
    "0.269" → 0.0005), or for a number without its text, of its shortest decimal with two or more
    significant digits; 0 for an integer, a one-digit decimal (0.5) or a fraction that is no decimal (1/3):
    those read as exact."""
    if isinstance(value, Typed):
        return value.half_unit
    den, twos, fives = value.denominator, 0, 0
    while den % 2 == 0:
        den, twos = den // 2, twos + 1
    while den % 5 == 0:
        den, fives = den // 5, fives + 1
    places = max(twos, fives)
    if den != 1 or places == 0:
        return Fraction(0)
    digits = str(abs(value.numerator) * 10**places // value.denominator).strip("0")
    return Fraction(1, 2 * 10**places) if len(digits) >= 2 else Fraction(0)


def enclose(value: Any, band: Band | None = None, blank: bool = False) -> Any:
    """The interval holding ``value`` exactly: a written Fraction p/q as iv(p)/iv(q) (so the student's
    own numbers that cancel give an interval holding 0, not a residue of 1e-55). With a ``band``, a written
    number is widened by its `rounding_band` (at most the student's usual rounding), a value they left
    ``blank`` by their usual rounding."""
    if not isinstance(value, Fraction):
        x = interval(value)
        if band is None or not blank or not band.relative:
            return x
        return x * (1 + iv.mpf([-1, 1]) * (iv.mpf(band.relative.numerator) / band.relative.denominator))
    x = iv.mpf(value.numerator) / value.denominator
    if band is not None and (half := min(rounding_band(value), band.relative * abs(value))):
        x = x + iv.mpf([-1, 1]) * (iv.mpf(half.numerator) / half.denominator)
    return x


class Intervals(Mapping[Key, Array]):
    """A view of ``values`` whose entries are exact mode's intervals, converted when read: a rule reads
    two or three quantities, so converting every value for every slot would be wasted work."""

    def __init__(self, values: Values, band: Band | None) -> None:
        self._values, self._band = values, band

    def __getitem__(self, key: Key) -> Array:
        arr, band = self._values[key], self._band
        blank = band is not None and key in band.blank
        if blank and key in band.wide:
            arr = band.wide[key]
        out = np.empty(arr.shape, dtype=object)
        for idx, v in np.ndenumerate(arr):
            out[idx] = enclose(v, band, blank)
        return out

    def __iter__(self) -> Iterator[Key]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)


# --- the rules: each returns (value, inputs, via) for each route ---------------------------------
Found = list[tuple[Any, tuple[Key, ...], Via]]


def _a(values: Mapping[Key, Array], l: int, g: Given) -> Array:
    return g.x if l == 0 else values[(Quantity.A, l)]


def _prev(l: int) -> tuple[Key, ...]:
    return ((Quantity.A, l - 1),) if l > 1 else ()


def _s(l: int, own: Mapping[Key, Array], true: Mapping[Key, Array], g: Given) -> Found:
    s = OPS.matmul(_a(own, l - 1, g)[None], g.W[l].T)[0] + g.b[l]  # s(l) = W(l) a(l-1) + b(l)
    return [(s, _prev(l), Via.EQUATION)]


def h_of(g: Given, l: int, s: Array) -> Array:
    """a(l) = h(s(l)) for one sample's s (intervals)."""
    return activation(g.activations[l - 1]).h(s[None].copy(), OPS.zeros((1, *s.shape)), OPS)[0]


def h_prime_of(g: Given, l: int, s: Array, a: Array) -> Array:
    """a'(l) = h'(s(l)), the engine's h' given s and a = h(s)."""
    h_prime = activation(g.activations[l - 1]).h_prime
    assert h_prime is not None
    return h_prime(s[None], a[None], OPS.zeros((1, *s.shape)), OPS, g.relu_prime_at_zero)[0]


def _act(l: int, own: Mapping[Key, Array], true: Mapping[Key, Array], g: Given) -> Found:
    return [(h_of(g, l, own[(Quantity.S, l)]), ((Quantity.S, l),), Via.EQUATION)]  # a(l) = h(s(l))


def _act_prime(l: int, own: Mapping[Key, Array], true: Mapping[Key, Array], g: Given) -> Found:
    s = own[(Quantity.S, l)]
    found: Found = [(h_prime_of(g, l, s, h_of(g, l, s)), ((Quantity.S, l),), Via.FROM_S)]  # h'(s(l))
    name = g.activations[l - 1]
    if name in ("sigmoid", "tanh", "relu"):  # h' written in a(l): a(1 − a), 1 − a², [a > 0]
        a = own[(Quantity.A, l)]
        found.append((h_prime_of(g, l, a if name == "relu" else s, a), ((Quantity.A, l),), Via.FROM_A))
    return found


def _cost(l: int, own: Mapping[Key, Array], true: Mapping[Key, Array], g: Given) -> Found:
    s, a, y, C = own[(Quantity.S, l)], own[(Quantity.A, l)], g.y, loss(g.loss).cost
    found: Found = [(_cross_entropy_of_s(s, y) if g.loss == "cross-entropy" and _one_hot(y) is not None
                     else C(s[None], h_of(g, l, s)[None], y[None], OPS)[0], ((Quantity.S, l),), Via.FROM_S)]
    if g.loss != "cross-entropy":
        found.append((C(s[None], a[None], y[None], OPS)[0], ((Quantity.A, l),), Via.FROM_A))
    elif all(a[k] > 0 for k in range(len(y)) if y[k] != 0):  # C = −Σ y log a, where no log 0 is taken
        terms = [y[k] * OPS.log(np.asarray([a[k]]))[0] for k in range(len(y)) if y[k] != 0]
        found.append((-sum(terms[1:], terms[0]), ((Quantity.A, l),), Via.FROM_A))
    return found


def _one_hot(y: Array) -> int | None:
    """The class a one-hot y names (None for soft labels)."""
    ones = [k for k in range(len(y)) if y[k] != 0]
    return ones[0] if len(ones) == 1 and y[ones[0]] == 1 else None


def _cross_entropy_of_s(s: Array, y: Array) -> Any:
    """C = −log a_k = log(1 + Σ_(j≠k) e^(s_j − s_k)) for the class k: s_k appears once per term, always on the
    same side, so a rounding interval around each s gives a tight interval for C (log Σ e^s − s_k would
    count s_k's interval twice, against itself)."""
    k = _one_hot(y)
    terms = [OPS.exp(np.asarray([s[j] - s[k]]))[0] for j in range(len(s)) if j != k]
    return OPS.log(np.asarray([sum(terms, OPS.one)]))[0]


def _delta(l: int, own: Mapping[Key, Array], true: Mapping[Key, Array], g: Given) -> Found:
    if l == len(g.activations):  # δ(L) = ∇s(L) C
        a = own[(Quantity.A, l)][None]
        elementwise = g.loss != "cross-entropy"
        a_prime = own[(Quantity.A_PRIME, l)][None] if elementwise else None
        inputs = ((Quantity.A, l), (Quantity.A_PRIME, l)) if elementwise else ((Quantity.A, l),)
        return [(loss(g.loss).delta(a, g.y[None], a_prime, OPS.zeros(a.shape))[0], inputs, Via.EQUATION)]
    # δ(l) = a'(l) ⊙ (W(l+1)ᵀ δ(l+1))
    delta = own[(Quantity.A_PRIME, l)] * OPS.matmul(own[(Quantity.DELTA, l + 1)][None], g.W[l + 1])[0]
    return [(delta, ((Quantity.A_PRIME, l), (Quantity.DELTA, l + 1)), Via.EQUATION)]


def _grad_W(l: int, own: Mapping[Key, Array], true: Mapping[Key, Array], g: Given) -> Found:
    # ∇W(l) = mean over the minibatch of δ(l) a(l-1)ᵀ (+ λW): this sample's term, the student's way
    mine = np.outer(own[(Quantity.DELTA, l)], _a(own, l - 1, g))
    theirs = np.outer(true[(Quantity.DELTA, l)], _a(true, l - 1, g))
    grad = true[(Quantity.GRAD_W, l)] + (mine - theirs) / OPS.scalar(g.batch_size)
    return [(grad, ((Quantity.DELTA, l), *_prev(l)), Via.EQUATION)]


def _grad_b(l: int, own: Mapping[Key, Array], true: Mapping[Key, Array], g: Given) -> Found:
    grad = true[(Quantity.GRAD_B, l)] + (own[(Quantity.DELTA, l)] - true[(Quantity.DELTA, l)]) / OPS.scalar(
        g.batch_size)
    return [(grad, ((Quantity.DELTA, l),), Via.EQUATION)]


def _update(grad: Quantity, new: Quantity) -> Callable[[int, Mapping[Key, Array], Mapping[Key, Array], Given], Found]:
    def rule(l: int, own: Mapping[Key, Array], true: Mapping[Key, Array], g: Given) -> Found:
        # W(l) ← W(l) + μ v − η ∇W(l): the true step, with the student's gradient for the true one
        value = true[(new, l)] - g.eta * (own[(grad, l)] - true[(grad, l)])
        return [(value, ((grad, l),), Via.EQUATION)]

    return rule


_RULES: dict[Quantity, Callable[[int, Mapping[Key, Array], Mapping[Key, Array], Given], Found]] = {
    Quantity.S: _s, Quantity.A: _act, Quantity.A_PRIME: _act_prime, Quantity.COST: _cost, Quantity.DELTA: _delta,
    Quantity.GRAD_W: _grad_W, Quantity.GRAD_B: _grad_b,
    Quantity.W_NEW: _update(Quantity.GRAD_W, Quantity.W_NEW), Quantity.B_NEW: _update(Quantity.GRAD_B, Quantity.B_NEW),
}
