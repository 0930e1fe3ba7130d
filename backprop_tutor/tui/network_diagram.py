"""The network as columns of neurons, with W(l), b(l) between them.

The widgets are built once for the trace's layer sizes (at most ``max_units`` neurons per column) and
then only updated from each step's `ColumnView`/`WeightView`, so a key press never mounts widgets.
Row j of W(l) sits beside neuron j of layer l: it holds that neuron's incoming weights.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Label, Static

from backprop_tutor.tui.halfblock import HalfBlockImage
from backprop_tutor.tui.messages import NeuronSelected
from backprop_tutor.tui.viewmodel import ColumnView, WeightView

STYLE_NAMES = ("title", "title-current", "neuron", "neuron-current", "neuron-unknown", "neuron-selected",
               "weights", "weights-current")


def _show(widget: Widget, visible: bool) -> None:
    if widget.display != visible:  # setting it, even unchanged, asks for a new layout
        widget.display = visible


def _same(view: ColumnView | WeightView, last: ColumnView | WeightView | None) -> bool:
    """Equal views (the image compared by value: it is not part of the dataclass equality)."""
    if last is None or view != last:
        return False
    if view.image is None or last.image is None:
        return view.image is None and last.image is None
    return bool(np.array_equal(view.image, last.image))


class Neuron(Static):
    """One unit of a layer; clicking it asks the app to show its values."""

    def __init__(self, layer: int, unit: int, **kwargs) -> None:
        super().__init__("", **kwargs)
        self.net_layer = layer
        self.unit = unit
        self.current = False  # written by the current step
        self.selected = False  # clicked

    def on_click(self) -> None:
        self.post_message(NeuronSelected(self.net_layer, self.unit))


class LayerColumn(Vertical):
    """Layer l: a title, up to ``shown`` neurons, "… N more", or an image for a square input."""

    def __init__(self, layer: int, shown: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.net_layer = layer
        self.shown = shown

    def compose(self) -> ComposeResult:
        yield Label("", classes="column-title")
        yield Label("", classes="more before")
        for j in range(self.shown):
            yield Neuron(self.net_layer, j, id=f"neuron-{self.net_layer}-{j}", classes="neuron")
        yield Label("", classes="more after")
        yield Static("", classes="image")

    _last: ColumnView | None = None

    def show(self, view: ColumnView, styles: dict[str, Style]) -> None:
        if _same(view, self._last):
            return  # unchanged: no repaint, no relayout
        self._last = view
        # styles come from component classes, not CSS classes: toggling a class restyles the subtree,
        # which cost more than the rest of a step together
        self.query_one(".column-title", Label).update(Text(view.title, styles["title-current" if view.current
                                                                              else "title"]))
        before, after = self.query_one(".before", Label), self.query_one(".after", Label)
        before.update(f"↑ {view.hidden_before} more")
        _show(before, view.hidden_before > 0)
        after.update(f"… {view.hidden_after} more")
        _show(after, view.hidden_after > 0)
        neurons = list(self.query(Neuron))
        for widget, neuron in zip(neurons, view.neurons, strict=False):
            widget.unit, widget.current, widget.selected = neuron.unit, neuron.current, neuron.selected
            style = styles["neuron"]
            if neuron.current:
                style += styles["neuron-current"]
            if not neuron.known:
                style += styles["neuron-unknown"]
            if neuron.selected:
                style += styles["neuron-selected"]
            widget.update(Text(f" {neuron.text} ", style))
            _show(widget, True)
        for widget in neurons[len(view.neurons):]:
            _show(widget, False)
        image = self.query_one(".image", Static)
        _show(image, view.image is not None)
        if view.image is not None:
            image.update(HalfBlockImage(view.image))


class WeightColumn(Vertical):
    """W(l) and b(l): one line per row (unit of layer l), or a summary and a weight-row image."""

    def __init__(self, layer: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.net_layer = layer

    def compose(self) -> ComposeResult:
        yield Label("", classes="column-title")
        yield Static("", classes="weights")
        yield Static("", classes="image")

    _last: WeightView | None = None

    def show(self, view: WeightView, styles: dict[str, Style]) -> None:
        if _same(view, self._last):
            return  # unchanged: no repaint, no relayout
        self._last = view
        self.query_one(".column-title", Label).update(
            Text(view.title, styles["title-current" if view.current else "title"]))
        self.query_one(".weights", Static).update(
            Text("\n".join(view.lines), styles["weights-current" if view.current else "weights"]))
        image = self.query_one(".image", Static)
        _show(image, view.image is not None)
        if view.image is not None:
            image.update(HalfBlockImage(view.image, signed=True))


class NetworkDiagram(Horizontal):
    """a(0) │ W(1) b(1) │ layer 1 │ W(2) b(2) │ … │ layer L."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {f"network-diagram--{name}" for name in STYLE_NAMES}

    def __init__(self, sizes: list[int], max_units: int, **kwargs) -> None:
        super().__init__(**kwargs)
        self.sizes = sizes
        self.max_units = max_units

    def compose(self) -> ComposeResult:
        for l, units in enumerate(self.sizes):
            if l > 0:
                yield WeightColumn(l, id=f"weights-{l}", classes="weight-column")
            yield LayerColumn(l, min(units, self.max_units), id=f"layer-{l}", classes="layer-column")

    def show(self, columns: tuple[ColumnView, ...], weights: tuple[WeightView, ...]) -> None:
        styles = {name: self.get_component_rich_style(f"network-diagram--{name}", partial=True)
                  for name in STYLE_NAMES}
        for view in columns:
            self.query_one(f"#layer-{view.layer}", LayerColumn).show(view, styles)
        for view in weights:
            self.query_one(f"#weights-{view.layer}", WeightColumn).show(view, styles)
        current = [view.layer for view in columns if view.current]
        if current and self.parent is not None:  # keep the current layer in view on a narrow screen
            column = self.query_one(f"#layer-{current[0]}", LayerColumn)
            self.call_after_refresh(self.parent.scroll_to_widget, column, animate=False)
