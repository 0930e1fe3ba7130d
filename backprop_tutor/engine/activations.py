"""Activation functions h and their derivatives h', side by side.

Arrays hold one row per sample: s has shape (B, units). Every function writes into ``out``
(preallocated by the network) and uses only `Ops` calls and numpy operators, so the same lines
run in float32, float64 and exact mode.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from backprop_tutor.engine.precision import Ops

Array = np.ndarray


# --- ReLU: h(s) = max(s, 0) -------------------------------------------------------------------
def relu(s: Array, out: Array, ops: Ops) -> Array:
    return ops.maximum(s, ops.zero, out=out)


def relu_prime(s: Array, a: Array, out: Array, ops: Ops, at_zero: float = 0.0) -> Array:
    """h'(s) = 1 for s > 0 and 0 for s < 0. At s = 0 ReLU has no derivative; we use ``at_zero``
    (0 by default, as most libraries do; a spec's ``relu_prime_at_zero`` sets it)."""
    return ops.step(s, ops.one, ops.scalar(at_zero) if at_zero else ops.zero, out=out)


# --- tanh: h(s) = tanh(s), h'(s) = 1 − tanh²(s) = 1 − a² ------------------------------------
def tanh(s: Array, out: Array, ops: Ops) -> Array:
    return ops.tanh(s, out=out)


def tanh_prime(s: Array, a: Array, out: Array, ops: Ops, at_zero: float = 0.0) -> Array:
    np.multiply(a, a, out=out)
    return np.subtract(ops.one, out, out=out)


# --- sigmoid: h(s) = 1 / (1 + e^(−s)) = ½ (1 + tanh(s/2)), h'(s) = a (1 − a) -------------------
def sigmoid(s: Array, out: Array, ops: Ops) -> Array:
    # The tanh form never overflows (e^(−s) does for s ≪ 0 in float32) and is exact in exact mode.
    np.multiply(s, ops.scalar(0.5), out=out)
    ops.tanh(out, out=out)
    np.add(out, ops.one, out=out)
    return ops.within(np.multiply(out, ops.scalar(0.5), out=out), 0, 1)  # exact mode: a ∈ [0, 1], as h's range


def sigmoid_prime(s: Array, a: Array, out: Array, ops: Ops, at_zero: float = 0.0) -> Array:
    np.subtract(ops.one, a, out=out)
    return np.multiply(a, out, out=out)


# --- identity: h(s) = s, h'(s) = 1 ------------------------------------------------------------
def identity(s: Array, out: Array, ops: Ops) -> Array:
    out[...] = s
    return out


def identity_prime(s: Array, a: Array, out: Array, ops: Ops, at_zero: float = 0.0) -> Array:
    out[...] = ops.one
    return out


# --- softmax (output layer only): a_k = e^(s_k) / Σ_j e^(s_j) --------------------------------
def softmax(s: Array, out: Array, ops: Ops) -> Array:
    # Subtracting max_k s_k changes nothing mathematically and keeps e^(·) from overflowing.
    np.subtract(s, ops.row_max(s), out=out)
    ops.exp(out, out=out)
    return ops.within(np.divide(out, ops.row_sum(out), out=out), 0, 1)  # exact: a_k ∈ [0, 1]


def softmax_jacobian(a: Array) -> Array:
    """A = ∂a/∂s = diag(a) − a aᵀ for each sample: shape (B, n, n). Softmax's a' is this matrix,
    not a vector, which is why the loss and the softmax are differentiated together (δ = a − y)."""
    jac = -a[:, :, None] * a[:, None, :]
    for k in range(a.shape[1]):
        jac[:, k, k] += a[:, k]
    return jac


@dataclass(frozen=True)
class Activation:
    """One activation: its name, h, and h' (None for softmax, whose derivative is a Jacobian)."""

    name: str
    h: Callable[[Array, Array, Ops], Array]
    h_prime: Callable[..., Array] | None

    @property
    def elementwise(self) -> bool:
        return self.h_prime is not None


ACTIVATIONS: dict[str, Activation] = {
    "relu": Activation("relu", relu, relu_prime),
    "tanh": Activation("tanh", tanh, tanh_prime),
    "sigmoid": Activation("sigmoid", sigmoid, sigmoid_prime),
    "identity": Activation("identity", identity, identity_prime),
    "softmax": Activation("softmax", softmax, None),
}


def activation(name: str) -> Activation:
    """The activation called ``name``; ValueError listing the choices otherwise."""
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise ValueError(f"unknown activation {name!r}; choose one of {', '.join(ACTIVATIONS)}") from None
