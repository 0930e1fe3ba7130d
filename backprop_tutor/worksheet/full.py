"""Every value of one step, in full digits, named in the notation (the UI's `f` screen): δ(2), not
``delta(2)``; A ∇a C, not ``jacobian_times_grad_a``; W(3) before the update, not ``W_before``; and the
size said in words (2 values, one per unit of layer 2; 3×2: row j = unit j of layer 3, column i = unit i
of layer 2)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from backprop_tutor.notation import cell_text, field_name
from backprop_tutor.numbers.format import FULL, fmt_lines
from backprop_tutor.plural import count
from backprop_tutor.trace import fields
from backprop_tutor.trace.events import Field, Forward
from backprop_tutor.trace.reader import TraceReader, read, sample_row


@dataclass(frozen=True)
class FullValue:
    """One array of a step: its name in the notation, what its size means, and its values one row per line."""

    name: str
    size: str
    lines: tuple[str, ...]

    @property
    def title(self) -> str:
        return f"{self.name} · {self.size}" if self.size else self.name


def full_values(trace: TraceReader, step: int, sample: int = 0) -> list[FullValue]:
    """Every array of event ``step`` for sample ``sample`` (0-based), in full digits; on a forward step
    also the W(l), b(l) it used."""
    info = trace.info(step)
    l = info.layer
    arrays = [(f, trace.array(step, f, sample_row(f, sample))) for f in fields.arrays_of(info.cls)]
    out = []
    for field, values in arrays:
        if values is not None:
            name = field_name(field.name, l)
            name += f", sample {sample}" if field.event.per_sample and trace.header.batch_size > 1 else ""
            out.append(_full(name, np.asarray(values), l, field))
    if info.cls is Forward:
        for field, name in ((fields.W_BEFORE, f"{cell_text('W', l)} used here (before its update)"),
                            (fields.B_BEFORE, f"{cell_text('b', l)} used here (before its update)")):
            values = read(trace, field, l)
            if values is not None:
                out.append(_full(name, np.asarray(values), l, field))
    return out


def _full(name: str, values: np.ndarray, l: int, field: Field) -> FullValue:
    if values.ndim == 0:
        return FullValue(name, "", fmt_lines(values, None, FULL))
    if values.ndim == 1:
        where = {fields.X: "unit of layer 0 (the input)", fields.Y: "output unit"}.get(field, f"unit of layer {l}")
        return FullValue(name, f"{count(values.size, 'value')}, one per {where}",
                         _numbered([fmt_lines(v, None, FULL)[0] for v in values]))
    rows = values.reshape(values.shape[0], -1)
    if field == fields.JACOBIAN:
        size = (f"{rows.shape[0]}×{rows.shape[1]}: row j = ∂{cell_text('a', l, 'j')}, "
                f"column k = ∂{cell_text('s', l, 'k')}")
    else:
        size = f"{rows.shape[0]}×{rows.shape[1]}: row j = unit j of layer {l}, column i = unit i of layer {l - 1}"
    return FullValue(name, size, _numbered([fmt_lines(row, None, FULL)[0] for row in rows]))


def _numbered(lines: list[str]) -> tuple[str, ...]:
    width = len(str(len(lines)))
    return tuple(f"{k + 1:>{width}}: {line}" for k, line in enumerate(lines))
