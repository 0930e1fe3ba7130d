"""The worksheet as GitHub-flavoured Markdown, ready to hand in: the tables of
`backprop_tutor.worksheet.tables` (the same cells the terminal and the UI show)."""

from __future__ import annotations

from backprop_tutor.numbers.format import FULL, SUMMARY
from backprop_tutor.trace.reader import TraceReader
from backprop_tutor.worksheet.model import Worksheet, build_worksheet
from backprop_tutor.worksheet.tables import Table, TextCell, worksheet_heading, worksheet_tables


def table_to_markdown(table: Table) -> str:
    lines = [f"### {table.title[0].upper()}{table.title[1:]}", ""]
    lines.append("| " + " | ".join(_escape(c) for c in table.columns) + " |")
    lines.append("|" + "|".join(" --- " for _ in table.columns) + "|")
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in table.rows]
    notes = [c.text for c in table.notes if c.text]
    if notes:
        lines.append("")
        lines += [f"{_escape(note)}  " for note in notes]
    return "\n".join(lines)


def _escape(text: str) -> str:
    return text.replace("|", "\\|")


def _cell(cell: TextCell) -> str:
    """A cell's lines (the rows of a matrix) joined by <br>, as GitHub draws a line break in a table."""
    return "<br>".join(_escape(line) for line in cell.lines) or " "


def tables_to_markdown(heading: tuple[str, str, tuple[str, ...]], tables: tuple[Table, ...],
                       intro: tuple[str, ...] = ()) -> str:
    """The heading (title, summary, the fields `tutor check` reads), ``intro`` lines, then the tables."""
    title, summary, fields = heading
    parts = [f"# {title}", "", summary + ".", ""] + [f"- {field}" for field in fields] + ([""] if fields else [])
    parts += [*intro, ""] if intro else []
    parts += [table_to_markdown(t) + "\n" for t in tables]
    return "\n".join(parts)


def worksheet_to_markdown(ws: Worksheet, digits: int | None = 3, full: bool = False, layer: int | None = None) -> str:
    return tables_to_markdown(worksheet_heading(ws), worksheet_tables(ws, digits, FULL if full else SUMMARY, layer))


def trace_to_markdown(trace: TraceReader, *, sample: int = 0, digits: int | None = 3, layer: int | None = None,
                      full: bool = False, upto: int | None = None) -> str:
    """The worksheet of one sample (0-based) as Markdown; ``digits=None`` writes every digit; ``full``
    writes long vectors and big matrices in full; ``upto=k`` fills in only what steps 0..k wrote."""
    return worksheet_to_markdown(build_worksheet(trace, sample, upto), digits, full, layer)
