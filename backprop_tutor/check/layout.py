"""The worksheet's layout, in one place: which quantities a student writes, in what order, under
which names, and how their Markdown rows and columns are labelled.

Markdown: one table per section (Feed-forward, Loss, Backpropagation, Gradients, Update); one row per
quantity and layer (a matrix: one row per unit j of layer l, e.g. ``∇W(2)[1,·]``), one column per unit
(for a matrix row: per input unit i). Units are numbered from 1, as in the course's tables.
TOML/JSON answer files name the same quantities with the keys in `KEYS` (ASCII, or the notation).

When the worksheet model (backprop_tutor/worksheet/) lands, `Quantity` here is replaced by
`worksheet.model.Quantity` (same values); the labels below stay the one place the layout is named.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Quantity(StrEnum):
    """What a student writes, in the notation. Stand-in for worksheet.model.Quantity (same values)."""

    S = "s"
    A = "a"
    A_PRIME = "a'"
    COST = "C"
    DELTA = "δ"
    GRAD_W = "∇W"
    GRAD_B = "∇b"
    W_NEW = "W"  # W(l) after the update
    B_NEW = "b"  # b(l) after the update


#: Quantities that are matrices (units out × units in); the others are vectors, C a scalar.
MATRICES = frozenset({Quantity.GRAD_W, Quantity.W_NEW})

#: Sections of the Markdown worksheet and the quantities each holds.
SECTIONS: dict[str, tuple[Quantity, ...]] = {
    "Feed-forward": (Quantity.S, Quantity.A, Quantity.A_PRIME),
    "Loss": (Quantity.COST,),
    "Backpropagation": (Quantity.DELTA,),
    "Gradients": (Quantity.GRAD_W, Quantity.GRAD_B),
    "Update": (Quantity.W_NEW, Quantity.B_NEW),
}

#: Keys of TOML/JSON answer files → quantity (ASCII spellings, and the notation itself in quotes).
KEYS: dict[str, Quantity] = {
    "s": Quantity.S, "a": Quantity.A, "a_prime": Quantity.A_PRIME, "a'": Quantity.A_PRIME,
    "C": Quantity.COST, "cost": Quantity.COST, "delta": Quantity.DELTA, "δ": Quantity.DELTA,
    "grad_W": Quantity.GRAD_W, "∇W": Quantity.GRAD_W, "grad_b": Quantity.GRAD_B, "∇b": Quantity.GRAD_B,
    "W": Quantity.W_NEW, "b": Quantity.B_NEW,
}

#: The key a template writes for each quantity (the first ASCII spelling above).
TEMPLATE_KEY: dict[Quantity, str] = {
    Quantity.S: "s", Quantity.A: "a", Quantity.A_PRIME: "a_prime", Quantity.COST: "C", Quantity.DELTA: "delta",
    Quantity.GRAD_W: "grad_W", Quantity.GRAD_B: "grad_b", Quantity.W_NEW: "W", Quantity.B_NEW: "b",
}

#: What each quantity is, for templates and messages.
MEANING: dict[Quantity, str] = {
    Quantity.S: "s({l}) = W({l}) a({p}) + b({l})",
    Quantity.A: "a({l}) = h(s({l}))",
    Quantity.A_PRIME: "a'({l}) = h'(s({l}))",
    Quantity.COST: "the cost C",
    Quantity.DELTA: "δ({l}) = ∇s({l}) C",
    Quantity.GRAD_W: "∇W({l}) = δ({l}) a({p})ᵀ",
    Quantity.GRAD_B: "∇b({l}) = δ({l})",
    Quantity.W_NEW: "W({l}) after the update",
    Quantity.B_NEW: "b({l}) after the update",
}

NOT_APPLICABLE = "—"  # a Markdown cell past the end of a shorter row
NOT_APPLICABLE_SPELLINGS = frozenset({"—", "–", "-", "n/a"})


@dataclass(frozen=True)
class Slot:
    """One thing a student writes: a quantity of a layer (C: layer L), with its shape."""

    quantity: Quantity
    layer: int
    shape: tuple[int, ...]

    @property
    def name(self) -> str:
        """s(2), ∇W(1), C."""
        return "C" if self.quantity is Quantity.COST else f"{self.quantity}({self.layer})"

    def meaning(self) -> str:
        return MEANING[self.quantity].format(l=self.layer, p=self.layer - 1)


def slots(sizes: list[int], elementwise_output: bool) -> list[Slot]:
    """Every quantity of one backprop step, in the order a student works: forward l = 1..L, C,
    δ(L..1), gradients (L..1), updates (L..1). a'(L) is left out for a softmax output (its
    derivative is the matrix A, not a vector)."""
    L = len(sizes) - 1
    out: list[Slot] = []
    for l in range(1, L + 1):
        out += [Slot(Quantity.S, l, (sizes[l],)), Slot(Quantity.A, l, (sizes[l],))]
        if l < L or elementwise_output:
            out.append(Slot(Quantity.A_PRIME, l, (sizes[l],)))
    out.append(Slot(Quantity.COST, L, ()))
    out += [Slot(Quantity.DELTA, l, (sizes[l],)) for l in range(L, 0, -1)]
    for l in range(L, 0, -1):
        out += [Slot(Quantity.GRAD_W, l, (sizes[l], sizes[l - 1])), Slot(Quantity.GRAD_B, l, (sizes[l],))]
    for l in range(L, 0, -1):
        out += [Slot(Quantity.W_NEW, l, (sizes[l], sizes[l - 1])), Slot(Quantity.B_NEW, l, (sizes[l],))]
    return out


def cell_name(quantity: Quantity, layer: int, index: tuple[int, ...]) -> str:
    """A cell in the notation, units numbered from 1: s(2)[1], W(1)[2,3], C."""
    if quantity is Quantity.COST:
        return "C"
    return f"{quantity}({layer})[{','.join(str(i + 1) for i in index)}]"


# --- Markdown rows -----------------------------------------------------------------------------
def row_labels(slot: Slot) -> list[str]:
    """The Markdown row label(s) of a quantity: one row, or one per unit j for a matrix."""
    if slot.quantity in MATRICES:
        return [f"{slot.name}[{j},·]" for j in range(1, slot.shape[0] + 1)]
    return [slot.name]


def column_labels(width: int) -> list[str]:
    return ["quantity", *(str(i) for i in range(1, width + 1))]


_LABEL = re.compile(r"^(?P<q>a'|∇W|∇b|[saδWbC])(?:\((?P<l>\d+)\))?(?:\[(?P<j>\d+),\s*[·.*:]\])?$")


def parse_row_label(label: str) -> tuple[Quantity, int | None, int | None] | None:
    """(quantity, layer, 0-based row j of a matrix) of a Markdown row label, or None if it is not one.
    C has no layer in its label (layer None)."""
    m = _LABEL.match(label.strip().replace("`", "").replace(" ", ""))
    if not m:
        return None
    quantity = Quantity(m["q"])
    if (quantity is Quantity.COST) != (m["l"] is None) or (quantity in MATRICES) != (m["j"] is not None):
        return None
    return quantity, int(m["l"]) if m["l"] else None, int(m["j"]) - 1 if m["j"] else None
