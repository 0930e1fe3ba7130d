"""A trace as GitHub-flavoured Markdown: the worksheet's tables, ready to hand in."""

from __future__ import annotations

from backprop_tutor.render.worksheet import Table, TraceLike, build_worksheet


def table_to_markdown(table: Table) -> str:
    lines = [f"### {table.title}", ""]
    lines.append("| " + " | ".join(_cell(c) for c in table.columns) + " |")
    lines.append("|" + "|".join(" --- " for _ in table.columns) + "|")
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in table.rows]
    if table.notes:
        lines.append("")
        lines += [f"{note}  " for note in table.notes]
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|") if text else " "


def trace_to_markdown(trace: TraceLike, *, sample: int = 0, digits: int | None = 3, layer: int | None = None,
                      full: bool = False, upto: int | None = None) -> str:
    """The worksheet of one sample (0-based) as Markdown; ``digits=None`` writes every digit;
    ``upto=k`` fills in only what events 0..k wrote (the worksheet as it stands at step k)."""
    sheet = build_worksheet(trace, sample=sample, digits=digits, layer=layer, full=full, upto=upto)
    parts = [f"# {sheet.title}", "", sheet.summary + ".", ""]
    parts += [table_to_markdown(t) + "\n" for t in sheet.tables]
    return "\n".join(parts)
