"""What a student writes, in one place: which quantities, in what order, with which shapes, and
under which names (cells in the notation, units from 1: s(2)[1], W(1)[2,3]; TOML/JSON keys).

The quantities, their names and meanings are the notation's (`backprop_tutor.notation`): one Quantity
everywhere. The Markdown layout is the worksheet's own tables (`backprop_tutor.worksheet.tables`);
TOML/JSON answer files name the quantities by `KEYS`: the notation, or its ASCII spelling.
"""

from __future__ import annotations

from dataclasses import dataclass

from backprop_tutor.notation import Quantity, meaning
from backprop_tutor.notation import ascii_name as ascii_key  # an answer file's key for a quantity
from backprop_tutor.notation import cell_name as cell_name  # what marking and working name a cell by

#: The quantities a student computes (x and y are given; the minibatch's mean C is not asked for).
WRITTEN = (Quantity.S, Quantity.A, Quantity.A_PRIME, Quantity.COST, Quantity.DELTA, Quantity.GRAD_W,
           Quantity.GRAD_B, Quantity.W_NEW, Quantity.B_NEW)

#: Quantities that are matrices (units out × units in); the others are vectors, C a scalar.
MATRICES = frozenset({Quantity.GRAD_W, Quantity.W_NEW})

#: Keys of TOML/JSON answer files → quantity (the ASCII spelling, and the notation itself in quotes).
KEYS: dict[str, Quantity] = {**{ascii_key(q): q for q in WRITTEN}, **{str(q): q for q in WRITTEN},
                             "cost": Quantity.COST}

#: A Markdown cell with nothing to write (a(0) has no s(0)), as the tables write it and people type it.
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
        return cell_name(self.quantity, self.layer, ())

    def meaning(self) -> str:
        return meaning(self.quantity, self.layer)


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

