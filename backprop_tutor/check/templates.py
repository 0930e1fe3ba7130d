"""Answer files out: the blank worksheet a student fills in (Markdown, TOML or JSON), and the same
filled with the engine's values (the answer key). Laid out as `layout` says; read back by `answers`."""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from backprop_tutor.check.expected import Reference
from backprop_tutor.check.layout import (
    NOT_APPLICABLE,
    SECTIONS,
    TEMPLATE_KEY,
    Quantity,
    Slot,
    column_labels,
    row_labels,
)
from backprop_tutor.render.format import fmt, fmt_matrix, fmt_vector

FORMATS = ("md", "toml", "json")
#: Significant digits of an answer key: far more than any tolerance needs, short enough to read.
KEY_DIGITS = 8

NUMBERS_HELP = ("numbers as you write them: 5, -0.5, 1/2, 1.98e-32, 1.98×10^-32; leave a cell blank if you "
                "have no value")


def render(ref: Reference, spec: str, fmt_name: str = "md", key: bool = False, sample: int = 0) -> str:
    """The worksheet for ``ref`` (blank, or the answer key) in ``fmt_name`` ('md', 'toml', 'json')."""
    return {"md": _markdown, "toml": _toml, "json": _json}[fmt_name](ref, spec, key, sample)


def _text(value: Any) -> str:
    return fmt(value, KEY_DIGITS)


# --- Markdown ----------------------------------------------------------------------------------
def _markdown(ref: Reference, spec: str, key: bool, sample: int) -> str:
    g = ref.given
    L = len(g.activations)
    lines = [f"# {'Answer key' if key else 'Worksheet'}: {ref.title}", "",
             f"- spec: {spec}", f"- sample: {sample}", "",
             "Fill in every blank cell, then run `tutor check THIS_FILE`. " + NUMBERS_HELP.capitalize() + ". "
             f"Columns are units 1, 2, …; a matrix row W(l)[j,·] holds W(l)[j,1], W(l)[j,2], …; {NOT_APPLICABLE} "
             "marks a cell past the end of a shorter row.", "", "## Given", "",
             f"- a(0) = x = {fmt_vector(g.x, None)}", f"- y = {fmt_vector(g.y, None)}",
             f"- activations: {', '.join(f'h{l} = {a}' for l, a in enumerate(g.activations, start=1))}; "
             f"loss: {g.loss}; η = {fmt(g.eta, None)}"]
    lines += [f"- W({l}) = {fmt_matrix(g.W[l], None)}, b({l}) = {fmt_vector(g.b[l], None)}" for l in range(1, L + 1)]
    for title, quantities in SECTIONS.items():
        chosen = [s for s in ref.slots if s.quantity in quantities]
        width = max((s.shape[-1] if s.shape else 1) for s in chosen)
        lines += ["", f"## {title}", "", "| " + " | ".join(column_labels(width)) + " |",
                  "|" + "|".join(" --- " for _ in range(width + 1)) + "|"]
        for slot in chosen:
            lines += _markdown_rows(slot, ref.expected[(slot.quantity, slot.layer)], width, key)
    return "\n".join(lines) + "\n"


def _markdown_rows(slot: Slot, values: np.ndarray, width: int, key: bool) -> list[str]:
    rows = values.reshape(-1, slot.shape[-1] if slot.shape else 1)
    out = []
    for label, row in zip(row_labels(slot), rows, strict=True):
        cells = [(_text(v) if key else " ") for v in row] + [NOT_APPLICABLE] * (width - len(row))
        out.append(f"| {label} | " + " | ".join(cells) + " |")
    return out


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
            lines.append(f"{TEMPLATE_KEY[slot.quantity]} = {value}  # {slot.meaning()}, {_shape(slot)}")
    return "\n".join(lines) + "\n"


def _json(ref: Reference, spec: str, key: bool, sample: int) -> str:
    L = len(ref.given.activations)
    doc: dict[str, Any] = {"spec": spec, "sample": sample,
                           "C": _value_text(ref.expected[(Quantity.COST, L)], key), "layer": {}}
    for slot in ref.slots:
        if slot.quantity is not Quantity.COST:
            doc["layer"].setdefault(str(slot.layer), {})[TEMPLATE_KEY[slot.quantity]] = _value_text(
                ref.expected[(slot.quantity, slot.layer)], key)
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _shape(slot: Slot) -> str:
    return f"{slot.shape[0]}×{slot.shape[1]}" if len(slot.shape) == 2 else f"{slot.shape[0]} values"
