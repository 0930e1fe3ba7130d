"""Answer files: the Markdown worksheet and the TOML/JSON templates round-trip; malformed files name the line."""

from __future__ import annotations

import pytest

from backprop_tutor.check.answers import AnswerError, read_answers, written_values
from backprop_tutor.check.checker import check_answers
from backprop_tutor.check.expected import reference_for
from backprop_tutor.check.layout import Quantity
from backprop_tutor.check.templates import render
from backprop_tutor.spec import load_spec, resolve_example

REF = reference_for(load_spec(resolve_example("hand-backprop")))


@pytest.mark.parametrize("example", ["hand-backprop", "mazur-sigmoid"])
def test_keys_of_the_builtin_examples_check_all_right(tmp_path, example):
    ref = reference_for(load_spec(resolve_example(example)))
    key = tmp_path / "key.md"
    key.write_text(render(ref, example, "md", key=True), encoding="utf-8")
    assert check_answers(key).all_right


@pytest.mark.parametrize("fmt", ["md", "toml", "json"])
def test_answer_keys_check_all_right_and_blank_sheets_all_missing(tmp_path, fmt):
    key = tmp_path / f"key.{fmt}"
    key.write_text(render(REF, "hand-backprop", fmt, key=True), encoding="utf-8")
    assert check_answers(key).all_right
    blank = tmp_path / f"blank.{fmt}"
    blank.write_text(render(REF, "hand-backprop", fmt), encoding="utf-8")
    marking = check_answers(blank)
    assert marking.totals()["missing"] == 72 and not marking.all_right


def test_markdown_layout_rows_per_quantity_columns_per_unit():
    text = render(REF, "hand-backprop", "md")
    assert "| quantity | 1 | 2 | 3 |" in text
    assert "| s(1) |   |   | — |" in text
    assert "| ∇W(1)[2,·] |   |   |   |" in text and "| C |   |" in text
    assert "- spec: hand-backprop" in text


def _md(tmp_path, replace: tuple[str, str]):
    text = render(REF, "hand-backprop", "md", key=True)
    assert replace[0] in text
    path = tmp_path / "a.md"
    path.write_text(text.replace(replace[0], replace[1], 1), encoding="utf-8")
    return path


def _line_of(path, needle: str) -> int:
    """The last line holding ``needle`` (a row written twice is reported where it is written again)."""
    return max(n for n, line in enumerate(path.read_text().splitlines(), start=1) if needle in line)


@pytest.mark.parametrize(("old", "new", "message"), [
    ("| s(1) | 5 | -5 | — |", "| s(1) | 5 | -5 |", r"s\(1\) has 3 cells but the table has 4 columns"),
    ("| s(1) | 5 | -5 | — |", "| s(1) | 5 | five | — |", r"s\(1\), column 2: 'five' is not a number"),
    ("| s(1) | 5 | -5 | — |", "| z(1) | 5 | -5 | — |", r"'z\(1\)' is not a quantity of the worksheet; rows are named"),
    ("| s(1) | 5 | -5 | — |", "| s(1) | 5 | -5 | 7 |", r"s\(1\) has 2 values, but column 3 holds '7'"),
    ("| s(1) | 5 | -5 | — |", "| s(7) | 5 | -5 | — |", r"s\(7\) does not exist: this network has layers 1 to 3"),
    ("| a(3) |", "| a'(3) |", r"a'\(3\) is not on this worksheet: a softmax output's derivative is the matrix A"),
    ("| a(1) | 5 | 0 | — |", "| s(1) | 5 | 0 | — |", r"s\(1\) is written twice"),
    ("- sample: 0", "- sample: first", r"sample: 'first' is not a sample number"),
])
def test_malformed_markdown_names_the_line(tmp_path, old, new, message):
    path = _md(tmp_path, (old, new))
    line = _line_of(path, new.split(" |")[0] if new.startswith("|") else new)
    with pytest.raises(AnswerError, match=rf"a\.md line {line}: {message}"):
        ref = reference_for(load_spec(resolve_example("hand-backprop")))
        written_values(read_answers(path), ref)


@pytest.mark.parametrize(("text", "message"), [
    ('spec = "hand-backprop"\nC = "17"\n[layer.1]\nz = "1, 2"\n',
     r"a\.toml line 4 \(layer\.1\.z\): unknown quantity 'z'"),
    ('spec = "hand-backprop"\nC = "17"\n[layer.1]\ns = "1, x"\n',
     r"a\.toml line 4 \(layer\.1\.s\): s\(1\): '.*x' is not"),
    ('spec = "hand-backprop"\nC = [\n', r"a\.toml: not valid TOML"),
    ('spec = "hand-backprop"\nanswer = 4\n', r"unknown field 'answer'"),
    ('spec = "hand-backprop"\n[layer.1]\ns = [[1, 2], [3]]\n', r"s\(1\): rows of different lengths"),
])
def test_malformed_toml_names_the_line(tmp_path, text, message):
    path = tmp_path / "a.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(AnswerError, match=message):
        written_values(read_answers(path), REF)


def test_a_file_without_answers_says_what_one_looks_like(tmp_path):
    path = tmp_path / "notes.md"
    path.write_text("# my notes\n\n| a | b |\n| --- | --- |\n| 1 | 2 |\n", encoding="utf-8")
    with pytest.raises(AnswerError, match=r"notes\.md: no answers found: a worksheet's tables start with"):
        read_answers(path)


def test_malformed_json_names_the_line(tmp_path):
    path = tmp_path / "a.json"
    path.write_text('{"spec": "hand-backprop",\n "C": 17,,\n}', encoding="utf-8")
    with pytest.raises(AnswerError, match=r"a\.json line 2: not valid JSON"):
        read_answers(path)


def test_number_formats_in_a_toml_file(tmp_path):
    path = tmp_path / "a.toml"
    path.write_text('spec = "hand-backprop"\nC = 17\n[layer.1]\ns = "[5, −5]"\na = [5, "0"]\n'
                    "grad_W = \"3, -3, 3; 0, 0, 0\"\n[layer.2]\n\"δ\" = \"1.98×10^-32, 1\"\n"
                    "W = [[1, -2], [\"1/2\", 4]]\n", encoding="utf-8")
    written = written_values(read_answers(path), REF)
    assert written[(Quantity.S, 1)].values.tolist() == [5, -5]
    assert written[(Quantity.GRAD_W, 1)].values.shape == (2, 3)
    marking = check_answers(path)
    right = {m.name for m in marking.cells if m.verdict.value == "right"}
    assert {"C", "s(1)[2]", "a(1)[2]", "∇W(1)[2,3]", "δ(2)[1]", "W(2)[2,1]"} <= right
