"""The working of a wrong cell, from the equations module (the one source of equations the UI's step
panel and the worked solution also draw): the quantity's equation with the true numbers substituted,
and one cell's equation (`worksheet.cell_equations`), e.g. ``s(2)[1] = W(2)[1,·] a(1) + b(2)[1] =
1·5 + (-2)·0 + 1 = 6``, from the true values or from the student's own earlier ones (what their inputs
give). Both are written here on one line, at 4 significant digits.
"""

from __future__ import annotations

from typing import Any, Protocol

from backprop_tutor.check.expected import Reference
from backprop_tutor.render.math import equation_text, text_lines
from backprop_tutor.worksheet.cell_equations import Via, cell_equation
from backprop_tutor.worksheet.equations import Equation, equations_for
from backprop_tutor.worksheet.model import Quantity, build_worksheet


class Cell(Protocol):
    """What the working needs of a marked cell (`check.marking.Marked` is one)."""

    quantity: Quantity
    layer: int
    index: tuple[int, ...]
    expected: Any

Values = dict[tuple[Quantity, int], Any]

DIGITS = 4


def one_line(eq: Equation) -> str:
    """An equation as the report writes it: its lines (as the UI's step panel has them) on one line."""
    return " ".join(line.strip() for line in text_lines(equation_text(eq, DIGITS)))


def quantity_equation(ref: Reference, quantity: Quantity, layer: int) -> str:
    """The equation that produces ``quantity`` of ``layer``, numbers substituted, on one line (what the
    UI's step panel shows for that step): s(2) = W(2) a(1) + b(2) = [[1, -2], [3, 4]]·[5, 0] + [1, 0] = [6, 15].
    Written once per problem: a class's sheets of one problem share it."""
    key = (quantity, layer)
    if key not in ref.equations:
        entry = build_worksheet(ref.trace, ref.sample).entry(quantity, layer)
        found = [] if entry is None else [eq for eq in equations_for(ref.trace, entry.step, ref.sample)
                                          if eq.writes is quantity]
        ref.equations[key] = one_line(found[-1]) if found else ""
    return ref.equations[key]


def working(cell: Cell, ref: Reference, values: Values | None = None, result: Any = None,
            via: Via = Via.EQUATION) -> str:
    """``cell``'s sum with ``values`` substituted (default: the true values, giving the true result), by
    the route ``via`` (C from s(L) or from a(L); a'(l) from s(l) or from a(l))."""
    eq = cell_equation(cell.quantity, cell.layer, cell.index, ref.given, ref.expected if values is None else values,
                       cell.expected if result is None else result, via)
    return one_line(eq)
