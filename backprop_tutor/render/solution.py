"""A worked solution, as a student hands it in: what is given, then every step of the trace in order
(the equation in the slide notation, the numbers substituted, the result), then the filled worksheet.

Equations are GitHub-rendered math (``$$`` blocks holding an ``aligned`` environment) or, with
``plain``, text blocks as the UI's step panel writes them. Numbers and limits as everywhere else.
"""

from __future__ import annotations

from backprop_tutor.numbers.format import FULL, SUMMARY, digits_words, precision_words
from backprop_tutor.render.markdown import table_to_markdown
from backprop_tutor.render.math import aligned, equation_rows, equation_text, text_lines
from backprop_tutor.trace import fields
from backprop_tutor.trace.reader import TraceReader, read
from backprop_tutor.worksheet.equations import Equation, Sym, input_value, num, sym
from backprop_tutor.worksheet.equations import equations_for as step_equations
from backprop_tutor.worksheet.model import build_worksheet
from backprop_tutor.worksheet.notes import rounding_notes
from backprop_tutor.worksheet.tables import worksheet_heading, worksheet_tables


def given(trace: TraceReader, sample: int) -> list[Equation]:
    """What the problem states: x, y, and each W(l), b(l) before the update."""
    eqs = [Equation((Sym("x", "x"),), result=input_value(read(trace, fields.X, 0, sample))[0]),
           Equation((Sym("y", "y"),), result=num(read(trace, fields.Y, 0, sample)))]
    for l in range(1, trace.header.L + 1):
        W, b = read(trace, fields.W_BEFORE, l), read(trace, fields.B_BEFORE, l)
        if W is not None:
            eqs += [Equation((sym("W", l),), result=num(W)), Equation((sym("b", l),), result=num(b))]
    eqs.append(Equation((sym("η"),), result=num(trace.header.learning_rate)))
    return eqs


def write_equations(equations: list[Equation], digits: int | None, plain: bool, full: bool,
                    together: bool = False) -> list[str]:
    """Each equation as a ``$$`` block followed by its note in italics (``together``: one block for all,
    as the givens are written), or all of them in one text block with ``plain``."""
    limits = FULL if full else SUMMARY
    if plain:
        lines = ["```text"]
        for eq in equations:
            text = equation_text(eq, digits, limits)
            lines += text_lines(text) if text.substituted or text.result else []
            lines += [f"{text.symbolic}: {text.note}" if not (text.substituted or text.result) else f"({text.note})"
                      ] if text.note else []
        return [*lines, "```", ""]
    if together:
        return ["$$", aligned([row for eq in equations for row in equation_rows(eq, digits, limits)]), "$$", ""]
    out: list[str] = []
    for eq in equations:
        rows = equation_rows(eq, digits, limits)
        out += ["$$", aligned(rows), "$$", ""] if rows else []
        if eq.note:
            out += [f"*{eq.note}*" if rows else f"*{equation_text(eq, digits).symbolic}: {eq.note}*", ""]
    return out


def solution_markdown(trace: TraceReader, sample: int = 0, digits: int | None = 3, *, plain: bool = False,
                      full: bool = False) -> str:
    """The worked solution of sample ``sample`` (0-based) of ``trace`` as Markdown."""
    sheet = build_worksheet(trace, sample)
    title, summary, _ = worksheet_heading(sheet)
    lines = [f"# Worked solution: {title}", "", summary + ".", "",
             f"{precision_words(trace.header)} {digits_words(digits, latex=not plain)}", "", "## Given", ""]
    lines += write_equations(given(trace, sample), digits, plain, full, together=True)
    for step in range(len(trace)):
        lines += [f"## Step {step + 1}: {trace.info(step).label}", ""]
        lines += write_equations(rounding_notes(trace, step_equations(trace, step, sample)), digits, plain, full)
    lines += ["## The filled worksheet", ""]
    for table in worksheet_tables(sheet, digits, FULL if full else SUMMARY):
        lines += ["#" + table_to_markdown(table), ""]
    return "\n".join(lines)
