"""Modal screens with more values than the main screen has room for: one neuron's values (after a
click), and every array of the current step in full (key f), scrollable both ways."""

from __future__ import annotations

from typing import ClassVar

from rich.measure import Measurement
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import ScrollableContainer, Vertical
from textual.screen import ModalScreen
from textual.widgets import Static


class NeuronScreen(ModalScreen[None]):
    """The values of one neuron as far as the trace has got."""

    BINDINGS: ClassVar = [("escape", "dismiss", "Close"), ("enter", "dismiss", "Close")]

    def __init__(self, title: str, rows: list[tuple[str, str]]) -> None:
        super().__init__()
        self.title_text = title
        self.rows = rows

    def compose(self) -> ComposeResult:
        table = Table(show_header=False, box=None, padding=(0, 2, 0, 0))
        table.add_column(justify="right", style="bold")
        table.add_column()
        for name, value in self.rows:
            table.add_row(name, value)
        with Vertical(id="neuron-body") as body:
            body.border_title = self.title_text
            body.border_subtitle = "escape to close"
            # sized to the table: in a width: auto box a Rich Table is measured at width 0 (Textual 8.2)
            values = Static(table, id="neuron-values")
            wanted = Measurement.get(self.app.console, self.app.console.options, table).maximum
            values.styles.width = max(1, min(wanted, self.app.size.width - 8))
            yield values

    def on_click(self) -> None:
        self.dismiss()


class FullViewScreen(ModalScreen[None]):
    """Every array of the step, every value (scroll with the arrow keys or the mouse); each array's name
    in the notation and what its size means (`backprop_tutor.worksheet.full`), wrapped to the width."""

    DEFAULT_CSS = """
    FullViewScreen .full-name { width: 100%; height: auto; }
    """

    BINDINGS: ClassVar = [("escape", "dismiss", "Close"), ("f", "dismiss", "Close"), ("q", "dismiss", "Close")]

    def __init__(self, title: str, arrays: list[tuple[str, str]]) -> None:
        super().__init__()
        self.title_text = title
        self.arrays = arrays

    def compose(self) -> ComposeResult:
        with ScrollableContainer(id="full-body") as body:
            body.border_title = self.title_text
            body.border_subtitle = "arrows scroll · escape to close"
            for name, text in self.arrays:
                yield Static(Text(name, style="bold"), classes="full-name")
                yield Static(Text(text, no_wrap=True), classes="full-array")
