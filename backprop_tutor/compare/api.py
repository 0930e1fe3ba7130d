"""`bt.compare(my_step, "hand-backprop")`, `bt.compare(my_step, data="fashion-mnist", …)`: the comparison, which
a notebook shows as an HTML table (print() gives the terminal's table)."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

from backprop_tutor.compare.comparison import Comparison, compare_step
from backprop_tutor.compare.problem import DATA_BATCH, DATA_ETA, DATA_HIDDEN, Problem, from_data, from_spec
from backprop_tutor.errors import UsageError


def compare(function: Callable[..., Any], spec: str | os.PathLike[str] | None = None, *, data: str | None = None,
            hidden: Sequence[int] = DATA_HIDDEN, activation: str = "tanh", batch: int = DATA_BATCH, seed: int = 0,
            eta: float = DATA_ETA) -> Comparison:
    """Your training step ``function(W, b, x, y, eta) -> dict`` against the engine's, on a built-in example or
    spec file (``spec``) or on ``batch`` images of ``data`` with a fresh softmax network."""
    return compare_step(function, problem_for(spec, data, tuple(hidden), activation, batch, seed, eta))


def problem_for(spec: str | os.PathLike[str] | None, data: str | None, hidden: tuple[int, ...], activation: str,
                batch: int, seed: int, eta: float) -> Problem:
    if (spec is None) == (data is None):
        raise UsageError("give a spec (a built-in example such as \"hand-backprop\", or a .toml file) or data= "
                         "(e.g. \"fashion-mnist\"), one of the two")
    if spec is not None:
        return from_spec(os.fspath(spec))
    return from_data(str(data), hidden, activation, batch, seed, eta)
