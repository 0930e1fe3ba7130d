"""The rows of W(1) as the images they weigh (784 = 28×28): row j before the update, ∇W(1) row j and
row j after, so a student sees what unit j of layer 1 looks for and how one step changed it."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from backprop_tutor.trace import fields
from backprop_tutor.trace.events import Gradient, Update
from backprop_tutor.trace.reader import TraceReader


@dataclass(frozen=True)
class RowImage:
    """One row of a matrix drawn as a side×side image; ``scale``: the |value| drawn at full colour."""

    title: str
    values: np.ndarray = field(compare=False)
    scale: float


def image_side(n: int) -> int | None:
    """28 for 784: an input that is a square image (at least 7×7)."""
    side = math.isqrt(n)
    return side if side * side == n and n >= 49 else None


def weight_row_images(trace: TraceReader, unit: int) -> list[RowImage]:
    """W(1) row ``unit`` (0-based) before, ∇W(1) row, W(1) row after; before and after on one colour
    scale (their difference is η ∇W, small), the gradient on its own. Empty if a(0) is not an image."""
    side = image_side(trace.header.sizes[0])
    u, g = trace.find(Update, 1), trace.find(Gradient, 1)
    if side is None or u is None or g is None:
        return []

    def row(i: int, f: fields.Field) -> np.ndarray:
        return np.asarray(trace.array(i, f, row=unit), dtype=np.float64).reshape(side, side)

    before, after, grad = row(u, fields.W_BEFORE), row(u, fields.W_AFTER), row(g, fields.DW)
    shared = float(max(np.abs(before).max(), np.abs(after).max())) or 1.0
    j = unit + 1
    return [RowImage(f"W(1) row {j} before", before, shared),
            RowImage(f"∇W(1) row {j}", grad, float(np.abs(grad).max()) or 1.0),
            RowImage(f"W(1) row {j} after", after, shared)]
