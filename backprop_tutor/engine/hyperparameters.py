"""The SGD step's hyperparameters: η (``learning_rate``), μ (``momentum``) and λ (``l2``).

    W(l) ← W(l) − η (∇W(l) + λ W(l))        (with momentum: v ← μ v − η (…), W(l) ← W(l) + v)

What values work is said once, here, for every place that reads them: spec files, training settings and trace
headers. Each place prefixes the answer with where the value came from ("net.toml: learning_rate = 0: …",
"--lr 0.0: …", "damaged trace header: learning_rate = 0: …").
"""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal

#: The hyperparameters by setting name: whether a (finite) value works, and what to say when it does not.
HYPERPARAMETERS: dict[str, tuple[Callable[[float | Decimal], bool], str]] = {
    "learning_rate": (lambda v: v > 0, "the learning rate η must be > 0, e.g. 0.01"),
    "momentum": (lambda v: 0 <= v < 1, "momentum μ must be in [0, 1), e.g. 0.9 (0: plain SGD)"),
    "l2": (lambda v: v >= 0, "the L2 strength λ must be ≥ 0 (0: no penalty)"),
}
NOT_FINITE = "must be a finite number (not inf or nan, and within float64's ±1.8e308)"
UNDERFLOW = "below the smallest float64 number (~5e-324), so it would be 0 and nothing would be learned"


def finite_problem(value: object) -> str | None:
    """What is wrong with ``value`` as a number the engine computes with in float64, or None. A decimal from a
    spec file may be finite and still beyond float64 (1e400)."""
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return "must be a number"
    return None if math.isfinite(float(value)) else NOT_FINITE


def hyperparameter_problem(name: str, value: object) -> str | None:
    """What is wrong with ``value`` for the hyperparameter ``name`` (a key of HYPERPARAMETERS), or None."""
    problem = finite_problem(value)
    if problem:
        return problem
    works, rule = HYPERPARAMETERS[name]
    if not works(value):  # type: ignore[arg-type]
        return rule
    if name == "learning_rate" and float(value) == 0:  # type: ignore[arg-type]
        return UNDERFLOW
    return None
