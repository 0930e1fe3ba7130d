"""The worksheet printed in the terminal: the tables of `backprop_tutor.worksheet.tables` as Rich tables."""

from __future__ import annotations

from rich.console import Console, Group
from rich.table import Table as RichTable
from rich.text import Text

from backprop_tutor.numbers.format import FULL, SUMMARY, precision_words
from backprop_tutor.trace.reader import TraceReader
from backprop_tutor.worksheet.model import build_worksheet
from backprop_tutor.worksheet.tables import Table, worksheet_heading, worksheet_tables


def rich_table(table: Table) -> RichTable:
    # every string as Text, never markup: a value such as "[nan, inf]" must print as itself
    out = RichTable(title=Text(table.title[0].upper() + table.title[1:]), title_justify="left", title_style="bold",
                    caption_justify="left",
                    caption=Text("\n".join(c.text for c in table.notes if c.text)) if table.notes else None,
                    show_lines=True)
    for column in table.columns:
        out.add_column(Text(column), justify="left", overflow="fold")
    for row in table.rows:
        out.add_row(*(Text(c.text) for c in row))
    return out


def worksheet_renderable(trace: TraceReader, *, sample: int = 0, digits: int | None = 3, layer: int | None = None,
                         full: bool = False) -> Group:
    sheet = build_worksheet(trace, sample)
    title, summary, _ = worksheet_heading(sheet)
    parts: list = [Text(title, style="bold underline"), Text(summary), Text(precision_words(trace.header)), Text()]
    for table in worksheet_tables(sheet, digits, FULL if full else SUMMARY, layer):
        parts += [rich_table(table), Text()]
    return Group(*parts)


def print_worksheet(trace: TraceReader, console: Console | None = None, **options: object) -> None:
    (console or Console()).print(worksheet_renderable(trace, **options))  # type: ignore[arg-type]
