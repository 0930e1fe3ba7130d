"""Answer files out: the blank worksheet a student fills in (Markdown, TOML or JSON), and the same
filled with the engine's values (the answer key). The Markdown is the worksheet's own layout, the
tables every view draws (`backprop_tutor.worksheet.tables`), with the givens above them; read back
by `answers`."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import numpy as np

from backprop_tutor.check.expected import Reference
from backprop_tutor.check.layout import Slot, ascii_key
from backprop_tutor.notation import cell_text
from backprop_tutor.numbers.format import FULL, fmt, fmt_matrix, fmt_vector
from backprop_tutor.plural import count
from backprop_tutor.render.markdown import tables_to_markdown
from backprop_tutor.worksheet.model import Quantity, Worksheet, build_worksheet
from backprop_tutor.worksheet.tables import worksheet_heading, worksheet_tables

FORMATS = ("md", "toml", "json")
#: Significant digits of an answer key: far more than any tolerance needs, short enough to read.
KEY_DIGITS = 8
#: What a blank worksheet shows: the problem's givens
GIVEN = (Quantity.X, Quantity.Y)

NUMBERS_HELP = ("numbers as you write them: 5, -0.5, 1/2, 1.98e-32, 1.98×10^-32; leave a cell blank if you "
                "have no value")


def render(ref: Reference, spec: str, fmt_name: str = "md", key: bool = False, sample: int = 0) -> str:
    """The worksheet for ``ref`` (blank, or the answer key) in ``fmt_name`` ('md', 'toml', 'json')."""
    return {"md": _markdown, "toml": _toml, "json": _json}[fmt_name](ref, spec, key, sample)


def _text(value: Any) -> str:
    return fmt(value, KEY_DIGITS)


# --- Markdown ----------------------------------------------------------------------------------
def _markdown(ref: Reference, spec: str, key: bool, sample: int) -> str:
    ws = build_worksheet(ref.trace, ref.sample)
    if not key:
        ws = blank(ws)
    title, summary, _ = worksheet_heading(ws)
    heading = (f"{'Answer key' if key else 'Worksheet'}: {title}", summary, (f"spec: {spec}", f"sample: {sample}"))
    g = ref.given
    intro = ("Fill in every blank cell, then run `tutor check THIS_FILE`. Write a vector as [5, -5], a matrix "
             "as [[1, -2], [0.5, 4]] (one row per unit of layer l) and C on its line, C = 17; "
             f"{NUMBERS_HELP}." + _softmax_note(g.activations), "", "### Given", "",
             *(f"- {cell_text('W', l)} = {fmt_matrix(g.W[l], None)}, {cell_text('b', l)} = {fmt_vector(g.b[l], None)}"
               for l in range(1, len(g.activations) + 1)))
    return tables_to_markdown(heading, worksheet_tables(ws, KEY_DIGITS, FULL), intro)


def _softmax_note(activations: list[str]) -> str:
    L = len(activations)
    if activations[-1] != "softmax":
        return ""
    return f" {cell_text(str(Quantity.A_PRIME), L)} stays blank: a softmax's derivative is the matrix A."


def blank(ws: Worksheet) -> Worksheet:
    """The worksheet with only the givens x and y filled in."""
    return dataclasses.replace(ws, entries=tuple(e for e in ws.entries if e.quantity in GIVEN))


# --- TOML / JSON ---------------------------------------------------------------------------------
def _value_text(values: np.ndarray, key: bool) -> str:
    if not key:
        return ""
    if values.ndim == 0:
        return _text(values[()])
    if values.ndim == 1:
        return fmt_vector(values, KEY_DIGITS)
    return fmt_matrix(values, KEY_DIGITS)


def _toml(ref: Reference, spec: str, key: bool, sample: int) -> str:
    L = len(ref.given.activations)
    lines = [f"# {'Answer key' if key else 'Answers'}: {ref.title}",
             "# Fill in the strings, then run `tutor check THIS_FILE`.",
             f"# {NUMBERS_HELP}; a vector \"[5, -5]\", a matrix \"[[1, -2], [0.5, 4]]\" or \"1, -2; 0.5, 4\".",
             f"spec = {json.dumps(spec)}", f"sample = {sample}",
             f"C = {json.dumps(_value_text(ref.expected[(Quantity.COST, L)], key))}  # the cost C"]
    for l in range(1, L + 1):
        lines += ["", f"[layer.{l}]"]
        for slot in (s for s in ref.slots if s.layer == l and s.quantity is not Quantity.COST):
            value = json.dumps(_value_text(ref.expected[(slot.quantity, l)], key), ensure_ascii=False)
            lines.append(f"{ascii_key(slot.quantity)} = {value}  # {slot.meaning()}, {_shape(slot)}")
    return "\n".join(lines) + "\n"


def _json(ref: Reference, spec: str, key: bool, sample: int) -> str:
    L = len(ref.given.activations)
    doc: dict[str, Any] = {"spec": spec, "sample": sample,
                           "C": _value_text(ref.expected[(Quantity.COST, L)], key), "layer": {}}
    for slot in ref.slots:
        if slot.quantity is not Quantity.COST:
            doc["layer"].setdefault(str(slot.layer), {})[ascii_key(slot.quantity)] = _value_text(
                ref.expected[(slot.quantity, slot.layer)], key)
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _shape(slot: Slot) -> str:
    return f"{slot.shape[0]}×{slot.shape[1]}" if len(slot.shape) == 2 else f"{count(slot.shape[0], 'value')}"
