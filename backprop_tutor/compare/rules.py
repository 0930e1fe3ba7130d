"""The step's equations on a student's own arrays, and the named wrong rules that explain a wrong array.

Each array of the step is recomputed by its right rule from the student's *own* earlier arrays (the
engine's where they returned none): when their array equals that, it is *carried* (it follows from an
earlier wrong array), else the step that makes it is wrong there: *root*. Rows are samples, as in the
engine: s(l) = a(l-1) W(l)ᵀ + b(l), δ(l) = (δ(l+1) W(l+1)) ⊙ h'(s(l)), ∇W(l) = δ(l)ᵀ a(l-1) / B.

A root array is then recomputed under each wrong rule of its quantity; one that reproduces it names the
bug. The hand checker's names (`Slip`) are used for the same bugs; `ArraySlip` adds those only code makes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np

from backprop_tutor.check.misconceptions import Slip, says_of
from backprop_tutor.compare.problem import QUANTITY, Problem
from backprop_tutor.engine.activations import activation
from backprop_tutor.engine.precision import ops_for
from backprop_tutor.notation import Quantity
from backprop_tutor.numbers.format import fmt

Array = np.ndarray
Key = tuple[str, int]

OPS = ops_for("float64")
#: exp overflows float64 beyond this: e^709.78 ≈ 1.8e308
EXP_LIMIT = float(np.log(np.finfo(np.float64).max))


class ArraySlip(StrEnum):
    """Bugs of array code that a hand calculation cannot make (values: the `slip` field of --json)."""

    SOFTMAX_OVERFLOW = "softmax-overflow"
    BIAS_GRADIENT_AXIS = "bias-gradient-axis"
    LABELS_NOT_ONE_HOT = "labels-not-one-hot"
    GRADIENT_TRANSPOSED = "gradient-transposed"
    WRONG_ACTIVATION = "wrong-activation"


def h(p: Problem, l: int, s: Array) -> Array:
    """a(l) = h(s(l)), by the engine's activation (softmax with its max subtracted)."""
    with np.errstate(all="ignore"):
        return activation(p.activations[l - 1]).h(s, np.empty_like(s), OPS)


def h_prime(p: Problem, l: int, s: Array) -> Array:
    """a'(l) = h'(s(l)), by the engine's derivative."""
    act = activation(p.activations[l - 1])
    assert act.h_prime is not None
    with np.errstate(all="ignore"):
        return act.h_prime(s, h(p, l, s), np.empty_like(s), OPS, p.relu_prime_at_zero)


def _a(get: Get, p: Problem, l: int) -> Array:
    return p.x if l == 0 else get("a", l)


def _backward(get: Get, p: Problem, l: int) -> Array:
    """W(l+1)ᵀ δ(l+1) for every sample (rows: δ(l+1) W(l+1))."""
    return get("delta", l + 1) @ p.W[l]


class Own:
    """The student's array for a key where they returned a usable one, else the engine's (``own(name, l)``);
    and each array by the step's right rule from those (``own.right(name, l)``, computed once)."""

    def __init__(self, p: Problem, mine: dict[Key, Array], engine: dict[Key, Array]) -> None:
        self.p, self.mine, self.engine = p, mine, engine
        self._right: dict[Key, Array] = {}

    def __call__(self, name: str, l: int) -> Array:
        return self.mine.get((name, l), self.engine[name, l])

    def right(self, name: str, l: int) -> Array:
        if (name, l) not in self._right:
            self._right[name, l] = _right(name, l, self.p, self)
        return self._right[name, l]


Get = Own


def _right(name: str, l: int, p: Problem, get: Get) -> Array:
    """The array (name, l) by the step's right rule from ``get``'s earlier arrays."""
    with np.errstate(all="ignore"):
        if name == "s":
            return _a(get, p, l - 1) @ p.W[l - 1].T + p.b[l - 1]  # s(l) = W(l) a(l-1) + b(l)
        if name == "a":
            return h(p, l, get("s", l))  # a(l) = h(s(l))
        if name == "delta" and l == p.L:  # δ(L) = a − y, or (a − y) ⊙ h'(s(L)) with ½‖a − y‖²
            diff = get("a", l) - p.y
            return diff if p.loss == "cross-entropy" else diff * h_prime(p, l, get("s", l))
        if name == "delta":
            return _backward(get, p, l) * h_prime(p, l, get("s", l))  # δ(l) = a'(l) ⊙ (W(l+1)ᵀ δ(l+1))
        if name == "grad_W":
            return get("delta", l).T @ _a(get, p, l - 1) / p.B  # mean of δ(l) a(l-1)ᵀ
        if name == "grad_b":
            return get("delta", l).mean(axis=0)  # mean of δ(l)
        if name == "W":
            return p.W[l - 1] - p.eta * get("grad_W", l)  # W(l) ← W(l) − η ∇W(l)
        return p.b[l - 1] - p.eta * get("grad_b", l)  # b(l) ← b(l) − η ∇b(l)


@dataclass(frozen=True)
class WrongRule:
    """A named bug: the array it makes (or None where it cannot apply) and what to tell the student.
    ``says`` may use {l}, {p} = l − 1, {n} = l + 1, {B}, {eta}, {etaB}, {eta_B} and what ``context`` adds."""

    slip: str
    name: str
    rule: Callable[[int, Problem, Get], Array | None]
    says: str
    context: Callable[[int, Problem, Get], dict[str, Any]] | None = None


def _output_only(l: int, p: Problem) -> bool:
    return l == p.L


def _bias_left_out(l: int, p: Problem, get: Get) -> Array:
    return _a(get, p, l - 1) @ p.W[l - 1].T


def _activation_left_out(l: int, p: Problem, get: Get) -> Array | None:
    return get("s", l) if p.activations[l - 1] != "identity" else None


def _softmax_overflow(l: int, p: Problem, get: Get) -> Array | None:
    s = get("s", l)
    if p.activations[l - 1] != "softmax" or not (s > EXP_LIMIT).any():
        return None
    with np.errstate(all="ignore"):
        e = np.exp(s)
        return e / e.sum(axis=1, keepdims=True)  # no max subtracted: inf / inf = NaN


def _overflow_context(l: int, p: Problem, get: Get) -> dict[str, Any]:
    s = get("s", l)
    i, k = np.unravel_index(int(np.argmax(s)), s.shape)
    return {"i": int(i), "k": int(k), "s": fmt(float(s[i, k]), 6)}


def _other_activation(name: str) -> Callable[[int, Problem, Get], Array | None]:
    def rule(l: int, p: Problem, get: Get) -> Array | None:
        if name == p.activations[l - 1] or (name == "softmax" and l != p.L):
            return None
        with np.errstate(all="ignore"):
            s = get("s", l)
            return activation(name).h(s, np.empty_like(s), OPS)

    return rule


def _delta_sign(l: int, p: Problem, get: Get) -> Array | None:
    return -get.right("delta", l) if _output_only(l, p) else None


def _labels(l: int, p: Problem, get: Get) -> Array | None:
    if not _output_only(l, p):
        return None
    label = np.argmax(p.y, axis=1)[:, None]  # y as class numbers, one column, broadcast over the outputs
    diff = get("a", l) - label
    return diff if p.loss == "cross-entropy" else diff * h_prime(p, l, get("s", l))


def _h_prime_left_out(l: int, p: Problem, get: Get) -> Array | None:
    if _output_only(l, p):
        return get("a", l) - p.y if p.loss != "cross-entropy" else None
    return _backward(get, p, l)


def _h_prime_at_a(l: int, p: Problem, get: Get) -> Array | None:
    if p.activations[l - 1] not in ("tanh", "sigmoid") or (_output_only(l, p) and p.loss == "cross-entropy"):
        return None
    a = get("a", l)
    factor = get("a", l) - p.y if _output_only(l, p) else _backward(get, p, l)
    return factor * h_prime(p, l, a)  # h' evaluated at a(l), as if a were s


def _w_not_transposed(l: int, p: Problem, get: Get) -> Array | None:
    W = p.W[l] if l < p.L else None
    if W is None or W.shape[0] != W.shape[1]:
        return None
    return (get("delta", l + 1) @ W.T) * h_prime(p, l, get("s", l))


def _updated_w_used(l: int, p: Problem, get: Get) -> Array | None:
    if _output_only(l, p):
        return None
    W_new = get("W", l + 1)  # theirs if they returned it, else the engine's (the same when ∇W(l+1) is right)
    return (get("delta", l + 1) @ W_new) * h_prime(p, l, get("s", l))


def _summed(name: str) -> Callable[[int, Problem, Get], Array | None]:
    def rule(l: int, p: Problem, get: Get) -> Array | None:
        return get.right(name, l) * p.B if p.B > 1 else None

    return rule


def _bias_axis(l: int, p: Problem, get: Get) -> list[Array]:
    delta = get("delta", l)
    return [delta.sum(axis=1), delta.mean(axis=1)]  # over the units of each sample instead of over the samples


def _gradient_transposed(l: int, p: Problem, get: Get) -> Array | None:
    W = p.W[l - 1]
    return get.right("grad_W", l).T if W.shape[0] == W.shape[1] else None


def _update(name: str, sign: float, eta: bool) -> Callable[[int, Problem, Get], Array]:
    def rule(l: int, p: Problem, get: Get) -> Array:
        before = p.W[l - 1] if name == "W" else p.b[l - 1]
        return before + sign * (p.eta if eta else 1.0) * get(f"grad_{name}", l)

    return rule


_SUMMED = ("this is the sum over the minibatch; {q}({l}) is the mean: divide by B = {B}. Summing makes "
           "η = {eta} take the step of η = {etaB} with the mean: keep the sum only with η = {eta_B} (the course's "
           "own solution summed too, and so needed a learning rate B times smaller)")

WRONG_RULES: tuple[WrongRule, ...] = (
    WrongRule(Slip.BIAS_LEFT_OUT, "s", _bias_left_out, says_of(Slip.BIAS_LEFT_OUT, Quantity.S)),
    WrongRule(ArraySlip.SOFTMAX_OVERFLOW, "a", _softmax_overflow,
              "softmax overflowed: e^s for s({l})[sample {i}, unit {k}] = {s} is beyond float64 (e^709.8), so "
              "e^s / Σ e^s is inf / inf = NaN; subtract each sample's largest s({l}) first (it changes nothing "
              "else): e = np.exp(s - s.max(axis=1, keepdims=True))", _overflow_context),
    WrongRule(Slip.ACTIVATION_LEFT_OUT, "a", _activation_left_out, says_of(Slip.ACTIVATION_LEFT_OUT, Quantity.A)),
    *(WrongRule(ArraySlip.WRONG_ACTIVATION, "a", _other_activation(name),
                f"this is {name}(s({{l}})); this network's layer {{l}} uses {{h}}")
      for name in ("relu", "tanh", "sigmoid", "softmax")),
    WrongRule(Slip.DELTA_SIGN, "delta", _delta_sign, says_of(Slip.DELTA_SIGN, Quantity.DELTA)),
    WrongRule(ArraySlip.LABELS_NOT_ONE_HOT, "delta", _labels,
              "this subtracts the label's class number from every output: y must be one-hot (1 for the label's "
              "class, 0 elsewhere), e.g. np.eye({nL})[labels]"),
    WrongRule(Slip.H_PRIME_LEFT_OUT, "delta", _h_prime_left_out, "h' is left out: δ({l}) needs ⊙ h'(s({l}))"),
    WrongRule(Slip.H_PRIME_AT_A, "delta", _h_prime_at_a,
              "this uses h'(a({l})): h' taken at a({l}); δ({l}) takes it at s({l}) "
              "(for tanh 1 − a², not 1 − tanh²(a))"),
    WrongRule(Slip.W_NOT_TRANSPOSED, "delta", _w_not_transposed,
              "this uses W({n}) δ({n}); δ({l}) = h'(s({l})) ⊙ (W({n})ᵀ δ({n})) needs W({n}) transposed"),
    WrongRule(Slip.UPDATED_W_USED, "delta", _updated_w_used,
              "this uses W({n}) after this step's update; δ({l}) uses the weights before it: update W only after "
              "every δ is computed (or keep a copy)"),
    WrongRule(Slip.GRADIENT_SUMMED, "grad_W", _summed("grad_W"), _SUMMED),
    WrongRule(ArraySlip.GRADIENT_TRANSPOSED, "grad_W", _gradient_transposed,
              "this is ∇W({l}) transposed, a({p}) δ({l})ᵀ; ∇W({l}) = δ({l}) a({p})ᵀ has W({l})'s shape (out, in)"),
    WrongRule(Slip.GRADIENT_SUMMED, "grad_b", _summed("grad_b"), _SUMMED),
    WrongRule(ArraySlip.BIAS_GRADIENT_AXIS, "grad_b", _bias_axis,  # type: ignore[arg-type]
              "this sums δ({l}) over each sample's units (one number per sample); ∇b({l}) sums over the samples: "
              "the mean over axis 0 of a (B, units) array (axis 1 if samples are columns)"),
    WrongRule(Slip.UPDATE_SIGN, "W", _update("W", 1.0, True), says_of(Slip.UPDATE_SIGN, Quantity.W_NEW)),
    WrongRule(Slip.ETA_LEFT_OUT, "W", _update("W", -1.0, False), says_of(Slip.ETA_LEFT_OUT, Quantity.W_NEW)),
    WrongRule(Slip.UPDATE_SIGN, "b", _update("b", 1.0, True), says_of(Slip.UPDATE_SIGN, Quantity.B_NEW)),
    WrongRule(Slip.ETA_LEFT_OUT, "b", _update("b", -1.0, False), says_of(Slip.ETA_LEFT_OUT, Quantity.B_NEW)),
)



def diagnose(name: str, l: int, p: Problem, get: Get, mine: Array,
             same: Callable[[Array, Array], bool]) -> tuple[str, str] | None:
    """(slip, what to tell the student) of the first wrong rule whose array is ``mine``, else None."""
    for wrong in WRONG_RULES:
        if wrong.name != name:
            continue
        found = wrong.rule(l, p, get)
        if found is None:
            continue
        for candidate in found if isinstance(found, list) else [found]:
            if candidate.size == mine.size and same(mine.ravel(), candidate.ravel()):
                extra = wrong.context(l, p, get) if wrong.context else {}
                eta = p.eta
                return str(wrong.slip), wrong.says.format(
                    l=l, p=l - 1, n=l + 1, B=p.B, h=p.activations[l - 1], nL=p.sizes[-1], q=QUANTITY[name],
                    eta=f"{eta:g}", etaB=f"{eta * p.B:g}", eta_B=f"{eta / p.B:g}", **extra)
    return None
