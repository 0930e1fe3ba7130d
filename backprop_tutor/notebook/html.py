"""HTML for notebooks: one step of the stepper, the worksheet's tables, a check's verdicts, and the
self-contained stepper that works without a kernel (saved notebooks, nbviewer, exported HTML).

Every piece of text is escaped here; the numbers arrive already written (`StepView`, `Table`, the
checker's JSON), so nothing is formatted or computed twice. Class names start with ``bt-``; the
style sheet is `stepper.css`, shared with the widget.
"""

from __future__ import annotations

import base64
import json
import struct
import uuid
import zlib
from collections.abc import Iterable, Sequence
from html import escape
from importlib import resources
from typing import Any

import numpy as np

from backprop_tutor.check.marking import Verdict
from backprop_tutor.tui.viewmodel import ColumnView, StepView, WeightView
from backprop_tutor.worksheet.tables import Table

#: verdict → CSS class (the checker's verdicts: right, root, carried, missing, shape)
VERDICT_CLASS = {"right": "bt-right", "root": "bt-root", "carried": "bt-carried", "missing": "bt-missing",
                 "shape": "bt-root"}


def stylesheet() -> str:
    return resources.files("backprop_tutor.notebook").joinpath("stepper.css").read_text(encoding="utf-8")


def _lines(lines: Iterable[str]) -> str:
    return "<br>".join(escape(line) for line in lines)


# --- the worksheet ---------------------------------------------------------------------------------
def table_html(table: Table) -> str:
    """A worksheet table; the cells the step on screen wrote carry ``bt-new``."""
    head = "".join(f"<th>{escape(c)}</th>" for c in table.columns)
    rows = "".join("<tr>" + "".join(f'<td{" class=bt-new" if c.new else ""}>{_lines(c.lines)}</td>' for c in row)
                   + "</tr>" for row in table.rows)
    notes = "".join(f'<div{" class=bt-new" if n.new else ""}>{_lines(n.lines)}</div>' for n in table.notes)
    return (f'<div class="bt-table"><div class="bt-caption">{escape(table.title)}</div>'
            f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>{notes}</div>")


def heading_html(heading: tuple[str, str, tuple[str, ...]]) -> str:
    title, summary, fields = heading
    return (f'<div class="bt-heading"><b>{escape(title)}</b><br><span>{escape(summary)}</span>'
            f'<br><code>{escape(" · ".join(fields))}</code></div>')


def tables_html(tables: Sequence[Table]) -> str:
    return '<div class="bt-tables">' + "".join(table_html(t) for t in tables) + "</div>"


# --- the network -----------------------------------------------------------------------------------
def png_data_uri(image: np.ndarray) -> str:
    """A grey-scale PNG of ``image`` (any range, drawn min → black, max → white) as a data: URI."""
    values = np.asarray(image, dtype=np.float64)
    low, high = float(values.min()), float(values.max())
    grey = np.zeros(values.shape, np.uint8) if high <= low else ((values - low) / (high - low) * 255).astype(np.uint8)
    height, width = grey.shape
    raw = b"".join(b"\x00" + grey[r].tobytes() for r in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _image(image: np.ndarray | None) -> str:
    if image is None:
        return ""
    return f'<img class="bt-image" alt="image" src="{png_data_uri(image)}">'


def column_html(column: ColumnView) -> str:
    current = " bt-current" if column.current else ""
    parts = [f'<div class="bt-column{current}"><div class="bt-caption">{escape(column.title)}</div>']
    if column.hidden_before:
        parts.append(f'<div class="bt-more">↑ {column.hidden_before} more</div>')
    parts += [f'<div class="bt-neuron{" bt-unknown" if not n.known else ""}">{escape(n.text)}</div>'
              for n in column.neurons]
    if column.hidden_after:
        parts.append(f'<div class="bt-more">↓ {column.hidden_after} more</div>')
    return "".join(parts) + _image(column.image) + "</div>"


def weight_html(weights: WeightView) -> str:
    current = " bt-current" if weights.current else ""
    return (f'<div class="bt-weights{current}"><div class="bt-caption">{escape(weights.title)}</div>'
            f"<pre>{escape(chr(10).join(weights.lines))}</pre>{_image(weights.image)}</div>")


def network_html(columns: Sequence[ColumnView], weights: Sequence[WeightView]) -> str:
    """Layer 0, W(1) b(1), layer 1, … left to right."""
    parts = [column_html(columns[0])]
    for w, column in zip(weights, columns[1:], strict=True):
        parts += [weight_html(w), column_html(column)]
    return '<div class="bt-network">' + "".join(parts) + "</div>"


# --- one step --------------------------------------------------------------------------------------
def step_html(view: StepView, lines: Sequence[str]) -> str:
    """The status line, the step's equations, the network, the worksheet so far."""
    return (f'<div class="bt-status">{escape(view.status)}</div>'
            f'<pre class="bt-equations">{escape(chr(10).join(lines))}</pre>'
            + network_html(view.columns, view.weights) + heading_html(view.heading) + tables_html(view.tables))


def stepper_page(title: str, steps: Sequence[str]) -> str:
    """A stepper that needs no kernel: every step's HTML, one after the other (what a reader without
    JavaScript sees, e.g. GitHub's preview), turned into ◀ ▶ stepping by a few lines of script."""
    uid = f"bt-stepper-{uuid.uuid4().hex[:12]}"  # unique across cells and kernels: the script finds its own
    sections = "".join(f'<section class="bt-step" data-step="{k}">{html}</section>' for k, html in enumerate(steps))
    return (f'<div class="bt-stepper" id="{uid}" tabindex="0" data-lm-suppress-shortcuts="true">'
            f"<style>{stylesheet()}</style><div class=bt-title>{escape(title)}</div>{sections}"
            f"<script>{_FALLBACK_SCRIPT.replace('UID', json.dumps(uid))}</script></div>")


_FALLBACK_SCRIPT = """(function () {
  const root = document.getElementById(UID); if (!root) return;
  const steps = Array.from(root.querySelectorAll(":scope > section.bt-step"));
  const bar = document.createElement("div"); bar.className = "bt-bar";
  let index = 0;
  const show = (k) => { index = Math.max(0, Math.min(steps.length - 1, k));
    steps.forEach((s, j) => { s.hidden = j !== index; }); counter.textContent = `${index + 1} / ${steps.length}`; };
  const button = (text, title, to) => { const b = document.createElement("button"); b.textContent = text;
    b.title = title; b.addEventListener("click", () => { show(to()); root.focus(); }); bar.append(b); };
  button("|◀", "first step (Home)", () => 0); button("◀", "previous step (←)", () => index - 1);
  const counter = document.createElement("span"); counter.className = "bt-counter"; bar.append(counter);
  button("▶", "next step (→)", () => index + 1); button("▶|", "last step (End)", () => steps.length - 1);
  root.insertBefore(bar, root.querySelector(".bt-title").nextSibling);
  const keys = {ArrowRight: () => index + 1, ArrowLeft: () => index - 1, Home: () => 0, End: () => steps.length - 1};
  root.addEventListener("keydown", (e) => { const to = keys[e.key]; if (!to) return;
    e.preventDefault(); e.stopPropagation(); show(to()); });
  show(0);
})();"""


# --- a check ---------------------------------------------------------------------------------------
def marks_table(cells: Sequence[dict[str, Any]]) -> str:
    """Judged cells (the checker's JSON, `check.report.to_json`) as a table: verdict, working."""
    rows = []
    for cell in cells:
        working = "".join(f"<div><i>{label}</i> {escape(cell[key])}</div>" for key, label in
                          (("working", "working:"), ("yours", "from your values:"), ("equation", "the step:"))
                          if cell[key])
        rows.append(f"<tr><td>{escape(cell['name'])}</td><td>{escape(cell['written'] or '')}</td>"
                    f"<td>{escape(cell['expected'])}</td><td class={VERDICT_CLASS[cell['verdict']]}>"
                    f"{Verdict(cell['verdict']).mark}</td><td>{escape(cell['note'])}{working}</td></tr>")
    return ("<table><thead><tr><th>cell</th><th>written</th><th>expected</th><th>verdict</th><th>note</th></tr>"
            f"</thead><tbody>{''.join(rows)}</tbody></table>")


def marking_html(doc: dict[str, Any], summary: str, first_root: str) -> str:
    """The checker's verdicts (its JSON document, `check.report.to_json`) as a table."""
    return (f'<div class="bt-check"><style>{stylesheet()}</style><div class="bt-title">{escape(doc["title"])}</div>'
            f"{marks_table(doc['cells'])}"
            f"<p>{escape(summary)} (judged {escape(doc['tolerance'])})</p><p><b>{escape(first_root)}</b></p></div>")


def worksheet_html(heading: tuple[str, str, tuple[str, ...]], tables: Sequence[Table]) -> str:
    return f'<div class="bt-sheet"><style>{stylesheet()}</style>{heading_html(heading)}{tables_html(tables)}</div>'
