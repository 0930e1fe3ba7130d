"""A class and its submissions for the grading tests: sheets built from the engine's own values."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import mpmath
import numpy as np

from backprop_tutor.check.expected import reference_for
from backprop_tutor.check.layout import ascii_key, slots
from backprop_tutor.cli import main
from backprop_tutor.spec import load_spec
from backprop_tutor.worksheet.model import Quantity


def make_class(folder: Path, seeds: str) -> Path:
    assert main(["worksheet", "--random", "--seeds", seeds, "--out", str(folder)]) == 0
    return folder


def cells(sizes: list[int], softmax: bool) -> int:
    """How many numbers a worksheet asks for, counted from the layout (the maximum score at weight 1)."""
    return sum(int(np.prod(s.shape)) for s in slots(sizes, not softmax))


def _text(values: np.ndarray) -> object:
    if values.ndim == 0:
        return mpmath.nstr(values[()], 30)
    return [_text(v) for v in values] if values.ndim > 1 else [mpmath.nstr(v, 30) for v in values]


def answers_doc(values: dict, L: int) -> dict:
    doc: dict = {"spec": "spec.toml", "sample": 0, "C": _text(values[(Quantity.COST, L)]), "layer": {}}
    for (q, l), v in values.items():
        if q is not Quantity.COST:
            doc["layer"].setdefault(str(l), {})[ascii_key(q)] = _text(v)
    return doc


def slipped_values(spec_path: Path) -> dict:
    """A student whose s(1)[k] (the first active unit, so the slip flows on) is one too big and who computed
    every later value from it, correctly: the same step with b(1)[k] one bigger; their b(1) new starts from
    the true b(1), so it is put back by one."""
    spec = load_spec(spec_path)
    k = next(i for i, s in enumerate(reference_for(spec).expected[(Quantity.S, 1)]) if s > 0)
    slipped = copy.deepcopy(spec)
    slipped.layers[0].b = [b + (i == k) for i, b in enumerate(slipped.layers[0].b)]
    theirs = reference_for(slipped).expected
    with mpmath.workdps(50):
        shift = np.array([mpmath.mpf(i == k) for i in range(len(slipped.layers[0].b))], dtype=object)
        theirs[(Quantity.B_NEW, 1)] = theirs[(Quantity.B_NEW, 1)] - shift
    return theirs


def bias_left_out_values(spec_path: Path) -> dict:
    """A student who wrote s(1) = W(1) a(0), leaving out + b(1), and went on from it correctly: the same step
    with b(1) = 0; their b(1) new starts from the true b(1), so it is put back by b(1)."""
    spec = load_spec(spec_path)
    slipped = copy.deepcopy(spec)
    slipped.layers[0].b = [0] * len(spec.layers[0].b)
    theirs = reference_for(slipped).expected
    with mpmath.workdps(50):
        theirs[(Quantity.B_NEW, 1)] = theirs[(Quantity.B_NEW, 1)] + np.array(
            [mpmath.mpf(str(b)) for b in spec.layers[0].b], dtype=object)
    return theirs


def write_slipped(spec_path: Path, target: Path, values=slipped_values) -> Path:
    L = len(load_spec(spec_path).layers)
    target.write_text(json.dumps(answers_doc(values(spec_path), L)), encoding="utf-8")
    return target
