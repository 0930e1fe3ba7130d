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


#: The largest number of each float type: a hyperparameter beyond it becomes inf when the step is computed.
LARGEST = {"float32": 3.4028234663852886e38, "float64": 1.7976931348623157e308}


def beyond_precision(name: str, value: float | Decimal, precision: str) -> str | None:
    """A finite value the number type that computes the step cannot hold (η = 1e308 trained in float32 is inf):
    the real limit, and the way out."""
    if precision in LARGEST and abs(float(value)) > LARGEST[precision]:
        return (f"beyond the largest {precision} number (±{LARGEST[precision]:.2g}), the type this step is computed "
                f"in, so it would be inf; {name} must be at most {LARGEST[precision]:.2g}"
                f"{' (typical learning rates: 0.001 to 0.5)' if name == 'learning_rate' else ''}"
                f"{', or train with --precision float64' if precision == 'float32' else ''}")
    return None


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
