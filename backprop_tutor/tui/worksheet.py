"""The worksheet a student fills in by hand: feed-forward (l, s(l), a(l), a'(l)), backprop (l, δ(l),
∇W(l), ∇b(l)) and the updated parameters, as laid out by `backprop_tutor.worksheet.tables` (the same
cells the Markdown export writes). The cells written by the current step are highlighted.

The three tables are drawn as lines at the widget's width here, not by the layout engine: so the
widget knows on which line each cell written by the step lands, and always scrolls that row into view
(with its table's title and header when they fit), whatever step, sample or terminal size came before.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import ClassVar

from rich.console import Console
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.scrollbar import ScrollBar
from textual.strip import Strip

from backprop_tutor.tui.sizing import SizedByLayout
from backprop_tutor.worksheet.tables import Table as TableView

NEW = "worksheet-new"  # meta key on the segments of a cell the step wrote: where to scroll
CACHED = 32  # tables drawn at one width kept: stepping back and forth draws nothing again


@dataclass(frozen=True)
class Drawn:
    """The tables as lines at one width, where each table's column header is, and where the cells the step
    wrote are."""

    lines: tuple[Strip, ...]
    headers: tuple[tuple[int, int], ...] = ()  # (header line, end) of each table
    title: int | None = None  # first line of the table holding the written cells
    first: int | None = None  # their first and last line
    last: int | None = None

    def top(self, height: int) -> int:
        """The first line to show in ``height`` rows: the table's title when the written row (or its first
        two lines) fits below it, else the line above the row (the column header is drawn over it: `sticky`)."""
        if self.first is None or self.title is None or self.last is None:
            return 0
        return self.title if min(self.last, self.first + 1) - self.title < height else max(self.title, self.first - 1)

    def sticky(self, top: int) -> Strip | None:
        """The column header drawn on the first row when ``top`` is below it in its table (so the
        columns stay named however far a long table is scrolled), else None."""
        return next((self.lines[header] for header, end in self.headers if header < top < end), None)


def rich_table(view: TableView, new: Style, header: Style) -> Table:
    """One worksheet table as a Rich table (its title drawn apart); the cells the step wrote in ``new``."""
    mark = new + Style(meta={NEW: True})
    table = Table(header_style=header, expand=False, show_edge=False, pad_edge=False, box=None, padding=(0, 2, 0, 0))
    for i, column in enumerate(view.columns):
        table.add_column(column, justify="right" if i == 0 else "left", overflow="fold")
    for row in view.rows:
        table.add_row(*(Text(c.text, style=mark if c.new else "") for c in row))
    if view.notes:
        table.caption = Text("  ").join(Text(c.text, style=mark if c.new else "") for c in view.notes if c.text)
        table.caption_justify = "left"
    return table


def draw_tables(console: Console, tables: tuple[TableView, ...], width: int, styles: dict[str, Style]) -> Drawn:
    """Lay out ``tables`` ``width`` cells wide, a blank line between two."""
    options = console.options.update(width=width, min_width=width, max_width=width, height=None)
    lines: list[Strip] = []
    headers: list[tuple[int, int]] = []
    title = first = last = None
    for view in tables:
        if lines:
            lines.append(Strip.blank(width))
        start = len(lines)
        block = [Text(view.title, style=styles["title"], no_wrap=True, overflow="ellipsis"),
                 rich_table(view, styles["new"], styles["header"])]
        for renderable in block:
            lines.extend(Strip(line, width) for line in console.render_lines(renderable, options, pad=True))
        headers.append((start + 1, len(lines)))  # the title is one line
        written = [start + k for k, strip in enumerate(lines[start:]) if _written(strip)]
        if written and first is None:
            title, first, last = start, written[0], written[-1]
    return Drawn(tuple(lines), tuple(headers), title, first, last)


def _written(strip: Strip) -> bool:
    return any(segment.style is not None and segment.style.meta.get(NEW) for segment in strip)


class WorksheetScrollBar(SizedByLayout, ScrollBar):
    """The worksheet's scroll bar, as tall as the worksheet: set by the layout, it asks for no second one."""


class Worksheet(ScrollView):
    """The three tables, scrolled so the row the step wrote is in view."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"worksheet--new", "worksheet--header", "worksheet--title"}
    can_focus = False

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._tables: tuple[TableView, ...] = ()
        self._drawn = Drawn(())
        self._width = 0
        self._cache: OrderedDict[tuple, Drawn] = OrderedDict()

    @property
    def vertical_scrollbar(self) -> ScrollBar:
        """Textual's `Widget.vertical_scrollbar` (built when first needed), as a `WorksheetScrollBar`."""
        if self._vertical_scrollbar is None:
            bar = WorksheetScrollBar(vertical=True, name="vertical", thickness=self.scrollbar_size_vertical)
            bar.display = False
            self._vertical_scrollbar = bar
            self.app._start_widget(self, bar)
        return self._vertical_scrollbar

    def show(self, tables: tuple[TableView, ...]) -> None:
        if tables != self._tables:
            self._tables = tables
            self._width = 0  # draw again
        self._lay_out()

    def on_resize(self) -> None:
        self._lay_out()

    def _lay_out(self) -> None:
        width = self.scrollable_content_region.width
        if width <= 0 or not self._tables:
            return
        if width != self._width:
            self._drawn = self._draw(width)
            self._width = width
            self.virtual_size = Size(width, len(self._drawn.lines))
        height = self.scrollable_content_region.height
        self.scroll_to(y=min(self._drawn.top(height), max(0, len(self._drawn.lines) - height)),
                       animate=False, immediate=True)
        self.refresh()

    def _draw(self, width: int) -> Drawn:
        styles = {name: self.get_component_rich_style(f"worksheet--{name}", partial=True)
                  for name in ("new", "header", "title")}
        key = (self._tables, width, tuple(styles.values()))
        if key not in self._cache:
            self._cache[key] = draw_tables(self.app.console, self._tables, width, styles)
            if len(self._cache) > CACHED:
                self._cache.popitem(last=False)
        self._cache.move_to_end(key)
        return self._cache[key]

    def render_line(self, y: int) -> Strip:
        style = self.rich_style
        width = self.scrollable_content_region.width
        index = round(self.scroll_offset.y) + y
        if not 0 <= index < len(self._drawn.lines):
            return Strip.blank(width, style)
        line = (self._drawn.sticky(index) if y == 0 else None) or self._drawn.lines[index]
        return line.crop_extend(0, width, style).apply_style(style)
