"""The worksheet a student fills in by hand: feed-forward (l, s(l), a(l), a'(l)), backprop (l, δ(l),
∇W(l), ∇b(l)) and the updated parameters, as laid out by `backprop_tutor.worksheet.tables` (the same
cells the Markdown export writes). The cells written by the current step are highlighted."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from backprop_tutor.worksheet.tables import Table as TableView


class WorksheetTable(Static):
    """One worksheet table, drawn with Rich."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"worksheet-table--new", "worksheet-table--header"}

    _last: TableView | None = None

    def show(self, view: TableView) -> None:
        if view == self._last:
            return  # unchanged: no repaint, no relayout
        self._last = view
        new = self.get_component_rich_style("worksheet-table--new", partial=True)
        header = self.get_component_rich_style("worksheet-table--header", partial=True)
        table = Table(title=view.title, title_justify="left", header_style=header, expand=False,
                      show_edge=False, pad_edge=False, box=None, padding=(0, 2, 0, 0))
        for i, column in enumerate(view.columns):
            table.add_column(column, justify="right" if i == 0 else "left", overflow="fold")
        for row in view.rows:
            table.add_row(*(Text(c.text, style=new if c.new else "") for c in row))
        if view.notes:
            caption = Text("  ").join(Text(c.text, style=new if c.new else "") for c in view.notes if c.text)
            table.caption = caption
            table.caption_justify = "left"
        self.update(table)


class Worksheet(VerticalScroll):
    """The three tables, scrolled so the one being written is in view."""

    can_focus = False

    def compose(self) -> ComposeResult:
        for name in ("feed-forward", "backprop", "updated"):
            yield WorksheetTable(id=f"table-{name}", classes="worksheet-table")

    def show(self, tables: tuple[TableView, ...]) -> None:
        widgets = list(self.query(WorksheetTable))
        for widget, view in zip(widgets, tables, strict=True):
            widget.show(view)
        current = [w for w, v in zip(widgets, tables, strict=True) if v.current]
        if current:
            self.call_after_refresh(self.scroll_to_widget, current[0], animate=False, top=True)
