"""A trace printed in the terminal: the worksheet's tables as Rich tables."""

from __future__ import annotations

from rich.console import Console, Group
from rich.table import Table as RichTable
from rich.text import Text

from backprop_tutor.render.worksheet import Table, TraceLike, build_worksheet


def rich_table(table: Table) -> RichTable:
    # every string as Text, never markup: a value such as "[nan, inf]" must print as itself
    out = RichTable(title=Text(table.title), title_justify="left", title_style="bold", caption_justify="left",
                    caption=Text("\n".join(table.notes)) if table.notes else None, show_lines=False)
    for i, column in enumerate(table.columns):
        out.add_column(Text(column), justify="left" if i == 0 else "right", overflow="fold")
    for row in table.rows:
        out.add_row(*(Text(cell) for cell in row))
    return out


def worksheet_renderable(trace: TraceLike, *, sample: int = 0, digits: int | None = 3, layer: int | None = None,
                         full: bool = False) -> Group:
    sheet = build_worksheet(trace, sample=sample, digits=digits, layer=layer, full=full)
    parts: list = [Text(sheet.title, style="bold underline"), Text(sheet.summary), Text()]
    for table in sheet.tables:
        parts += [rich_table(table), Text()]
    return Group(*parts)


def print_worksheet(trace: TraceLike, console: Console | None = None, **options: object) -> None:
    (console or Console()).print(worksheet_renderable(trace, **options))  # type: ignore[arg-type]
