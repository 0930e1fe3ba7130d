"""What each widget shows, as plain data: (trace, step, sample, digits, selection) → `StepView`.

No Textual here: the content of the screen is testable without a terminal, and the widgets only lay
it out. Step k means events 0..k of the trace have happened. What a student writes comes from the
worksheet model (`backprop_tutor.worksheet`): the step panel's equations (`equations_for`) and the
worksheet's tables (`worksheet_tables`), the same the Markdown export writes. This module adds only
what is the UI's own: the network diagram (which neurons, what they show, what is highlighted), and
the detail screens.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np

from backprop_tutor.notation import cell_text, field_name
from backprop_tutor.numbers.format import SUMMARY, fmt, fmt_vector, precision_label
from backprop_tutor.plural import count
from backprop_tutor.render.math import TextEquation
from backprop_tutor.render.step_notes import step_text
from backprop_tutor.trace import fields
from backprop_tutor.trace.events import Delta, Field, Forward, Gradient, Input, Loss, OutputDelta, Update
from backprop_tutor.trace.reader import read
from backprop_tutor.tui.source import TraceSource
from backprop_tutor.worksheet.equations import elementwise
from backprop_tutor.worksheet.full import full_values
from backprop_tutor.worksheet.model import build_worksheet, delta_field
from backprop_tutor.worksheet.tables import Table, worksheet_heading, worksheet_tables

#: the `d` key cycles through these (None: every digit the number has)
DIGIT_CYCLE: tuple[int | None, ...] = (3, 6, None)
#: W(l) is drawn in full beside its neurons up to this many columns and elements (else by its shape)
DIAGRAM_WEIGHT_COLUMNS = 6
DIAGRAM_WEIGHT_ELEMENTS = 36


def next_digits(digits: int | None) -> int | None:
    """3 → 6 → full → 3 (a --digits N outside the cycle goes to the next larger step)."""
    if digits is None:
        return DIGIT_CYCLE[0]
    bigger = [d for d in DIGIT_CYCLE if d is not None and d > digits]
    return bigger[0] if bigger else None


def digits_label(digits: int | None) -> str:
    return "full digits" if digits is None else f"{count(digits, 'digit')}"


def square_side(n: int) -> int | None:
    """28 for 784: an input that is a square image is drawn as one."""
    side = math.isqrt(n)
    return side if side * side == n and n >= 49 else None


# --- the views ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class NeuronView:
    layer: int
    unit: int
    text: str
    current: bool = False
    selected: bool = False
    known: bool = True


@dataclass(frozen=True)
class ColumnView:
    """Layer l as a column of neurons (a window of them for a wide layer), or an image for a(0)."""

    layer: int
    title: str
    neurons: tuple[NeuronView, ...]
    hidden_before: int = 0
    hidden_after: int = 0
    current: bool = False
    image: np.ndarray | None = field(default=None, compare=False)


@dataclass(frozen=True)
class WeightView:
    """W(l), b(l) between columns l-1 and l: one line per unit of layer l, or a summary (and the
    selected unit's weight row as an image when layer l-1 is a square image)."""

    layer: int
    title: str
    lines: tuple[str, ...]
    current: bool = False
    image: np.ndarray | None = field(default=None, compare=False)


@dataclass(frozen=True)
class StepView:
    step: int
    count: int
    layer: int
    phase: str
    label: str
    sample: int
    samples: int
    digits: int | None
    precision: str
    title: str
    equations: tuple[TextEquation, ...]
    heading: tuple[str, str, tuple[str, ...]]  # title, what it is of, spec and sample (`worksheet_heading`)
    tables: tuple[Table, ...]
    columns: tuple[ColumnView, ...]
    weights: tuple[WeightView, ...]

    @property
    def status(self) -> str:
        return self.status_for(None)

    def status_for(self, width: int | None) -> str:
        """The status line in ``width`` cells (None: in full): the phase left out first, then shorter words,
        so the sample and the digits stay in view on an 80-column terminal."""
        sample = f" · sample {self.sample} of 0–{self.samples - 1}" if self.samples > 1 else ""
        short_sample = f" · sample {self.sample} (0–{self.samples - 1})" if self.samples > 1 else ""
        digits = digits_label(self.digits)
        step = f"step {self.step + 1} of {self.count}"
        forms = [f"{step} · {self.phase} · {self.label} · {self.precision}{sample} · {digits}",
                 f"{step} · {self.label} · {self.precision}{sample} · {digits}",
                 f"step {self.step + 1}/{self.count} · {self.label} · {self.precision}{short_sample} · "
                 f"{digits.replace('digits', 'dig.')}"]
        return next((form for form in forms if width is None or len(form) <= width), forms[-1])


# --- building them --------------------------------------------------------------------------------
class StepModel:
    """Turns (step, sample, digits, selected neuron) into a `StepView` for one trace.

    Only the arrays the view needs are read (one sample's rows; W(l) when an equation uses it), and the
    last few views are cached so stepping back is instant and shows exactly what it showed before."""

    def __init__(self, source: TraceSource, max_units: int = 8, cache_size: int = 16) -> None:
        self.source = source
        self.header = source.header
        self.L = source.L
        self.max_units = max_units
        self._views: OrderedDict[tuple, StepView] = OrderedDict()
        self._cache_size = cache_size

    def __len__(self) -> int:
        return len(self.source)

    # reading -------------------------------------------------------------------------------------
    def known(self, event: type, layer: int, step: int) -> int | None:
        """The event index of (class, layer) if it has happened by ``step``."""
        i = self.source.find(event, layer)
        return i if i is not None and i <= step else None

    def value(self, field_: Field, layer: int, step: int, sample: int) -> np.ndarray | None:
        return read(self.source, field_, layer, sample, upto=step)

    def activation(self, l: int, step: int, sample: int) -> np.ndarray | None:
        """a(l) as of ``step``: x for l = 0."""
        return self.value(fields.X, 0, step, sample) if l == 0 else self.value(fields.A, l, step, sample)

    def delta(self, l: int, step: int, sample: int) -> np.ndarray | None:
        return self.value(delta_field(self.source, l), l, step, sample)

    def weights(self, l: int) -> tuple[np.ndarray | None, np.ndarray | None]:
        """W(l), b(l) as used by this step's forward and backward passes (the Update's "before")."""
        return read(self.source, fields.W_BEFORE, l), read(self.source, fields.B_BEFORE, l)


    # the view ------------------------------------------------------------------------------------
    def view(self, step: int, sample: int = 0, digits: int | None = 3,
             selected: tuple[int, int] | None = None) -> StepView:
        key = (step, sample, digits, selected)
        if key in self._views:
            self._views.move_to_end(key)
            return self._views[key]
        info = self.source.info(step)
        sheet = build_worksheet(self.source, sample, step)
        view = StepView(
            step=step, count=len(self.source), layer=info.layer, phase=info.phase,
            label=info.label, sample=sample, samples=self.source.samples, digits=digits,
            precision=precision_label(self.header), title=self.header.title,
            equations=step_text(self.source, step, sample, digits),  # notes: worksheet.notes, render.step_notes
            heading=worksheet_heading(sheet),
            tables=worksheet_tables(sheet, digits),
            columns=self.columns(step, sample, digits, selected),
            weights=self.weight_views(step, digits, selected),
        )
        self._views[key] = view
        if len(self._views) > self._cache_size:
            self._views.popitem(last=False)
        return view

    # network diagram -----------------------------------------------------------------------------
    def window(self, units: int, selected_unit: int | None) -> range:
        """The units of a layer shown as neurons: the first ``max_units``, or a window around the selected one.
        A layer with up to two more units is shown whole: the rows of "↑ …" and "↓ …" are free then."""
        if units <= self.max_units + 2:
            return range(units)
        start = 0
        if selected_unit is not None and selected_unit >= self.max_units:
            start = min(selected_unit - self.max_units // 2, units - self.max_units)
        return range(start, start + self.max_units)

    def resize(self, max_units: int) -> None:
        """Show up to ``max_units`` neurons per column (the rows the diagram has); forgets cached views."""
        if max_units != self.max_units:
            self.max_units = max(1, max_units)
            self._views.clear()

    def columns(self, step: int, sample: int, d: int | None,
                selected: tuple[int, int] | None) -> tuple[ColumnView, ...]:
        current = self.source.info(step)
        columns = []
        for l, units in enumerate(self.source.sizes):
            # an update writes W(l), b(l), drawn beside the layer: the layer's neurons keep their δ(l)
            is_current = (current.layer == l and current.cls not in (Loss, Update)) or (
                current.cls is Loss and l == self.L)
            sel_unit = selected[1] if selected and selected[0] == l else None
            focus = self.target_unit(step, sample) if l == self.L and sel_unit is None else sel_unit
            title, values = self._neuron_values(l, step, sample, d, current.cls if is_current else None)
            side = square_side(units)
            if l == 0 and side and units > self.max_units:
                x = self.activation(0, step, sample)
                image = None if x is None else np.asarray(x, dtype=np.float64).reshape(side, side)
                columns.append(ColumnView(0, f"a(0): {side}×{side}", (), current=is_current, image=image))
                continue
            shown = self.window(units, focus)  # the output layer's window holds the target unit
            neurons = tuple(NeuronView(l, j, values(j), current=is_current, selected=(sel_unit == j),
                                       known=values(j) != "·") for j in shown)
            columns.append(ColumnView(l, title, neurons, hidden_before=shown.start,
                                      hidden_after=units - shown.stop, current=is_current))
        return tuple(columns)

    def target_unit(self, step: int, sample: int) -> int | None:
        """The unit of the output layer the one-hot target y picks (None: y is not one-hot)."""
        y = self.value(fields.Y, 0, step, sample)
        if y is None:
            return None
        y = np.asarray(y, dtype=np.float64).ravel()
        ones = np.flatnonzero(y == 1)
        return int(ones[0]) if len(ones) == 1 and np.count_nonzero(y) == 1 else None

    def _neuron_values(self, l: int, step: int, sample: int, d: int | None, current: type | None):
        """(column title, unit → text): what the neurons of layer l show as of ``step``: the values the
        current step wrote for this layer, else δ(l) once known, else a(l)."""
        pick = [(name, self.value(f, l if f.event is not Input else 0, step, sample))
                for name, f in NEURON_SHOWS.get(current, ())]
        if current is OutputDelta or current is Delta:
            pick = [("δ", self.delta(l, step, sample))]
        pick = [(n, v) for n, v in pick if v is not None]
        if len(pick) > 1:
            title = " ".join(cell_text(n, l if n != "y" else None) for n, _ in pick)  # y has no layer
            return title, lambda j: " ".join(f"{n}={fmt(np.asarray(v).ravel()[j], d)}" for n, v in pick)
        if not pick:
            delta = self.delta(l, step, sample) if l > 0 else None
            pick = [("δ", delta)] if delta is not None else [("a", self.activation(l, step, sample))]
        name, arr = pick[0]
        if l == 0 and name in ("a", "x"):
            name = field_name(fields.X.name, 0) if current is Input else "a"
        title = name if name == field_name(fields.X.name, 0) else cell_text(name, l)
        if arr is None:
            return title, lambda j: "·"
        return title, lambda j: fmt(np.asarray(arr).ravel()[j], d)

    def weight_views(self, step: int, d: int | None, selected: tuple[int, int] | None) -> tuple[WeightView, ...]:
        """Small W(l) in full beside its neurons; a large one by its shape (from the header, so nothing
        is read), plus for W(1) on an image input the selected unit's weight row drawn as an image."""
        current = self.source.info(step)
        sizes = self.source.sizes
        views = []
        for l in range(1, self.L + 1):
            is_current = (current.layer == l and current.cls in (Forward, Update, Gradient)) or (
                current.cls is Delta and current.layer == l - 1)
            u = self.known(Update, l, step)
            i = u if u is not None else self.source.find(Update, l)
            W_field, b_field = (fields.W_AFTER, fields.B_AFTER) if u is not None else (fields.W_BEFORE, fields.B_BEFORE)
            title = f"{cell_text('W', l)} {cell_text('b', l)}" + (" new" if u is not None else "")
            n_out, n_in = sizes[l], sizes[l - 1]
            if i is None:
                views.append(WeightView(l, title, ("not in trace",), is_current))
                continue
            if n_out * n_in <= DIAGRAM_WEIGHT_ELEMENTS and n_in <= DIAGRAM_WEIGHT_COLUMNS and n_out <= self.max_units:
                W, b = np.asarray(self.source.array(i, W_field)), np.asarray(self.source.array(i, b_field))
                width = max(len(fmt(v, d)) for v in W.ravel())
                lines = tuple(" ".join(fmt(v, d).rjust(width) for v in row) + " │ " + fmt(bj, d)
                              for row, bj in zip(W, b.ravel(), strict=True))
                views.append(WeightView(l, title, lines, is_current))
                continue
            lines: tuple[str, ...] = (f"{n_out}×{n_in}",)
            image = None
            side = square_side(n_in)
            if l == 1 and side:
                unit = selected[1] if selected and selected[0] == 1 else 0
                row = self.source.array(i, W_field, row=unit)
                image = np.asarray(row, dtype=np.float64).reshape(side, side)
                lines = (*lines, f"row {unit + 1} (into unit {unit + 1}):")
            views.append(WeightView(l, title, lines, is_current, image=image))
        return tuple(views)

    # details ---------------------------------------------------------------------------------------
    def neuron_detail(self, step: int, sample: int, d: int | None, layer: int, unit: int) -> list[tuple[str, str]]:
        """(name, value) pairs of one neuron, as far as the trace has got by ``step``."""
        j = unit

        def pick(arr: np.ndarray | None) -> str:
            return "not yet" if arr is None else fmt(np.asarray(arr).ravel()[j], d)

        if layer == 0:
            return [(f"{cell_text('x', None, j)} = {cell_text('a', 0, j)}", pick(self.activation(0, step, sample)))]
        rows = [(cell_text("s", layer, j), pick(self.value(fields.S, layer, step, sample))),
                (cell_text("a", layer, j), pick(self.value(fields.A, layer, step, sample)))]
        a_prime = self.value(fields.A_PRIME, layer, step, sample)
        if a_prime is not None or elementwise(self.header, layer):
            rows.append((cell_text("a'", layer, j), pick(a_prime)))
        rows.append((cell_text("δ", layer, j), pick(self.delta(layer, step, sample))))
        W, b = self.weights(layer)
        if W is not None:
            rows.append((cell_text("b", layer, j), fmt(np.asarray(b).ravel()[j], d)))
            rows.append((f"row {j + 1} of {cell_text('W', layer)}", fmt_vector(np.asarray(W)[j], d, SUMMARY.vector)))
        b_new = self.value(fields.B_AFTER, layer, step, sample)
        if b_new is not None:
            rows.append((f"{cell_text('b', layer, j)} new", pick(b_new)))
        return rows

    def full_view(self, step: int, sample: int) -> list[tuple[str, str]]:
        """Every array of the current step in full digits, named in the notation (`worksheet.full`)."""
        return [(value.title, "\n".join(value.lines)) for value in full_values(self.source, step, sample)]


#: what the neurons of the current step's layer show, by the step's event class
NEURON_SHOWS: dict[type | None, tuple[tuple[str, Field], ...]] = {
    Forward: (("s", fields.S), ("a", fields.A), ("a'", fields.A_PRIME)),
    Loss: (("a", fields.A), ("y", fields.Y)),
    Gradient: (("∇b", fields.DB),),
    Input: (("x", fields.X),),
}
