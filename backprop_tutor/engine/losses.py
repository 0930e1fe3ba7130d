"""Losses C(a(L), y) and the output error δ(L) = ∇s(L) C, per sample (rows of shape (B, n_L)).

Two pairings, as in the course:
- softmax output + multi-class cross-entropy  C = −Σ_k y_k log a_k,   δ(L) = a(L) − y
- sigmoid/identity output + ½ squared error  C = ½ ‖a − y‖²,          δ(L) = (a − y) ⊙ h'(s(L))

Both are also computed "the long way" for the trace: A = ∂a/∂s, ∇a C, and δ = A ∇a C.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from backprop_tutor.engine.activations import softmax_jacobian
from backprop_tutor.engine.precision import Ops

Array = np.ndarray


# --- cross-entropy (with softmax output) ------------------------------------------------------
def cross_entropy(s: Array, a: Array, y: Array, ops: Ops) -> Array:
    """C per sample, shape (B,). Computed as Σ_k y_k (logΣ_j e^(s_j) − s_k), which is −Σ y log a
    without ever taking log 0 (a softmax output can underflow to 0 in float)."""
    m = ops.row_max(s)
    log_sum_exp = m + ops.log(ops.row_sum(ops.exp(s - m)))
    return (log_sum_exp * ops.row_sum(y) - ops.row_sum(y * s))[:, 0]


def cross_entropy_delta(a: Array, y: Array, a_prime: Array | None, out: Array) -> Array:
    return np.subtract(a, y, out=out)  # δ(L) = a(L) − y


def cross_entropy_long_way(a: Array, y: Array, a_prime: Array | None, ops: Ops) -> tuple[Array, Array]:
    """(A = ∂a/∂s, ∇a C = −y / a), with 0 where y = 0 (so 0/0 never appears)."""
    grad_a = np.where(y != 0, -y / np.where(y != 0, a, ops.one), ops.zero)
    return softmax_jacobian(a), grad_a


# --- ½ squared error (with sigmoid or identity output) ----------------------------------------
def squared_error(s: Array, a: Array, y: Array, ops: Ops) -> Array:
    diff = a - y
    return (diff * diff).sum(axis=1) * ops.scalar(0.5)


def squared_error_delta(a: Array, y: Array, a_prime: Array | None, out: Array) -> Array:
    np.subtract(a, y, out=out)
    return np.multiply(out, a_prime, out=out)  # δ(L) = (a − y) ⊙ h'(s(L))


def squared_error_long_way(a: Array, y: Array, a_prime: Array | None, ops: Ops) -> tuple[Array, Array]:
    """(A = ∂a/∂s = diag(h'(s)), ∇a C = a − y)."""
    assert a_prime is not None, "squared error needs an elementwise output activation"
    jac = ops.zeros(a.shape + a.shape[1:])
    for k in range(a.shape[1]):
        jac[:, k, k] = a_prime[:, k]
    return jac, a - y


@dataclass(frozen=True)
class Loss:
    name: str
    #: C per sample, shape (B,)
    cost: Callable[[Array, Array, Array, Ops], Array]
    #: δ(L) into ``out``
    delta: Callable[[Array, Array, Array | None, Array], Array]
    #: (A = ∂a/∂s, ∇a C), for the trace
    long_way: Callable[[Array, Array, Array | None, Ops], tuple[Array, Array]]
    #: output activations it pairs with
    outputs: tuple[str, ...]


LOSSES: dict[str, Loss] = {
    "cross-entropy": Loss("cross-entropy", cross_entropy, cross_entropy_delta, cross_entropy_long_way, ("softmax",)),
    "squared-error": Loss("squared-error", squared_error, squared_error_delta, squared_error_long_way,
                          ("sigmoid", "identity", "tanh", "relu")),
}


def loss(name: str) -> Loss:
    try:
        return LOSSES[name]
    except KeyError:
        raise ValueError(f"unknown loss {name!r}; choose one of {', '.join(LOSSES)}") from None
