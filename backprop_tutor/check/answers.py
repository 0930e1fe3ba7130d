"""Answer files in: a Markdown worksheet (the worksheet's tables, filled in), or a TOML/JSON template.

Reading is in two stages: `read_answers` parses the file (which spec, which sample, each quantity's
text as written); `written_values` fits them to the worksheet's quantities, so an error can say what
a cell should hold. A malformed file raises `AnswerError` naming the file, the line and what was
expected. A quantity written in the wrong shape is not an error here: the checker names it.

The Markdown layout is the one every view draws (`backprop_tutor.worksheet.tables`, what `tutor
example NAME --markdown` writes): tables with a row per layer l and a column per quantity (s(l),
a(l), a'(l); δ(l), ∇W(l), ∇b(l); W(l) new, b(l) new), a vector in a cell as [5, -5], a matrix as
[[1, -2], [0.5, 4]], as 1, -2; 0.5, 4 or one row per line (<br>); C on its own line, as students write
it: ``C = 17``, ``C: 17``, ``c = 17``, ``**C** = 17``, ``C ≈ 17``, ``$C$ = 17``. A line outside the tables
that looks like an answer (``C … 17``, ``s(1) = [5, -5]``) but is not read is named, never dropped.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import mpmath
import numpy as np

from backprop_tutor.check.expected import Reference
from backprop_tutor.check.layout import (
    KEYS,
    NOT_APPLICABLE_SPELLINGS,
    WRITTEN,
    Slot,
)
from backprop_tutor.check.numbers import (
    NumberError,
    Typed,
    decimal_comma,
    number_from,
    parse_array,
    parse_number,
    to_mpf,
)
from backprop_tutor.errors import TutorError
from backprop_tutor.notation import cell_text, column_title
from backprop_tutor.plural import count
from backprop_tutor.worksheet.model import Quantity

Key = tuple[Quantity, int]


class AnswerError(TutorError):
    """An answer file that cannot be read: names the file, the line and what would be valid."""


class NotAnswers(AnswerError):
    """A file that holds no answers at all (notes, a network spec): in a folder of sheets, passed over."""


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
    """A quantity found in the file, before it is fitted to the worksheet."""

    quantity: Quantity
    layer: int | None  # None: C, or not given
    value: Any  # the text (or TOML/JSON value) as written
    where: str


@dataclass
class AnswerFile:
    path: Path
    spec: str | None = None
    sample: int = 0
    entries: list[Entry] = field(default_factory=list)
    tables: int = 0  # the worksheet's tables found in a Markdown file (blank ones too)


def read_answers(path: str | Path) -> AnswerFile:
    path = Path(path)
    text = _utf8(path, path.read_bytes())
    suffix = path.suffix.lower()
    reader = _read_toml if suffix == ".toml" else _read_json if suffix == ".json" else _read_markdown
    answers = reader(path, text)
    if not answers.entries and not answers.tables:
        raise NotAnswers(f"{path}: no answers found: a worksheet's tables start with | l | s(l) | a(l) | a'(l) |, a "
                          "TOML/JSON template has C and [layer.1] s = …; make one with `tutor worksheet hand-backprop`")
    return answers


def _utf8(path: Path, data: bytes) -> str:
    """The file's text; a byte that is not UTF-8 is named by its line (a file saved as Latin-1, say)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise AnswerError(f"{path} line {line}: byte 0x{data[err.start]:02x} is not UTF-8 (the file was saved in "
                          "another encoding, e.g. Latin-1): save it as UTF-8; a worksheet is a .md, or a .toml/.json "
                          "template") from None


# --- Markdown ---------------------------------------------------------------------------------
_HEADER = re.compile(r"^\s*[-*]?\s*(spec|sample)\s*:\s*`?([^`]*?)`?\s*$", re.IGNORECASE)
# C's line as students write it: C = 17, C: 17, c = 17, **C** = 17, C ≈ 17, $C$ = 17, cost = 17, **C = 17** (a
# trailing \ is a Markdown line break); C = −log a(3)[3] = 17 is read as its last value
_MARK = r"(?:\*\*|__|[`$*_])?"
_C_NAME = r"(?:C|c|cost|Cost)"
_COST = re.compile(rf"^\s*(?:[-+*]\s+)?{_MARK}{_C_NAME}{_MARK}\s*(?:=|:|≈|≃|~=?|:=)\s*{_MARK}(.*?){_MARK}\s*\\?\s*$")
# a line that looks like a value written outside the tables: a quantity's name, =, and something with a digit
_ANSWER_LIKE = re.compile(rf"^\s*(?:[-+*]\s+)?{_MARK}(?P<name>{_C_NAME}\b|(?:s|a'?|δ|delta|∇W|∇b)\s*\(\d+\)|"
                          r"[Wb]\s*\(\d+\)\s*new)(?P<rest>.*\d.*)$")
_LINE_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
COLUMNS = ", ".join(column_title(q) for q in WRITTEN if q is not Quantity.COST)
#: a column's title as the tables write it, or without "new" (W(l) is the updated W there too)
_TITLES = {title: q for q in WRITTEN for title in (column_title(q), column_title(q).removesuffix(" new"))}


def _split_row(line: str) -> list[str]:
    body = line.strip()
    body = body[1:] if body.startswith("|") else body
    body = body[:-1] if body.endswith("|") and not body.endswith("\\|") else body
    return [c.strip() for c in re.split(r"(?<!\\)\|", body)]


def _read_markdown(path: Path, text: str) -> AnswerFile:
    if text.startswith("# Check: "):  # what `tutor check --markdown` writes, perhaps into the class's folder
        raise NotAnswers(f"{path}: a report of `tutor check`, not an answer sheet")
    answers = AnswerFile(path)
    columns: list[Quantity | None] | None = None  # the current table's quantities; None outside a table
    for n, line in enumerate(text.splitlines(), start=1):
        where = f"{path} line {n}"
        if not line.strip().startswith("|"):
            columns = None
            _outside_table(answers, line, where)
            continue
        cells = _split_row(line)
        if columns is None:  # a table's header row: ours start with "l"
            columns = _columns(cells, where) if cells[0] == "l" else []
            answers.tables += bool(columns)
            continue
        if all(re.fullmatch(r":?-{2,}:?", c) for c in cells):
            continue
        if not columns:  # a table of the student's own: a row that looks like an answer is not read, so say so
            if m := _ANSWER_LIKE.match(" ".join(cells)):
                raise AnswerError(f"{where}: {line.strip()!r} looks like an answer, in a table that is not the "
                                  f"worksheet's (those start with | l | s(l) | …): {_where_to(m['name'])}")
            continue
        answers.entries += _row_entries(cells, columns, where)
    return answers


def _outside_table(answers: AnswerFile, line: str, where: str) -> None:
    """The spec and sample fields, and the line C = … under the feed-forward table; a line that looks like
    an answer but is none of these is named."""
    if m := _HEADER.match(line):
        _header_field(answers, m[1].lower(), m[2].strip(), where)
        return
    if m := _COST.match(line):
        if value := m[1].rpartition("=")[2].strip():
            answers.entries.append(Entry(Quantity.COST, None, value, where))
    elif m := _ANSWER_LIKE.match(line):
        raise AnswerError(f"{where}: {line.strip()!r} looks like an answer but is not read: {_where_to(m['name'])}")


def _where_to(name: str) -> str:
    if name.lower().startswith("c"):
        return "write C on its own line as C = 17 (or C: 17, C ≈ 17)"
    return (f"write {name} in its column of the worksheet's table, in the row of its layer l (make a blank "
            "worksheet with `tutor worksheet NAME`)")


def column_quantity(label: str) -> Quantity | None:
    """The quantity a worksheet table's column holds, by its title: s(l) → s, W(l) new → W (None: l, or
    not a quantity a student writes)."""
    return _TITLES.get(label.replace("\\|", "|").strip())


def _columns(cells: list[str], where: str) -> list[Quantity | None]:
    """The quantity of each column of a table's header row (None: the layer column l)."""
    out: list[Quantity | None] = [None]
    for label in cells[1:]:
        out.append(column_quantity(label))
        if out[-1] is None:
            raise AnswerError(f"{where}: column {label!r} is not a quantity of the worksheet; the columns are "
                              f"l and {COLUMNS}")
    return out


def _row_entries(cells: list[str], columns: list[Quantity | None], where: str) -> list[Entry]:
    names = ", ".join(["l", *(column_title(q) for q in columns[1:] if q is not None)])
    if len(cells) != len(columns):
        raise AnswerError(f"{where}: the row has {count(len(cells), 'cell')} but the table has "
                          f"{count(len(columns), 'column')} "
                          f"({names}); keep one cell per column")
    if not cells[0].isdigit():
        raise AnswerError(f"{where}: {cells[0]!r} is not a layer number; the first column is the layer l (0, 1, …)")
    layer = int(cells[0])
    if layer == 0:
        return []  # a(0) = x: given
    return [Entry(q, layer, _cell_text(text), where) for q, text in zip(columns[1:], cells[1:], strict=True)
            if q is not None and _written(text)]


def _written(text: str) -> bool:
    """A cell with a value in it (not blank, not —, not the note that a softmax's a'(L) is a matrix)."""
    return bool(text) and text not in NOT_APPLICABLE_SPELLINGS and not text.startswith("matrix A")


def _cell_text(text: str) -> str:
    """A matrix written one row per line ([1, -2]<br>[0.5, 4]) as rows separated by ;."""
    rows = [r.strip() for r in _LINE_BREAK.split(text.replace("\\|", "|")) if r.strip()]
    return "; ".join(rows) if len(rows) > 1 else (rows[0] if rows else "")


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
    except ValueError:  # Python's own limit on an integer's digits
        raise AnswerError(f"{path}: not valid TOML: an integer with thousands of digits; no value of a worksheet "
                          "is that large") from None
    return _from_mapping(path, raw, lambda key, section: _toml_where(path, text, key, section))


def _read_json(path: Path, text: str) -> AnswerFile:
    try:
        raw = json.loads(text, parse_float=lambda s: s, parse_int=lambda s: int(s) if len(s) < 20 else s)
    except json.JSONDecodeError as err:
        raise AnswerError(f"{path} line {err.lineno}: not valid JSON: {err.msg}") from None
    if not isinstance(raw, dict):  # e.g. the list `tutor check --json` writes for many sheets
        raise NotAnswers(f"{path}: not an answer file: an answer file's JSON is an object with spec, sample, C "
                         "and layer")
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
    if not any(k in ("spec", "sample") or KEYS.get(k) is Quantity.COST or (k == "layer" and isinstance(v, dict))
               for k, v in raw.items()):
        fields = ", ".join(list(raw)[:4])
        raise NotAnswers(f"{path}: not an answer file (its fields are {fields or 'none'}; an answer file's are spec, "
                         "sample, C and [layer.1] s = …): a network spec goes in --spec")
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
            answers.entries.append(Entry(Quantity.COST, None, value, where(key, None)))
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
        answers.entries.append(Entry(quantity, int(layer), value, where(key, layer)))


# --- fitting the entries to the worksheet ----------------------------------------------------------
def written_values(answers: AnswerFile, ref: Reference) -> dict[Key, Written]:
    """The student's quantities, keyed like ``ref.expected``; AnswerError for entries that fit nothing."""
    L = len(ref.given.activations)
    seen: dict[Key, Entry] = {}
    for entry in answers.entries:
        layer = L if entry.quantity is Quantity.COST else entry.layer
        slot = ref.slot(entry.quantity, layer) if layer is not None else None
        if slot is None:
            raise AnswerError(f"{entry.where}: {_no_such(entry.quantity, layer, L)}")
        key = (slot.quantity, slot.layer)
        if key in seen:
            raise AnswerError(f"{entry.where}: {slot.name} is written twice (also at {seen[key].where})")
        seen[key] = entry
    return {key: _from_value(entry, ref.slot(*key)) for key, entry in seen.items()}  # type: ignore[arg-type]


def written_from_text(text: str, slot: Slot, where: str = "your answer") -> Written:
    """One quantity typed as text (practice): [5, -5], [[1, -2], [0.5, 4]], 1, -2; 0.5, 4 or a number.
    AnswerError says what would be valid."""
    return _from_value(Entry(slot.quantity, slot.layer, _cell_text(text.strip()), where), slot)


def _no_such(quantity: Quantity, layer: int | None, L: int) -> str:
    if quantity is Quantity.A_PRIME and layer == L:
        return (cell_text("a'", L) + " is not on this worksheet: a softmax output's derivative is the matrix A, "
                "not a vector")
    return f"{cell_text(quantity, layer)} does not exist: this network has layers 1 to {L}"


def _from_value(entry: Entry, slot: Slot) -> Written:
    try:
        one = slot.shape == () and isinstance(entry.value, str) and entry.value.strip() != "" and \
            not re.search(r"[\[\],;]", entry.value)
        # one number expected and one written (no brackets, commas): read as a number, so that a message
        # about it does not talk of vectors
        nested = parse_number(decimal_comma(entry.value)) if one else _nested(
            decimal_comma(entry.value) if slot.shape == () and isinstance(entry.value, str) else entry.value)
    except NumberError as err:
        raise AnswerError(f"{entry.where}: {slot.name}: {err}{_summary_hint(entry.value)}") from None
    values = np.array(nested, dtype=object)
    if values.dtype != object or (values.ndim and isinstance(values.flat[0], list)):
        raise AnswerError(f"{entry.where}: {slot.name}: rows of different lengths; {_shape_hint(slot)}")
    if slot.shape == () and values.shape == (1,):
        values = values.reshape(())
    elif slot.shape == (1,) and values.shape == ():  # a one-unit layer's vector written as one number
        values = values.reshape(1)
    elif len(slot.shape) == 2 and slot.shape[0] == 1 and values.shape == slot.shape[1:]:
        values = values.reshape(slot.shape)  # a one-row matrix written as its row
    texts = np.vectorize(lambda v: "" if v is None else _plain(v), otypes=[object])(values) if values.size else values
    return Written(values, np.asarray(texts, dtype=object), entry.where)


def _summary_hint(value: Any) -> str:
    if isinstance(value, str) and ("more" in value or "min" in value):
        return ("; this cell is a summary, not every value: write it in full (`tutor example NAME --markdown "
                "FILE --full`)")
    return ""


def _shape_hint(slot: Slot) -> str:
    if len(slot.shape) == 2:
        return f"{slot.name} is a {slot.shape[0]}×{slot.shape[1]} matrix, e.g. [[1, -2], [0.5, 4]] or \"1, -2; 0.5, 4\""
    if slot.shape:
        return f"{slot.name} is a vector of {count(slot.shape[0], 'value')}, e.g. [5, -5] or \"5, -5\""
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
    """A written number as text: 5, 0.5, 4.14e-8 (its shortest decimal), 1/3, or 1e400 beyond a float's range;
    a decimal with more digits than a float holds as typed (not as a fraction of 40-digit integers)."""
    if value.denominator == 1 and abs(value) < 10**15:
        return str(value.numerator)
    if not 1e-300 < abs(value) < 1e300:  # beyond a float (exact mode's values): 17 digits
        return re.sub(r"\.0(?=e)", "", mpmath.nstr(to_mpf(value), 17, min_fixed=0, max_fixed=0).replace("e+", "e"))
    text = repr(float(value))
    if Fraction(Decimal(text)) != value:
        return value.text if isinstance(value, Typed) and value.text else str(value)
    mantissa, _, exponent = text.partition("e")
    return f"{mantissa}e{int(exponent)}" if exponent else mantissa
