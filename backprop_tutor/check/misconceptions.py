"""Named wrong rules: the misconceptions behind a root mistake, as STACK's answer notes name them.

For a root mistake the checker recomputes the cell under each wrong rule of its quantity, from the
student's own earlier values, and when one gives the written value it says so in one line:

    s(l)    bias left out             W(l) a(l-1)
    a(l)    activation left out       s(l) itself
            softmax without e         s / Σ e^s,  e^s / Σ s,  s / Σ s
    a'(l)   h' taken at a(l)          h'(a(l)) for h'(s(l))
            a(1 − a) taken at s(l)    s(1 − s), 1 − s²
            ReLU's h'(0)              at s = 0, where ReLU has no derivative, a value other than the problem's
    C       log base 10               −Σ y log₁₀ a
    δ(L)    sign                      y − a  ((y − a) ⊙ a' with ½‖a − y‖²)
            h' left out               a − y with ½‖a − y‖²
    δ(l)    h' left out               W(l+1)ᵀ δ(l+1)
            W not transposed          a'(l) ⊙ (W(l+1) δ(l+1))   (a square W(l+1))
            updated W used            a'(l) ⊙ (W(l+1)ᵀ δ(l+1)) with W(l+1) after this step's update
    ∇W, ∇b  summed, not averaged      B × the mean (a minibatch)
            one sample's term         δ(l) a(l-1)ᵀ of this sample alone (a minibatch)
    W, b    update sign               W(l) + η ∇W(l)
            η left out                W(l) − ∇W(l)

Deterministic: a rule names a mistake only when it reproduces the written number within the
tolerance; it never guesses. `WHOLE_QUANTITY` slips are made once for a whole quantity and named once.
The rules read the same values as `recompute` (exact intervals) and are shared by every checker.
"""

from __future__ import annotations

from collections import ChainMap
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np

from backprop_tutor.check.expected import Given
from backprop_tutor.check.recompute import OPS, Band, Intervals, Key, Via, exact_given, h_of, h_prime_of, rule_value
from backprop_tutor.numbers.certain import certain_array, working_precision
from backprop_tutor.numbers.format import fmt
from backprop_tutor.worksheet.model import Quantity

Array = np.ndarray
View = Mapping[Key, Array]


class Slip(StrEnum):
    """A named misconception (its value is the `misconception` field of the checker's JSON)."""

    BIAS_LEFT_OUT = "bias-left-out"
    ACTIVATION_LEFT_OUT = "activation-left-out"
    SOFTMAX_WITHOUT_E = "softmax-without-e"
    H_PRIME_AT_A = "h-prime-at-a"
    A_FORM_AT_S = "a-form-at-s"
    RELU_PRIME_AT_ZERO = "relu-prime-at-zero"
    LOG10 = "log10"
    DELTA_SIGN = "delta-sign"
    H_PRIME_LEFT_OUT = "h-prime-left-out"
    W_NOT_TRANSPOSED = "w-not-transposed"
    UPDATED_W_USED = "updated-w-used"
    GRADIENT_SUMMED = "gradient-summed"
    ONE_SAMPLE_TERM = "one-sample-term"
    UPDATE_SIGN = "update-sign"
    ETA_LEFT_OUT = "eta-left-out"


#: Slips made once for a whole quantity (every entry follows the same wrong rule): named once.
WHOLE_QUANTITY = frozenset({Slip.GRADIENT_SUMMED, Slip.ONE_SAMPLE_TERM, Slip.UPDATE_SIGN, Slip.ETA_LEFT_OUT})

#: A wrong rule: the wrong value of every entry of quantity (layer), from the student's values; None: not applicable.
Rule = Callable[[int, View, View, Given], Any]


@dataclass(frozen=True)
class Misconception:
    slip: Slip
    quantity: Quantity
    rule: Rule
    #: what the student did and what is right, {l} the layer, {p} l − 1, {n} l + 1, {h} the activation
    says: str


def _a(values: View, l: int, g: Given) -> Array:
    return g.x if l == 0 else values[(Quantity.A, l)]


def _is_output(l: int, g: Given) -> bool:
    return l == len(g.activations)


def _bias_left_out(l: int, own: View, true: View, g: Given) -> Any:
    return OPS.matmul(_a(own, l - 1, g)[None], g.W[l].T)[0]


def _activation_left_out(l: int, own: View, true: View, g: Given) -> Any:
    return own[(Quantity.S, l)] if g.activations[l - 1] != "identity" else None


def _softmax_without_e(l: int, own: View, true: View, g: Given) -> list[Any] | None:
    if g.activations[l - 1] != "softmax":
        return None
    s = own[(Quantity.S, l)]
    e = OPS.exp(s.copy())
    return [s / e.sum(), e / s.sum(), s / s.sum()]


def _h_prime_at_a(l: int, own: View, true: View, g: Given) -> Any:
    if g.activations[l - 1] not in ("sigmoid", "tanh"):
        return None
    a = own[(Quantity.A, l)]
    return h_prime_of(g, l, a, h_of(g, l, a))  # h'(a): h' evaluated at a(l), as if a were s


def _a_form_at_s(l: int, own: View, true: View, g: Given) -> Any:
    if g.activations[l - 1] not in ("sigmoid", "tanh"):
        return None
    s = own[(Quantity.S, l)]
    return h_prime_of(g, l, s, s)  # a(1 − a) or 1 − a² with s(l) put for a(l)


def _relu_prime_at_zero(l: int, own: View, true: View, g: Given) -> list[Any] | None:
    s = own[(Quantity.S, l)]
    if g.activations[l - 1] != "relu" or not any(v == 0 for v in s):
        return None
    at_zero = [OPS.scalar(c) for c in (0, 0.5, 1) if c != g.relu_prime_at_zero]
    base = h_prime_of(g, l, s, h_of(g, l, s))
    return [np.where([v == 0 for v in s], c, base) for c in at_zero]


def _log10(l: int, own: View, true: View, g: Given) -> list[Any] | None:
    """−Σ y log₁₀ a, from the student's a(L), and from their s(L) (C from s, over ln 10)."""
    if g.loss != "cross-entropy":
        return None
    a, y = own[(Quantity.A, l)], g.y
    ln10 = OPS.log(np.asarray([OPS.scalar(10)]))[0]
    out = [rule_value(Quantity.COST, l, own, true, g, Via.FROM_S) / ln10]
    if all(a[k] > 0 for k in range(len(y)) if y[k] != 0):
        terms = [y[k] * OPS.log(np.asarray([a[k]]))[0] / ln10 for k in range(len(y)) if y[k] != 0]
        out.append(-sum(terms[1:], terms[0]))
    return out


def _output_delta(l: int, own: View, g: Given) -> Any:
    return own[(Quantity.A, l)] - g.y  # a(L) − y


def _delta_sign(l: int, own: View, true: View, g: Given) -> Any:
    if not _is_output(l, g):
        return None
    flipped = g.y - own[(Quantity.A, l)]
    return flipped if g.loss == "cross-entropy" else flipped * own[(Quantity.A_PRIME, l)]


def _h_prime_left_out(l: int, own: View, true: View, g: Given) -> Any:
    if _is_output(l, g):
        return _output_delta(l, own, g) if g.loss != "cross-entropy" else None
    return OPS.matmul(own[(Quantity.DELTA, l + 1)][None], g.W[l + 1])[0]  # W(l+1)ᵀ δ(l+1)


def _w_not_transposed(l: int, own: View, true: View, g: Given) -> Any:
    if _is_output(l, g) or g.W[l + 1].shape[0] != g.W[l + 1].shape[1]:
        return None
    return own[(Quantity.A_PRIME, l)] * OPS.matmul(g.W[l + 1], own[(Quantity.DELTA, l + 1)][:, None])[:, 0]


def _updated_w_used(l: int, own: View, true: View, g: Given) -> Any:
    if _is_output(l, g):
        return None
    # W(l+1) after the update, from the student's own δ(l+1) and a(l): the update rule on their ∇W(l+1)
    gradient = {(Quantity.GRAD_W, l + 1): rule_value(Quantity.GRAD_W, l + 1, own, true, g)}
    W_new = rule_value(Quantity.W_NEW, l + 1, ChainMap(gradient, own), true, g)
    return own[(Quantity.A_PRIME, l)] * OPS.matmul(own[(Quantity.DELTA, l + 1)][None], W_new)[0]


def _gradient(grad: Quantity) -> tuple[Rule, Rule]:
    def term(l: int, own: View, g: Given) -> Any:
        delta = own[(Quantity.DELTA, l)]
        return np.outer(delta, _a(own, l - 1, g)) if grad is Quantity.GRAD_W else delta

    def summed(l: int, own: View, true: View, g: Given) -> Any:
        return rule_value(grad, l, own, true, g) * OPS.scalar(g.batch_size) if g.batch_size > 1 else None  # B × mean

    def one_sample(l: int, own: View, true: View, g: Given) -> Any:
        return term(l, own, g) if g.batch_size > 1 else None

    return summed, one_sample


def _update(new: Quantity) -> tuple[Rule, Rule]:
    def right(l: int, own: View, true: View, g: Given) -> tuple[Any, Any]:
        return g.W[l] if new is Quantity.W_NEW else g.b[l], rule_value(new, l, own, true, g)

    def sign(l: int, own: View, true: View, g: Given) -> Any:
        before, after = right(l, own, true, g)
        return before + before - after  # W + η ∇W: the step taken uphill

    def eta(l: int, own: View, true: View, g: Given) -> Any:
        before, after = right(l, own, true, g)
        return before - (before - after) / g.eta  # W − ∇W

    return sign, eta


_SUMMED_W, _ONE_W = _gradient(Quantity.GRAD_W)
_SUMMED_B, _ONE_B = _gradient(Quantity.GRAD_B)
_SIGN_W, _ETA_W = _update(Quantity.W_NEW)
_SIGN_B, _ETA_B = _update(Quantity.B_NEW)

MISCONCEPTIONS: tuple[Misconception, ...] = (
    Misconception(Slip.BIAS_LEFT_OUT, Quantity.S, _bias_left_out,
                  "this is W({l}) a({p}) without + b({l}): the bias is missing"),
    Misconception(Slip.SOFTMAX_WITHOUT_E, Quantity.A, _softmax_without_e,
                  "softmax without its exponentials: a({l})[k] = e^s({l})[k] / Σ_j e^s({l})[j], e on top and below"),
    Misconception(Slip.ACTIVATION_LEFT_OUT, Quantity.A, _activation_left_out,
                  "this is s({l}) itself: a({l}) = {h}(s({l})), the activation is left out"),
    Misconception(Slip.H_PRIME_AT_A, Quantity.A_PRIME, _h_prime_at_a,
                  "this is h'(a({l})): h' taken at a({l}); a'({l}) = h'(s({l})) takes it at s({l})"),
    Misconception(Slip.A_FORM_AT_S, Quantity.A_PRIME, _a_form_at_s,
                  "this puts s({l}) where the form of h' in a({l}) needs a({l}) (a(1 − a), 1 − a²)"),
    Misconception(Slip.RELU_PRIME_AT_ZERO, Quantity.A_PRIME, _relu_prime_at_zero,
                  "ReLU has no derivative at s = 0: this problem takes h'(0) = {at_zero}"),
    Misconception(Slip.LOG10, Quantity.COST, _log10, "this uses log base 10: C = −Σ y log a takes the natural log"),
    Misconception(Slip.DELTA_SIGN, Quantity.DELTA, _delta_sign,
                  "the sign is flipped: this is y − a({l}); δ({l}) = ∇s({l}) C starts from a({l}) − y"),
    Misconception(Slip.H_PRIME_LEFT_OUT, Quantity.DELTA, _h_prime_left_out,
                  "h' is left out: δ({l}) needs ⊙ a'({l})"),
    Misconception(Slip.W_NOT_TRANSPOSED, Quantity.DELTA, _w_not_transposed,
                  "this uses W({n}) δ({n}); δ({l}) = a'({l}) ⊙ (W({n})ᵀ δ({n})) needs W({n}) transposed"),
    Misconception(Slip.UPDATED_W_USED, Quantity.DELTA, _updated_w_used,
                  "this uses W({n}) after the update; δ({l}) uses the weights before this step's update"),
    Misconception(Slip.GRADIENT_SUMMED, Quantity.GRAD_W, _SUMMED_W,
                  "this is the sum over the minibatch; ∇W({l}) is the mean: divide by B = {B}"),
    Misconception(Slip.ONE_SAMPLE_TERM, Quantity.GRAD_W, _ONE_W,
                  "this is this sample's δ({l}) a({p})ᵀ alone; ∇W({l}) is the mean over the B = {B} samples"),
    Misconception(Slip.GRADIENT_SUMMED, Quantity.GRAD_B, _SUMMED_B,
                  "this is the sum over the minibatch; ∇b({l}) is the mean: divide by B = {B}"),
    Misconception(Slip.ONE_SAMPLE_TERM, Quantity.GRAD_B, _ONE_B,
                  "this is this sample's δ({l}) alone; ∇b({l}) is the mean over the B = {B} samples"),
    Misconception(Slip.UPDATE_SIGN, Quantity.W_NEW, _SIGN_W,
                  "this is W({l}) + η ∇W({l}): the update steps downhill, W({l}) ← W({l}) − η ∇W({l})"),
    Misconception(Slip.ETA_LEFT_OUT, Quantity.W_NEW, _ETA_W,
                  "this is W({l}) − ∇W({l}): the learning rate is left out, W({l}) ← W({l}) − η ∇W({l}), η = {eta}"),
    Misconception(Slip.UPDATE_SIGN, Quantity.B_NEW, _SIGN_B,
                  "this is b({l}) + η ∇b({l}): the update steps downhill, b({l}) ← b({l}) − η ∇b({l})"),
    Misconception(Slip.ETA_LEFT_OUT, Quantity.B_NEW, _ETA_B,
                  "this is b({l}) − ∇b({l}): the learning rate is left out, b({l}) ← b({l}) − η ∇b({l}), η = {eta}"),
)


def says_of(slip: Slip, quantity: Quantity) -> str:
    """What ``slip`` in ``quantity`` says (a template: {l}, {p}, {n}, {h}, {B}, {eta}), for `compare` too."""
    return next(m.says for m in MISCONCEPTIONS if m.slip is slip and m.quantity is quantity)


@dataclass(frozen=True)
class Candidate:
    """A misconception's values for one quantity (Certain values, one array per variant of the rule)."""

    misconception: Misconception
    values: tuple[Array, ...]

    def says(self, l: int, g: Given) -> str:
        return self.misconception.says.format(l=l, p=l - 1, n=l + 1, h=g.activations[l - 1], B=g.batch_size,
                                              eta=fmt(g.eta, 4), at_zero=fmt(g.relu_prime_at_zero, 4))


def candidates(quantity: Quantity, layer: int, own: dict[Key, Array], true: dict[Key, Array],
               given: Given, band: Band | None = None) -> list[Candidate]:
    """The wrong values of ``quantity`` (``layer``) under each applicable misconception, from the student's
    values ``own`` (widened by their rounding, ``band``)."""
    out = []
    with OPS.context(), working_precision():
        view, truth = Intervals(own, band), Intervals(true, None)
        g = exact_given(given)
        for m in MISCONCEPTIONS:
            if m.quantity is not quantity:
                continue
            found = m.rule(layer, view, truth, g)
            if found is None:
                continue
            variants = found if isinstance(found, list) else [found]
            out.append(Candidate(m, tuple(certain_array(np.asarray(v, dtype=object)) for v in variants)))
    return out

