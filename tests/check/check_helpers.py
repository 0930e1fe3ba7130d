"""Answer files built from the engine's own values, for the checker's tests."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import mpmath
import numpy as np

from backprop_tutor.check.expected import Reference, reference_for
from backprop_tutor.check.layout import TEMPLATE_KEY, Quantity
from backprop_tutor.spec import NetworkSpec, load_spec, resolve_example


def hand_spec() -> NetworkSpec:
    return load_spec(resolve_example("hand-backprop"))


def text(values: np.ndarray) -> object:
    """Every digit, as nested lists of strings (what a TOML/JSON answer file may hold)."""
    if values.ndim == 0:
        return mpmath.nstr(values[()], 40)
    return [text(v) for v in values] if values.ndim > 1 else [mpmath.nstr(v, 40) for v in values]


def answers_json(values: dict[tuple[Quantity, int], np.ndarray], ref: Reference, spec: str = "hand-backprop") -> dict:
    L = len(ref.given.activations)
    doc: dict = {"spec": spec, "sample": 0, "C": text(values[(Quantity.COST, L)]), "layer": {}}
    for (q, l), v in values.items():
        if q is not Quantity.COST:
            doc["layer"].setdefault(str(l), {})[TEMPLATE_KEY[q]] = text(v)
    return doc


def write_json(path: Path, doc: dict) -> Path:
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return path


def slipped_sheet() -> tuple[Reference, dict[tuple[Quantity, int], np.ndarray]]:
    """A student who wrote s(1)[1] = 4 instead of 5 and computed every later value from it, correctly.

    Built with the engine: the same step with b(1)[1] = 0 gives their forward and backward values; their
    updated b(1) starts from the true b(1), so it is put back by the difference."""
    spec = hand_spec()
    slipped = copy.deepcopy(spec)
    slipped.layers[0].b = [0, -2]
    theirs = reference_for(slipped).expected
    with mpmath.workdps(50):
        theirs[(Quantity.B_NEW, 1)] = theirs[(Quantity.B_NEW, 1)] + np.array([mpmath.mpf(1), mpmath.mpf(0)])
    return reference_for(spec), theirs
