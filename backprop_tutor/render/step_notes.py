"""The step panel's text: a step's equations written at the chosen digits, with the notes on what those
digits show (1 against 1.0, an update the digits hide, how things are numbered) beside the notes of
`backprop_tutor.worksheet.notes`, which need no digits."""

from __future__ import annotations

import re

from backprop_tutor.notation import cell_text
from backprop_tutor.render.math import TextEquation, equation_text
from backprop_tutor.trace import fields
from backprop_tutor.trace.events import Input, Update
from backprop_tutor.trace.reader import TraceReader
from backprop_tutor.worksheet.equations import equations_for
from backprop_tutor.worksheet.notes import hidden_change, rounding_notes

#: a whole-looking number that is not whole: "1.0", "-3.0" (not "1.05" or "1.0e-3")
ROUNDS_TO_WHOLE = re.compile(r"(?<![\d.e])-?\d+\.0(?![\d.e])")

LEGEND_WHOLE = "1 is exactly 1; 1.0 is a value that only rounds to 1 at these digits (press d for more)"
LEGEND_COUNTING = ("units are numbered from 1 (a(2)[1] is unit 1 of layer 2); samples and classes from 0, "
                   "as in the data files")


def step_text(trace: TraceReader, step: int, sample: int, digits: int | None) -> tuple[TextEquation, ...]:
    """The step panel's text: the step's equations at ``digits``, with the rounding notes and this module's."""
    texts = tuple(equation_text(eq, digits) for eq in rounding_notes(trace, equations_for(trace, step, sample)))
    return digit_notes(trace, step, texts, digits)


def digit_notes(trace: TraceReader, step: int, texts: tuple[TextEquation, ...],
                digits: int | None) -> tuple[TextEquation, ...]:
    """Legend lines for what ``texts`` (the step's equations at ``digits``) show: 1 vs 1.0, an update the
    digits hide, and how things are numbered (on the input step)."""
    notes = []
    info = trace.info(step)
    if info.cls is Update and digits is not None:
        notes += [hidden for f0, f1, name in ((fields.W_BEFORE, fields.W_AFTER, cell_text("W", info.layer)),
                                              (fields.B_BEFORE, fields.B_AFTER, cell_text("b", info.layer)))
                  if (hidden := hidden_change(trace.array(step, f0), trace.array(step, f1), digits, name))]
    drawn = " ".join(part or "" for eq in texts for part in (eq.substituted, eq.result))
    if digits is not None and ROUNDS_TO_WHOLE.search(drawn):
        notes.append(LEGEND_WHOLE)
    if info.cls is Input:
        notes.append(LEGEND_COUNTING)
    return texts + tuple(TextEquation("Note", None, None, note) for note in notes)
