"""Initial weights W(l), shape (units out, units in). Biases start at 0 for every scheme.

- he:      W ~ N(0, 2 / n_in)                       (for ReLU layers)
- xavier:  W ~ U(−√(6 / (n_in + n_out)), +√(…))     (Glorot; for tanh and sigmoid layers)
- normal:  W ~ N(0, σ²)
- uniform: W ~ U(low, high)

All-zero weights are refused: every unit of a layer would compute the same s, get the same δ and
the same update, and stay identical forever (the symmetry is never broken).
"""

from __future__ import annotations

import numpy as np

from backprop_tutor.errors import SpecError

SCHEMES = ("he", "xavier", "normal", "uniform", "file")

SYMMETRY = ("all-zero initial weights are refused: every unit of a layer would compute the same s(l), "
            "receive the same δ(l) and the same update, and so stay identical forever (the symmetry is never "
            "broken). Use scheme = \"he\" (ReLU), \"xavier\" (tanh/sigmoid), or normal with sigma > 0.")


def init_weights(scheme: str, n_in: int, n_out: int, rng: np.random.Generator, *, sigma: float | None = None,
                 low: float | None = None, high: float | None = None) -> np.ndarray:
    """W(l) of shape (n_out, n_in) in float64, drawn with ``rng``."""
    if scheme == "he":
        return rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_out, n_in))
    if scheme == "xavier":
        limit = np.sqrt(6.0 / (n_in + n_out))
        return rng.uniform(-limit, limit, size=(n_out, n_in))
    if scheme == "normal":
        if sigma is None:
            raise SpecError("init: scheme \"normal\" needs sigma, e.g. sigma = 0.1")
        if sigma <= 0:
            raise SpecError(f"init: sigma = {sigma}: {SYMMETRY}" if sigma == 0 else
                            f"init: sigma = {sigma} must be > 0")
        return rng.normal(0.0, sigma, size=(n_out, n_in))
    if scheme == "uniform":
        if low is None or high is None:
            raise SpecError("init: scheme \"uniform\" needs low and high, e.g. low = -0.1, high = 0.1")
        if low == high == 0:
            raise SpecError(f"init: low = high = 0: {SYMMETRY}")
        if not low < high:
            raise SpecError(f"init: uniform needs low < high (got low = {low}, high = {high})")
        return rng.uniform(low, high, size=(n_out, n_in))
    if scheme in ("zero", "zeros"):
        raise SpecError(f"init: scheme \"{scheme}\": {SYMMETRY}")
    raise SpecError(f"init: unknown scheme {scheme!r}; choose one of {', '.join(SCHEMES)}")
