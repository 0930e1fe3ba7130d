"""Answer files in: a Markdown worksheet (blank tables filled in), or a TOML/JSON template.

Reading is in two stages: `read_answers` parses the file (which spec, which sample, the rows or
keys as written); `written_values` fits them to the worksheet's quantities, so an error can say
what a row should hold. A malformed file raises `AnswerError` naming the file, the line and what
was expected. A quantity written in the wrong shape is not an error here: the checker names it.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from backprop_tutor.check.expected import Reference
from backprop_tutor.check.layout import (
    KEYS,
    MATRICES,
    NOT_APPLICABLE_SPELLINGS,
    Quantity,
    Slot,
    parse_row_label,
)
from backprop_tutor.check.numbers import NumberError, number_from, parse_array, parse_number
from backprop_tutor.errors import TutorError

ROW_NAMES = "s(l), a(l), a'(l), C, δ(l), ∇W(l)[j,·], ∇b(l), W(l)[j,·], b(l)"
Key = tuple[Quantity, int]


class AnswerError(TutorError):
    """An answer file that cannot be read: names the file, the line and what would be valid."""


@dataclass
class Written:
    """One quantity as the student wrote it: Fraction (or None: left blank) per cell, in the shape written."""

    values: np.ndarray
    texts: np.ndarray
    where: str

    @property
    def blank(self) -> bool:
        return all(v is None for v in self.values.flat)


@dataclass
class Entry:
    """A quantity (or a matrix row j) found in the file, before it is fitted to the worksheet."""

    quantity: Quantity
    layer: int | None  # None: C, or not given
    row: int | None  # 0-based row j of a matrix written as a Markdown row
    value: Any  # Markdown: the cells (list of str); TOML/JSON: the value
    where: str
    cells: bool = False  # True: a Markdown row's cells


@dataclass
class AnswerFile:
    path: Path
    spec: str | None = None
    sample: int = 0
    entries: list[Entry] = field(default_factory=list)


def read_answers(path: str | Path) -> AnswerFile:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise AnswerError(f"{path}: not a text file (UTF-8); give a worksheet .md, or a .toml/.json template") from None
    suffix = path.suffix.lower()
    reader = _read_toml if suffix == ".toml" else _read_json if suffix == ".json" else _read_markdown
    answers = reader(path, text)
    if not answers.entries:
        raise AnswerError(f"{path}: no answers found: a worksheet's tables start with | quantity | 1 | 2 |, a "
                          "TOML/JSON template has C and [layer.1] s = …; make one with `tutor worksheet hand-backprop`")
    return answers


# --- Markdown --------------------------------------------------------------------------------
_HEADER = re.compile(r"^\s*[-*]?\s*(spec|sample)\s*:\s*`?([^`]*?)`?\s*$", re.IGNORECASE)


def _split_row(line: str) -> list[str]:
    body = line.strip()
    body = body[1:] if body.startswith("|") else body
    body = body[:-1] if body.endswith("|") and not body.endswith("\\|") else body
    return [c.strip() for c in re.split(r"(?<!\\)\|", body)]


def _read_markdown(path: Path, text: str) -> AnswerFile:
    answers = AnswerFile(path)
    width: int | None = None  # cells per row of the current answer table; None outside one
    for n, line in enumerate(text.splitlines(), start=1):
        where = f"{path} line {n}"
        if not line.strip().startswith("|"):
            width = None
            m = _HEADER.match(line)
            if m:
                _header_field(answers, m[1].lower(), m[2].strip(), where)
            continue
        cells = _split_row(line)
        if width is None:  # a table's header row: ours start with "quantity"
            width = len(cells) if cells[0].lower() == "quantity" else -1
            continue
        if width < 0 or all(re.fullmatch(r":?-{2,}:?", c) for c in cells):
            continue
        label = parse_row_label(cells[0])
        if label is None:
            raise AnswerError(f"{where}: {cells[0]!r} is not a quantity of the worksheet; rows are named {ROW_NAMES}")
        if len(cells) != width:
            raise AnswerError(f"{where}: {cells[0]} has {len(cells)} cells but the table has {width} columns "
                              f"(the quantity and units 1 to {width - 1}); keep one cell per column")
        quantity, layer, row = label
        answers.entries.append(Entry(quantity, layer, row, cells[1:], where, cells=True))
    return answers


def _header_field(answers: AnswerFile, name: str, value: str, where: str) -> None:
    if name == "spec":
        answers.spec = value or None
        return
    if not value.isdigit():
        raise AnswerError(f"{where}: sample: {value!r} is not a sample number (0, 1, …; the first is 0)")
    answers.sample = int(value)


# --- TOML / JSON -----------------------------------------------------------------------------
def _read_toml(path: Path, text: str) -> AnswerFile:
    try:
        raw = tomllib.loads(text, parse_float=lambda s: s)  # keep the decimal as written
    except tomllib.TOMLDecodeError as err:
        raise AnswerError(f"{path}: not valid TOML: {err}") from None
    return _from_mapping(path, raw, lambda key, section: _toml_where(path, text, key, section))


def _read_json(path: Path, text: str) -> AnswerFile:
    try:
        raw = json.loads(text, parse_float=lambda s: s)
    except json.JSONDecodeError as err:
        raise AnswerError(f"{path} line {err.lineno}: not valid JSON: {err.msg}") from None
    if not isinstance(raw, dict):
        raise AnswerError(f"{path}: the JSON must be an object with spec, sample, C and layer")
    return _from_mapping(path, raw, lambda key, section: _json_where(path, text, key, section))


def _toml_where(path: Path, text: str, key: str, section: str | None) -> str:
    lines = text.splitlines()
    start = 0
    if section is not None:
        start = next((i for i, line in enumerate(lines)
                      if re.match(rf"^\s*\[\s*layer\s*\.\s*\"?{section}\"?\s*\]", line)), 0)
    for i in range(start, len(lines)):
        if re.match(rf"^\s*\"?{re.escape(key)}\"?\s*=", lines[i]):
            return f"{path} line {i + 1} ({_path(key, section)})"
    return f"{path} ({_path(key, section)})"


def _json_where(path: Path, text: str, key: str, section: str | None) -> str:
    start = text.find(f'"{section}"') if section is not None else 0
    pos = text.find(f'"{key}"', max(start, 0))
    line = f" line {text.count(chr(10), 0, pos) + 1}" if pos >= 0 else ""
    return f"{path}{line} ({_path(key, section)})"


def _path(key: str, section: str | None) -> str:
    return key if section is None else f"layer.{section}.{key}"


def _from_mapping(path: Path, raw: dict[str, Any], where: Any) -> AnswerFile:
    answers = AnswerFile(path)
    for key, value in raw.items():
        if key == "spec":
            answers.spec = str(value) or None
        elif key == "sample":
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise AnswerError(f"{where(key, None)}: sample = {value!r}: give a sample number (0 is the first)")
            answers.sample = value
        elif key == "layer":
            if not isinstance(value, dict):
                raise AnswerError(f"{where(key, None)}: layer must be a table of layers: [layer.1], [layer.2], …")
            for layer, table in value.items():
                _layer_entries(answers, layer, table, where)
        elif KEYS.get(key) is Quantity.COST:
            answers.entries.append(Entry(Quantity.COST, None, None, value, where(key, None)))
        else:
            raise AnswerError(f"{where(key, None)}: unknown field {key!r}; the fields are spec, sample, C "
                              "and layer (with [layer.1] s = …, a = …)")
    return answers


def _layer_entries(answers: AnswerFile, layer: str, table: Any, where: Any) -> None:
    if not str(layer).isdigit() or not isinstance(table, dict):
        raise AnswerError(f"{where('layer', None)}: layer.{layer}: give one table per layer, numbered from 1: "
                          "[layer.1] with s = …, a = …")
    for key, value in table.items():
        quantity = KEYS.get(key)
        if quantity is None or quantity is Quantity.COST:
            names = ", ".join(k for k, q in KEYS.items() if q is not Quantity.COST)
            raise AnswerError(f"{where(key, layer)}: unknown quantity {key!r}; a layer's quantities are {names}")
        answers.entries.append(Entry(quantity, int(layer), None, value, where(key, layer)))


# --- fitting the entries to the worksheet ----------------------------------------------------------
def written_values(answers: AnswerFile, ref: Reference) -> dict[Key, Written]:
    """The student's quantities, keyed like ``ref.expected``; AnswerError for rows that fit nothing."""
    L = len(ref.given.activations)
    rows: dict[Key, dict[int | None, Entry]] = {}
    for entry in answers.entries:
        layer = L if entry.quantity is Quantity.COST else entry.layer
        slot = ref.slot(entry.quantity, layer) if layer is not None else None
        if slot is None:
            raise AnswerError(f"{entry.where}: {_no_such(entry.quantity, layer, L)}")
        seen = rows.setdefault((slot.quantity, slot.layer), {})
        if entry.row in seen:
            raise AnswerError(f"{entry.where}: {slot.name} is written twice (also at {seen[entry.row].where})")
        seen[entry.row] = entry
    return {key: _fit(ref.slot(*key), entries) for key, entries in rows.items()}  # type: ignore[arg-type]


def _no_such(quantity: Quantity, layer: int | None, L: int) -> str:
    if quantity is Quantity.A_PRIME and layer == L:
        return f"a'({L}) is not on this worksheet: a softmax output's derivative is the matrix A, not a vector"
    return f"{quantity}({layer}) does not exist: this network has layers 1 to {L}"


def _fit(slot: Slot, entries: dict[int | None, Entry]) -> Written:
    first = next(iter(entries.values()))
    if not first.cells:
        return _from_value(first, slot)
    if slot.quantity not in MATRICES:
        values, texts = _cells(first, slot.shape[0] if slot.shape else 1, slot)
        return Written(np.array(values, dtype=object).reshape(slot.shape),
                       np.array(texts, dtype=object).reshape(slot.shape), first.where)
    n_rows, n_cols = slot.shape
    matrix = np.full(slot.shape, None, dtype=object)
    matrix_texts = np.full(slot.shape, "", dtype=object)
    for j, entry in entries.items():
        if j is None or j >= n_rows:
            raise AnswerError(f"{entry.where}: {slot.name} has {n_rows} rows (units of layer {slot.layer}), "
                              f"so there is no row {(j or 0) + 1}")
        values, texts = _cells(entry, n_cols, slot)
        matrix[j, :], matrix_texts[j, :] = values, texts
    return Written(matrix, matrix_texts, first.where)


def _cells(entry: Entry, width: int, slot: Slot) -> tuple[list[Any], list[str]]:
    cells = entry.value
    if len(cells) < width:
        raise AnswerError(f"{entry.where}: {slot.name} has {width} values (units 1 to {width}) but the table has "
                          f"only {len(cells)} unit columns")
    for i, extra in enumerate(cells[width:], start=width + 1):
        if extra and extra not in NOT_APPLICABLE_SPELLINGS:
            raise AnswerError(f"{entry.where}: {slot.name} has {width} values, but column {i} holds {extra!r}; "
                              "leave it as —")
    values: list[Any] = []
    for i, text in enumerate(cells[:width], start=1):
        try:
            values.append(parse_number(text) if text and text not in NOT_APPLICABLE_SPELLINGS else None)
        except NumberError as err:
            hint = "; write one number per column" if "," in text else ""
            raise AnswerError(f"{entry.where}: {slot.name}, column {i}: {err}{hint}") from None
    return values, [c if c not in NOT_APPLICABLE_SPELLINGS else "" for c in cells[:width]]


def _from_value(entry: Entry, slot: Slot) -> Written:
    try:
        nested = _nested(entry.value)
    except NumberError as err:
        raise AnswerError(f"{entry.where}: {slot.name}: {err}") from None
    values = np.array(nested, dtype=object)
    if values.dtype != object or (values.ndim and isinstance(values.flat[0], list)):
        raise AnswerError(f"{entry.where}: {slot.name}: rows of different lengths; {_shape_hint(slot)}")
    if slot.shape == () and values.shape == (1,):
        values = values.reshape(())
    elif slot.shape == (1,) and values.shape == ():  # a one-unit layer's vector written as one number
        values = values.reshape(1)
    texts = np.vectorize(lambda v: "" if v is None else _plain(v), otypes=[object])(values) if values.size else values
    return Written(values, np.asarray(texts, dtype=object), entry.where)


def _shape_hint(slot: Slot) -> str:
    if len(slot.shape) == 2:
        return f"{slot.name} is a {slot.shape[0]}×{slot.shape[1]} matrix, e.g. [[1, -2], [0.5, 4]] or \"1, -2; 0.5, 4\""
    if slot.shape:
        return f"{slot.name} is a vector of {slot.shape[0]} values, e.g. [5, -5] or \"5, -5\""
    return f"{slot.name} is one number"


def _nested(value: Any) -> Any:
    """A TOML/JSON value as nested lists of Fraction (None: left blank)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        parsed = parse_array(value)
        return parsed[0] if len(parsed) == 1 and not isinstance(parsed[0], list) and "," not in value \
            and "[" not in value else parsed
    if isinstance(value, list):
        return [_nested(v) for v in value]
    return number_from(value)


def _plain(value: Fraction) -> str:
    return str(value.numerator) if value.denominator == 1 else repr(float(value))
