"""Answer files: the Markdown worksheet and the TOML/JSON templates round-trip; malformed files name the line."""

from __future__ import annotations

from fractions import Fraction

import pytest

from backprop_tutor.check.answers import AnswerError, read_answers, written_values
from backprop_tutor.check.checker import check_answers
from backprop_tutor.check.expected import reference_for
from backprop_tutor.check.templates import render
from backprop_tutor.spec import load_spec, resolve_example
from backprop_tutor.worksheet.model import Quantity

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


def test_markdown_worksheet_is_the_worksheets_tables_blank():
    text = render(REF, "hand-backprop", "md")
    assert "| l | s(l) | a(l) | a'(l) |" in text and "| l | δ(l) | ∇W(l) | ∇b(l) |" in text
    assert "| 1 |   |   |   |" in text and "| 0 | — | [1, -1, 1] | — |" in text and "\nC =   \n" in text
    assert "- spec: hand-backprop" in text and "- W(2) = [[1, -2], [3, 4]], b(2) = [1, 0]" in text


def test_the_example_markdown_export_and_the_blank_share_one_layout(tmp_path, capsys):
    from backprop_tutor.cli import main

    assert main(["example", "hand-backprop", "--markdown", "-"]) == 0
    export = capsys.readouterr().out
    table_lines = [line for line in render(REF, "hand-backprop", "md").splitlines() if line.startswith("| l ")]
    assert table_lines == [line for line in export.splitlines() if line.startswith("| l ")]


def _md(tmp_path, replace: tuple[str, str]):
    text = render(REF, "hand-backprop", "md", key=True)
    assert replace[0] in text
    path = tmp_path / "a.md"
    path.write_text(text.replace(replace[0], replace[1], 1), encoding="utf-8")
    return path


def _line_of(path, needle: str) -> int:
    """The last line holding ``needle`` (a row written twice is reported where it is written again)."""
    return max(n for n, line in enumerate(path.read_text().splitlines(), start=1) if needle in line)


ROW1 = "| 1 | [5, -5] | [5, 0] | [1, 0] |"


@pytest.mark.parametrize(("old", "new", "message"), [
    (ROW1, "| 1 | [5, -5] | [5, 0] |", r"the row has 3 cells but the table has 4 columns \(l, s\(l\), a\(l\)"),
    (ROW1, "| 1 | [5, five] | [5, 0] | [1, 0] |", r"s\(1\): 'five' is not a number"),
    ("| l | s(l) | a(l) |", "| l | z(l) | a(l) |", r"column 'z\(l\)' is not a quantity of the worksheet"),
    (ROW1, "| one | [5, -5] | [5, 0] | [1, 0] |", r"'one' is not a layer number"),
    (ROW1, "| 7 | [5, -5] | [5, 0] | [1, 0] |", r"s\(7\) does not exist: this network has layers 1 to 3"),
    ("matrix A, see δ(3)", "[1, 0, 0]", r"a'\(3\) is not on this worksheet: a softmax output's derivative is the"),
    ("| 2 | [6, 15] | [6, 15] | [1, 1] |", "| 1 | [6, 15] | [6, 15] | [1, 1] |", r"s\(1\) is written twice"),
    ("- sample: 0", "- sample: first", r"sample: 'first' is not a sample number"),
    ("C = 17.0", "C = seventeen", r"C: 'seventeen' is not a number"),
    ("[0, 0, 0] |", "32×784: min 0, max 1, mean 0.1 |", r"this cell is a summary, not every value"),
])
def test_malformed_markdown_names_the_line(tmp_path, old, new, message):
    path = _md(tmp_path, (old, new))
    line = _line_of(path, new)
    with pytest.raises(AnswerError, match=rf"a\.md line {line}: .*{message}"):
        written_values(read_answers(path), REF)


def test_matrices_and_vectors_in_a_cell_as_people_write_them(tmp_path):
    path = _md(tmp_path, ("| 2 | [1.0, -2]<br>[0.5000001, 4] | [1.0, -0.49999998] |",
                          "| 2 | [[1, -2], [1/2, 4]] | 1, −0.5 |"))
    text = path.read_text().replace("[2.9999999, -2.9999999, 2.9999999]<br>[0, 0, 0]", "3, -3, 3; 0, 0, 0")
    path.write_text(text.replace("[0.99999996, 1.9792598e-32, 4.1399375e-8]", "[1, 1.98×10^-32, 4.140×10^-8]"))
    written = written_values(read_answers(path), REF)
    assert written[(Quantity.W_NEW, 2)].values.tolist() == [[1, -2], [Fraction(1, 2), 4]]
    assert written[(Quantity.GRAD_W, 1)].values.shape == (2, 3)
    assert written[(Quantity.A, 3)].texts.tolist() == ["1", "1.98e-32", "4.14e-8"]
    assert check_answers(path).all_right


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


@pytest.mark.parametrize("line", ["C: 17", "c = 17", "**C** = 17", "**C = 17**", "$C$ = 17", "C ≈ 17", "C = 17.0",
                                  "C = 17,0", "- C = 17", "Cost: 17", "C = −log a(3)[3] = 17", "C=17 \\"])
def test_the_c_line_as_students_write_it_is_read(tmp_path, line):
    path = _md(tmp_path, ("C = 17.0", line))
    written = written_values(read_answers(path), REF)
    assert written[(Quantity.COST, 3)].values[()] == 17
    assert check_answers(path).all_right


@pytest.mark.parametrize(("old", "new", "message"), [
    ("C = 17.0", "C 17", r"'C 17' looks like an answer but is not read: write C on its own line as C = 17"),
    ("C = 17.0", "C => 17", r"C: '> 17' is not a number \(e\.g\. 0\.5, -3, 1/2, 1\.98e-32 or 1\.98×10\^-32\)$"),
    ("C = 17.0", "s(1) = [5, -5]", r"'s\(1\) = \[5, -5\]' looks like an answer but is not read: write s\(1\) in its "
                                   r"column"),
    ("C = 17.0", "C = 1,000", r"C: '1,000': a decimal comma or a thousands separator\?"),
    ("C = 17.0", "C = 1e99999999", r"C: '1e99999999' is far beyond any float"),
    ("C = 17.0", "C = 1e4400", r"C: '1e4400' is far beyond any float"),
    (ROW1, "| 1 | [[5, -5] | [5, 0] | [1, 0] |", r"s\(1\): '\[\[5, -5\]': 1 closing '\]' missing"),
])
def test_a_line_that_looks_like_an_answer_but_cannot_be_read_is_named(tmp_path, old, new, message):
    path = _md(tmp_path, (old, new))
    line = _line_of(path, new)
    with pytest.raises(AnswerError, match=rf"a\.md line {line}: .*{message}"):
        written_values(read_answers(path), REF)


def test_an_answer_in_a_table_of_the_students_own_is_named(tmp_path):
    path = _md(tmp_path, ("C = 17.0", "C = 17.0\n\n| quantity | value |\n| --- | --- |\n| C | 17 |"))
    with pytest.raises(AnswerError, match=rf"a\.md line {_line_of(path, '| C | 17 |')}: '\| C \| 17 \|' looks like an "
                                          "answer, in a table that is not the worksheet's"):
        read_answers(path)


def test_the_given_values_and_notes_are_not_taken_for_answers(tmp_path):
    path = _md(tmp_path, ("C = 17.0", "C = 17.0\n\nMy notes: s(1) = W(1) x + b(1), so C follows from a(3).\n\n"
                                      "| week | hours |\n| --- | --- |\n| 3 | 2.5 |"))
    assert check_answers(path).all_right


def test_vectors_typed_with_spaces_and_a_value_beyond_a_float_are_judged(tmp_path):
    path = _md(tmp_path, (ROW1, "| 1 | 5 -5 | [5 0] | 1 0 |"))
    path.write_text(path.read_text().replace("C = 17.0", "C = 1e400"), encoding="utf-8")
    marking = check_answers(path)
    layer1 = {m.name: m.verdict.value for m in marking.cells if m.layer == 1 and m.quantity in (Quantity.S, Quantity.A)}
    assert layer1 == {"s(1)[1]": "right", "s(1)[2]": "right", "a(1)[1]": "right", "a(1)[2]": "right"}
    cost = next(m for m in marking.cells if m.name == "C")
    assert cost.written == "1e400" and cost.verdict.value == "root"


def test_a_byte_that_is_not_utf8_names_its_line(tmp_path):
    path = _md(tmp_path, ("C = 17.0", "C = 17.0"))
    data = path.read_bytes().replace(b"- sample: 0", b"- sample: 0 caf\xe9")
    path.write_bytes(data)
    line = data.split(b"\n").index(b"- sample: 0 caf\xe9") + 1
    with pytest.raises(AnswerError, match=rf"a\.md line {line}: byte 0xe9 is not UTF-8 .*Latin-1"):
        read_answers(path)


@pytest.mark.parametrize("doc", ['{"spec": "hand-backprop", "C": 1' + "0" * 5000 + "}",
                                 '{"spec": "hand-backprop", "C": "1e99999999"}'])
def test_a_huge_number_in_json_is_named(tmp_path, doc):
    path = tmp_path / "a.json"
    path.write_text(doc, encoding="utf-8")
    with pytest.raises(AnswerError, match=r"a\.json line 1 \(C\): C: .* far beyond any float"):
        written_values(read_answers(path), REF)


def test_a_huge_integer_in_toml_is_named(tmp_path):
    path = tmp_path / "a.toml"
    path.write_text('spec = "hand-backprop"\nC = 1' + "0" * 5000 + "\n", encoding="utf-8")
    with pytest.raises(AnswerError, match=r"a\.toml: not valid TOML: an integer with thousands of digits"):
        read_answers(path)


@pytest.mark.parametrize(("typed", "message"), [("1e99999999", "far beyond any float"), ("1e4400", "far beyond any"),
                                                ("[[5, -5]", r"1 closing '\]' missing")])
def test_practice_names_a_value_it_cannot_read_at_once(typed, message):
    from backprop_tutor.check.practice import PracticeSession

    session = PracticeSession(REF)
    with pytest.raises(AnswerError, match=rf"your answer: s\(1\): .*{message}"):
        session.answer(typed)
    assert [m.verdict.value for m in session.answer("5 -5")] == ["right", "right"]
