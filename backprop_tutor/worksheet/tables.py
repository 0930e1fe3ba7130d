"""The worksheet laid out as a student's tables, as text: the one layout the terminal (Rich), the
Markdown and the UI's worksheet draw, so all three show the same cells with the same digits.

    feed-forward          l, s(l), a(l), a'(l)            notes: y, C
    backprop              l, δ(l), ∇W(l), ∇b(l)
    updated parameters    l, W(l) new, b(l) new

A vector is one line; a matrix one line per row, or its summary when bigger than the `Limits`.
"""

from __future__ import annotations

from dataclasses import dataclass

from backprop_tutor.notation import cell_text, column_title
from backprop_tutor.numbers.format import SUMMARY, Limits, fmt, fmt_lines
from backprop_tutor.plural import count
from backprop_tutor.spec import example_name
from backprop_tutor.trace.events import TraceHeader
from backprop_tutor.worksheet.equations import elementwise
from backprop_tutor.worksheet.model import Quantity, Worksheet


@dataclass(frozen=True)
class TextCell:
    lines: tuple[str, ...] = ()
    new: bool = False  # written by the step on screen

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass(frozen=True)
class Table:
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[TextCell, ...], ...]
    notes: tuple[TextCell, ...] = ()

    @property
    def current(self) -> bool:
        """Holds a cell written by the step on screen."""
        return any(c.new for row in self.rows for c in row) or any(c.new for c in self.notes)


def worksheet_tables(ws: Worksheet, digits: int | None = 3, limits: Limits = SUMMARY,
                     layer: int | None = None) -> tuple[Table, Table, Table]:
    """Feed-forward, backprop and updated-parameter tables; ``layer`` keeps only that layer's rows."""
    L = ws.L
    keep = [l for l in range(L + 1) if layer is None or l == layer]

    def cell(quantity: Quantity, l: int, blank: str = "") -> TextCell:
        value = ws.value(quantity, l)
        lines = fmt_lines(value, digits, limits) if value is not None else ((blank,) if blank else ())
        return TextCell(lines, ws.new(quantity, l))

    ff = [(TextCell(("0",)), TextCell(("—",)), cell(Quantity.X, 0), TextCell(("—",)))] if 0 in keep else []
    for l in (l for l in keep if l > 0):
        matrix = ws.value(Quantity.S, l) is not None and ws.value(Quantity.A_PRIME, l) is None and \
            not elementwise(ws.header, l)
        ff.append((TextCell((str(l),)), cell(Quantity.S, l), cell(Quantity.A, l),
                   cell(Quantity.A_PRIME, l, blank=f"matrix A, see {cell_text('δ', l)}" if matrix else "")))
    notes = [note("y", cell(Quantity.Y, 0))] if 0 in keep else []
    notes.append(note("C", cell(Quantity.COST, L)))
    if ws.samples > 1:
        notes.append(note(f"minibatch mean of C over {count(ws.samples, 'sample')}", cell(Quantity.MEAN_COST, L)))
    backprop = [(TextCell((str(l),)), cell(Quantity.DELTA, l), cell(Quantity.GRAD_W, l), cell(Quantity.GRAD_B, l))
                for l in reversed(keep) if l > 0]
    updated = [(TextCell((str(l),)), cell(Quantity.W_NEW, l), cell(Quantity.B_NEW, l)) for l in reversed(keep) if l > 0]
    return (Table("feed-forward", _titles(Quantity.S, Quantity.A, Quantity.A_PRIME), tuple(ff), tuple(notes)),
            Table("backprop", _titles(Quantity.DELTA, Quantity.GRAD_W, Quantity.GRAD_B), tuple(backprop)),
            Table("updated parameters", _titles(Quantity.W_NEW, Quantity.B_NEW), tuple(updated)))


def _titles(*quantities: Quantity) -> tuple[str, ...]:
    """A table's header: the layer l, then a column per quantity (s(l), W(l) new)."""
    return ("l", *(column_title(q) for q in quantities))


def note(name: str, value: TextCell) -> TextCell:
    return TextCell((f"{name} = {' '.join(value.lines)}",), value.new)


def update_rule(header: TraceHeader) -> str:
    """The update rule as applied, in the notation: plain SGD, or with momentum and L2."""
    eta = fmt(header.learning_rate, None)
    if header.momentum:
        rule = f"v ← μ v − η ∇W(l), W(l) ← W(l) + v (and likewise b(l)), η = {eta}, μ = {fmt(header.momentum, None)}"
    else:
        rule = f"W(l) ← W(l) − η ∇W(l), b(l) ← b(l) − η ∇b(l), η = {eta}"
    if header.l2:
        rule += f"; ∇W(l) includes λ W(l) (L2), λ = {fmt(header.l2, None)}"
    return rule + (" (∇ averaged over the minibatch)" if header.batch_size > 1 else "")


def network_summary(header: TraceHeader) -> str:
    acts = ", ".join(header.activations)
    return (f"{'-'.join(map(str, header.sizes))} network ({acts}), {header.loss} loss, "
            f"{header.precision} arithmetic")


def worksheet_heading(ws: Worksheet) -> tuple[str, str, tuple[str, ...]]:
    """(title, what the worksheet is of: network, update rule, sample, how far the step has got, and
    the fields `tutor check` reads: the spec the trace ran, when known, and the sample)."""
    summary = f"{network_summary(ws.header)}; {update_rule(ws.header)}"
    if ws.samples > 1:
        summary += f"; sample {ws.sample} (of {ws.samples}, numbered from 0)"
    if ws.upto < ws.count - 1:
        summary += f"; filled in up to step {ws.upto + 1} of {ws.count}"
    source = str(ws.header.config.get("source", "")) if isinstance(ws.header.config, dict) else ""
    spec = (f"spec: {example_name(source)}",) if source and not source.startswith("<") else ()
    return ws.header.title or "Backpropagation trace", summary, (*spec, f"sample: {ws.sample}")
