"""The credit policy: how much of a cell's weight each verdict earns, the same in `tutor grade` and in
every platform adapter.

Each cell a student writes is worth its quantity's weight (1 unless given): a right value earns it all,
a carried one (right from the student's own earlier values) `carried` of it, a root mistake `root`, a
blank `missing`, a quantity in the wrong shape `shape` for each of its cells. A score is Σ credit ×
weight over the worksheet's cells; its maximum is Σ weight.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from backprop_tutor.check.layout import KEYS, Slot, slots
from backprop_tutor.check.marking import Marked, Marking, Verdict
from backprop_tutor.errors import UsageError
from backprop_tutor.notation import cell_text
from backprop_tutor.worksheet.model import Quantity

#: Defaults: a mistake is charged once, where it was made; what follows from it correctly keeps its credit.
DEFAULT_CREDIT = {Verdict.RIGHT: 1.0, Verdict.CARRIED: 1.0, Verdict.ROOT: 0.0, Verdict.MISSING: 0.0,
                  Verdict.SHAPE: 0.0}

#: The quantity groups a platform shows as separate tests: the feed-forward, each δ(l), gradients, updates.
FORWARD = (Quantity.S, Quantity.A, Quantity.A_PRIME, Quantity.COST)
GRADIENTS = (Quantity.GRAD_W, Quantity.GRAD_B)
UPDATES = (Quantity.W_NEW, Quantity.B_NEW)


@dataclass(frozen=True)
class CreditPolicy:
    credit: dict[Verdict, float] = field(default_factory=lambda: dict(DEFAULT_CREDIT))
    #: per quantity (by the worksheet's TOML key: s, a, a_prime, C, delta, grad_W, grad_b, W, b); 1 if absent
    weights: dict[Quantity, float] = field(default_factory=dict)

    def weight(self, quantity: Quantity) -> float:
        return self.weights.get(quantity, 1.0)

    def cell_points(self, cell: Marked) -> tuple[float, float]:
        """(earned, possible) for one marked cell (a wrong-shape quantity counts each of its cells)."""
        n = 1 if cell.index or cell.quantity is Quantity.COST else max(1, int(np.size(cell.expected)))
        possible = n * self.weight(cell.quantity)
        return possible * self.credit[cell.verdict], possible

    def score(self, marking: Marking) -> tuple[float, float]:
        """(score, maximum) of a marked worksheet."""
        points = [self.cell_points(c) for c in marking.cells]
        return sum(p[0] for p in points), sum(p[1] for p in points)

    def maximum(self, sizes: list[int], softmax_output: bool) -> float:
        """The maximum score of a worksheet of a network of ``sizes`` (for a sheet that could not be read)."""
        return sum(int(np.prod(s.shape)) * self.weight(s.quantity) for s in slots(sizes, not softmax_output))

    def describe(self) -> str:
        credit = ", ".join(f"{v.value} {self.credit[v]:g}" for v in Verdict)
        weights = ", ".join(f"{q} ×{w:g}" for q, w in self.weights.items())
        return f"credit per cell: {credit}" + (f"; weights: {weights}" if weights else "")

    def groups(self, marking: Marking) -> list[tuple[str, float, float, list[Marked]]]:
        """(name, score, maximum, cells) per quantity group, in the order a student works."""
        out: dict[str, list[Marked]] = {}
        for cell in marking.cells:
            out.setdefault(group_name(cell.quantity, cell.layer), []).append(cell)
        rows = []
        for name, cells in out.items():
            points = [self.cell_points(c) for c in cells]
            rows.append((name, sum(p[0] for p in points), sum(p[1] for p in points), cells))
        return rows


def group_name(quantity: Quantity, layer: int) -> str:
    if quantity in FORWARD:
        return "feed-forward: s(l), a(l), a'(l) and C"
    if quantity is Quantity.DELTA:
        return cell_text("δ", layer)
    return "gradients: ∇W(l), ∇b(l)" if quantity in GRADIENTS else "updates: W(l), b(l) after the step"


def slot_group(slot: Slot) -> str:
    return group_name(slot.quantity, slot.layer)


def parse_weights(items: list[str]) -> dict[Quantity, float]:
    """['delta=2', 'W=0.5'] → {δ: 2, W: 0.5}, by the TOML keys of an answer file."""
    weights: dict[Quantity, float] = {}
    for item in items:
        key, _, value = item.partition("=")
        quantity = KEYS.get(key.strip())
        try:
            weight = float(value)
        except ValueError:
            weight = -1.0
        if quantity is None or not 0 <= weight < float("inf"):
            names = ", ".join(k for k in KEYS if k.isidentifier() and k.isascii() and k != "cost")
            raise UsageError(f"--weight {item!r}: give QUANTITY=W with W ≥ 0 and QUANTITY one of {names}, "
                             "e.g. --weight delta=2")
        weights[quantity] = weight
    return weights
