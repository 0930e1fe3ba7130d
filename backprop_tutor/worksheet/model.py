"""The worksheet model: what a student has written after steps 0..k of a trace, for one sample.

Each value is an `Entry` (a vector, a matrix or a number) knowing its quantity in the notation, its
layer, the event it came from and the step that wrote it; `Worksheet.cells()` gives every number of
it as a `Cell` (quantity, layer, 0-based index, value). Numbers stay numbers (float or mpmath.mpf):
they are formatted only when shown (`backprop_tutor.worksheet.tables`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import mpmath
import numpy as np

from backprop_tutor.errors import UsageError
from backprop_tutor.notation import Quantity
from backprop_tutor.numbers.arithmetic import array_mean
from backprop_tutor.plural import count
from backprop_tutor.trace import fields
from backprop_tutor.trace.events import Event, Field, Loss, OutputDelta, TraceHeader
from backprop_tutor.trace.reader import TraceReader, sample_row

#: the trace field each quantity is read from (δ(L) comes from OutputDelta, δ(l < L) from Delta)
SOURCES: dict[type[Event], tuple[tuple[Quantity, Field], ...]] = {
    fields.X.event: ((Quantity.X, fields.X), (Quantity.Y, fields.Y)),
    fields.S.event: ((Quantity.S, fields.S), (Quantity.A, fields.A), (Quantity.A_PRIME, fields.A_PRIME)),
    fields.C.event: ((Quantity.COST, fields.C),),
    fields.OUTPUT_DELTA.event: ((Quantity.DELTA, fields.OUTPUT_DELTA),),
    fields.DELTA.event: ((Quantity.DELTA, fields.DELTA),),
    fields.DW.event: ((Quantity.GRAD_W, fields.DW), (Quantity.GRAD_B, fields.DB)),
    fields.W_AFTER.event: ((Quantity.W_NEW, fields.W_AFTER), (Quantity.B_NEW, fields.B_AFTER)),
}


@dataclass(frozen=True)
class Cell:
    """One number of the worksheet: W(l)[j, i] is Cell(W_NEW, l, (j, i), …); C is Cell(COST, L, (), …)."""

    quantity: Quantity
    layer: int  # l (0 for x and y; L for the cost)
    index: tuple[int, ...]  # 0-based: (j,) for vectors, (j, i) for matrices, () for a number
    value: float | mpmath.mpf
    source: type[Event]


@dataclass(frozen=True, eq=False)
class Entry:
    """One vector, matrix or number of the worksheet, as the trace recorded it."""

    quantity: Quantity
    layer: int
    values: np.ndarray  # this sample's row, or the minibatch's parameters; shape () for a number
    source: type[Event]
    step: int  # the event that wrote it

    def cells(self) -> Iterator[Cell]:
        exact = self.values.dtype == object
        for index in np.ndindex(self.values.shape):
            value = self.values[index]
            yield Cell(self.quantity, self.layer, index, value if exact else float(value), self.source)


@dataclass(frozen=True, eq=False)
class Worksheet:
    """What a student has written after steps 0..``upto`` for sample ``sample`` (0-based)."""

    header: TraceHeader
    sample: int
    samples: int  # B, the minibatch's size
    upto: int  # the last step included
    count: int  # steps in the whole trace
    entries: tuple[Entry, ...]  # in the order they were written

    @property
    def L(self) -> int:
        return self.header.L

    def cells(self) -> Iterator[Cell]:
        for entry in self.entries:
            yield from entry.cells()

    def entry(self, quantity: Quantity, layer: int) -> Entry | None:
        return next((e for e in self.entries if e.quantity is quantity and e.layer == layer), None)

    def value(self, quantity: Quantity, layer: int) -> np.ndarray | None:
        """The whole vector/matrix (or the number, shape ()) of ``quantity`` at ``layer``, if written."""
        entry = self.entry(quantity, layer)
        return None if entry is None else entry.values

    def new(self, quantity: Quantity, layer: int) -> bool:
        """Written by the last step included (the step on screen)."""
        entry = self.entry(quantity, layer)
        return entry is not None and entry.step == self.upto


def check_sample(trace: TraceReader, sample: int) -> int:
    """The minibatch size B, if ``sample`` is one of its rows; else UsageError."""
    B = max(1, int(trace.header.batch_size or 1))
    if not 0 <= sample < B:
        raise UsageError(f"sample {sample} does not exist: the trace holds {count(B, 'sample')}, numbered 0 to {B - 1}")
    return B


def build_worksheet(trace: TraceReader, sample: int = 0, upto: int | None = None) -> Worksheet:
    """The worksheet of ``sample`` after steps 0..``upto`` (default: the whole trace). Reads only that
    sample's rows of the per-sample arrays."""
    B = check_sample(trace, sample)
    n = len(trace)
    last = n - 1 if upto is None else min(upto, n - 1)
    entries: list[Entry] = []
    for i in range(last + 1):
        info = trace.info(i)
        for quantity, field in SOURCES.get(info.cls, ()):
            values = trace.array(i, field, sample_row(field, sample))
            if values is not None:
                entries.append(Entry(quantity, info.layer, np.asarray(values), info.cls, i))
        if info.cls is Loss and B > 1:
            entries.append(Entry(Quantity.MEAN_COST, info.layer, mean(trace.array(i, fields.C)), Loss, i))
    return Worksheet(trace.header, sample, B, last, n, tuple(entries))


def mean(values: np.ndarray) -> np.ndarray:
    """The mean of every value, in the values' own number type (exact stays exact), shape ()."""
    flat = np.asarray(values).ravel()
    if flat.dtype == object:  # exact values are intervals: their mean keeps only certain digits
        return np.asarray(array_mean(flat), dtype=object)
    return np.asarray(flat.mean(dtype=np.float64))


def delta_field(trace: TraceReader, layer: int) -> Field:
    """Where δ(l) is recorded: the OutputDelta event for the output layer, a Delta event otherwise."""
    return fields.OUTPUT_DELTA if trace.find(OutputDelta, layer) is not None else fields.DELTA

