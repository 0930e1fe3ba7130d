"""The network as columns of neurons, with W(l), b(l) between them.

The widgets are built once for the trace's layer sizes (up to ``NEURON_WIDGETS`` neurons per column)
and then only updated from each step's `ColumnView`/`WeightView`, so a key press never mounts widgets.
Row j of W(l) sits beside neuron j of layer l: it holds that neuron's incoming weights.

The diagram never scrolls sideways (a scrolled pane cut numbers at its edge): `diagram_layout` picks
the whole columns that fit and the digits they are written with; ◂ and ▸ say where columns were left out.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

import numpy as np
from rich.style import Style
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Label, Static

from backprop_tutor.tui.diagram_layout import (
    Column,
    Plan,
    column_at,
    column_width,
    fit_text,
    image_shrink,
    marker_text,
    plan_diagram,
)
from backprop_tutor.tui.halfblock import HalfBlockImage
from backprop_tutor.tui.messages import NeuronSelected, WeightSelected
from backprop_tutor.tui.sizing import SizedByLayout, update_in_place
from backprop_tutor.tui.viewmodel import ColumnView, WeightView

STYLE_NAMES = ("title", "title-current", "neuron", "neuron-current", "neuron-unknown", "neuron-selected",
               "weights", "weights-current")
NEURON_WIDGETS = 40  # the most neurons a column shows at once (a window of a longer layer)


def _show(widget: Widget, visible: bool) -> None:
    if widget.display != visible:  # setting it, even unchanged, asks for a new layout
        widget.display = visible


def _same(view: Column, last: Column | None) -> bool:
    """Equal views (the image compared by value: it is not part of the dataclass equality)."""
    if last is None or view != last:
        return False
    if view.image is None or last.image is None:
        return view.image is None and last.image is None
    return bool(np.array_equal(view.image, last.image))


class Caption(SizedByLayout, Label):
    """A column's title, "↑ units …" / "↓ units …", or the ◂ ▸ markers."""


class Picture(SizedByLayout, Static):
    """A column's image (`HalfBlockImage`), or W(l)'s lines."""


class Neuron(SizedByLayout, Static):
    """One unit of a layer; clicking it asks the app to show its values."""

    def __init__(self, layer: int, unit: int, **kwargs) -> None:
        super().__init__("", **kwargs)
        self.net_layer = layer
        self.unit = unit
        self.current = False  # written by the current step
        self.selected = False  # clicked or chosen with n / p

    def on_click(self) -> None:
        self.post_message(NeuronSelected(self.net_layer, self.unit))


class LayerColumn(SizedByLayout, Vertical):
    """Layer l: a title, a window of its neurons with "↑ units …"/"↓ units …", or an image for a square input."""

    def __init__(self, layer: int, shown: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.net_layer = layer
        self.shown = shown

    def compose(self) -> ComposeResult:
        yield Caption("", classes="column-title")
        yield Caption("", classes="more before")
        for j in range(self.shown):
            yield Neuron(self.net_layer, j, id=f"neuron-{self.net_layer}-{j}", classes="neuron")
        yield Caption("", classes="more after")
        yield Picture("", classes="image")

    _last: tuple | None = None

    def show(self, view: ColumnView, styles: dict[str, Style], shrink: int, width: int) -> None:
        if self._last is not None and _same(view, self._last[0]) and self._last[1:] == (shrink, width):
            return  # unchanged: no repaint, no relayout
        self._last = (view, shrink, width)
        # styles come from component classes, not CSS classes: toggling a class restyles the subtree,
        # which cost more than the rest of a step together
        update_in_place(self.query_one(".column-title", Label),
                        Text(view.title, styles["title-current" if view.current else "title"]))
        for label, before in ((self.query_one(".before", Label), True), (self.query_one(".after", Label), False)):
            text = marker_text(view, before)
            update_in_place(label, text)
            _show(label, bool(text))
        neurons = list(self.query(Neuron))
        if len(view.neurons) > len(neurons):  # a taller terminal: build the missing rows once
            extra = [Neuron(self.net_layer, j, id=f"neuron-{self.net_layer}-{j}", classes="neuron")
                     for j in range(len(neurons), min(len(view.neurons), NEURON_WIDGETS))]
            self.mount_all(extra, before=self.query_one(".after", Label))
            neurons += extra
        for widget, neuron in zip(neurons, view.neurons, strict=False):
            widget.unit, widget.current, widget.selected = neuron.unit, neuron.current, neuron.selected
            style = styles["neuron"]
            if neuron.current:
                style += styles["neuron-current"]
            if not neuron.known:
                style += styles["neuron-unknown"]
            if neuron.selected:
                style += styles["neuron-selected"]
            update_in_place(widget, Text(f" {fit_text(neuron.text, width - 2)} ", style))
            _show(widget, True)
        for widget in neurons[len(view.neurons):]:
            _show(widget, False)
        image = self.query_one(".image", Static)
        _show(image, view.image is not None)
        if view.image is not None:
            update_in_place(image, HalfBlockImage(view.image, shrink=shrink))


class WeightColumn(SizedByLayout, Vertical):
    """W(l) and b(l): one line per row (unit of layer l), or a summary and a weight-row image."""

    def __init__(self, layer: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.net_layer = layer

    def compose(self) -> ComposeResult:
        yield Caption("", classes="column-title")
        yield Picture("", classes="weights")
        yield Picture("", classes="image")

    _last: tuple | None = None

    def on_click(self, event: events.Click) -> None:
        """A click on a weight of W(l) written out in full: its chain rule (`WeightSelected`)."""
        weights = self.query_one(".weights", Static)
        offset = event.get_content_offset(weights)
        lines = str(weights.content).split("\n") if self._last is not None else []
        if offset is None or not 0 <= offset.y < len(lines):
            return
        column = column_at(lines[offset.y], offset.x)
        if column is not None:
            event.stop()
            self.post_message(WeightSelected(self.net_layer, offset.y, column))

    def show(self, view: WeightView, styles: dict[str, Style], shrink: int, width: int) -> None:
        if self._last is not None and _same(view, self._last[0]) and self._last[1:] == (shrink, width):
            return  # unchanged: no repaint, no relayout
        self._last = (view, shrink, width)
        update_in_place(self.query_one(".column-title", Label),
                        Text(view.title, styles["title-current" if view.current else "title"]))
        lines = [fit_text(line, width) for line in view.lines]
        update_in_place(self.query_one(".weights", Static),
                        Text("\n".join(lines), styles["weights-current" if view.current else "weights"]))
        image = self.query_one(".image", Static)
        _show(image, view.image is not None)
        if view.image is not None:
            update_in_place(image, HalfBlockImage(view.image, signed=True, shrink=shrink))


class NetworkDiagram(SizedByLayout, Horizontal):
    """◂ a(0) │ W(1) b(1) │ layer 1 │ W(2) b(2) │ … │ layer L ▸, as many whole columns as fit."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {f"network-diagram--{name}" for name in STYLE_NAMES}

    def __init__(self, sizes: list[int], neurons: int = NEURON_WIDGETS, **kwargs) -> None:
        """``neurons``: how many neuron widgets to build per column at first (more are built if needed)."""
        super().__init__(**kwargs)
        self.sizes = sizes
        self.neurons = min(neurons, NEURON_WIDGETS)
        self.rows = 10**6  # the rows the pane has (set by the app from the terminal's height)
        self.width_cells = 10**6  # the cells it has across
        self.plan: Plan | None = None  # what was last drawn

    def compose(self) -> ComposeResult:
        yield Caption("◂", id="more-left", classes="more side")
        for l, units in enumerate(self.sizes):
            if l > 0:
                yield WeightColumn(l, id=f"weights-{l}", classes="weight-column")
            yield LayerColumn(l, min(units, self.neurons), id=f"layer-{l}", classes="layer-column")
        yield Caption("▸", id="more-right", classes="more side")

    def shrink(self, column: Column) -> int:
        """2 when the pane is too short for the column's image at full size."""
        if column.image is None:
            return 1
        reserved = 1 + (len(column.lines) if isinstance(column, WeightView) else 0)
        return image_shrink(column.image.shape[0], self.rows, reserved)

    def show(self, views_at: Callable[[int | None], tuple[Sequence[ColumnView], Sequence[WeightView]]],
             digits: int | None, pan: int = 0) -> Plan:
        """Draw the columns that fit (``views_at(d)`` gives the columns written with d digits)."""
        gap = int(self.query_one(LayerColumn).styles.margin.right)
        plan, ordered = plan_diagram(views_at, digits, self.width_cells, gap, self.shrink, pan)
        self.plan = plan
        styles = {name: self.get_component_rich_style(f"network-diagram--{name}", partial=True)
                  for name in STYLE_NAMES}
        for i, column in enumerate(ordered):
            kind = LayerColumn if isinstance(column, ColumnView) else WeightColumn
            widget = self.query_one(f"#{'layer' if kind is LayerColumn else 'weights'}-{column.layer}", kind)
            visible = plan.first <= i <= plan.last
            _show(widget, visible)
            if visible:
                room = column_width(column, self.shrink(column)) if plan.fits else self.width_cells - 2 * gap
                widget.show(column, styles, self.shrink(column), room)
        left, right = self.query_one("#more-left", Label), self.query_one("#more-right", Label)
        _show(left, plan.hidden_left > 0)
        _show(right, plan.hidden_right > 0)
        return plan
