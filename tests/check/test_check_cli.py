"""`tutor check` and `tutor worksheet`, run as a user runs them."""

from __future__ import annotations

import csv
import json

import pytest

from backprop_tutor.cli import main


def _write(tmp_path, capsys, *args: str, name: str = "a.md"):
    assert main(["worksheet", *args]) == 0
    path = tmp_path / name
    path.write_text(capsys.readouterr().out, encoding="utf-8")
    return path


def test_engine_filled_worksheet_checks_all_right_exit_0(tmp_path, capsys):
    key = _write(tmp_path, capsys, "hand-backprop", "--key")
    assert main(["check", str(key)]) == 0
    out = capsys.readouterr().out
    assert "72 right, 0 root mistake(s), 0 carried, 0 missing" in out and "Every value is right." in out


def test_blank_worksheet_is_all_missing_exit_1(tmp_path, capsys):
    blank = _write(tmp_path, capsys, "hand-backprop")
    assert main(["check", str(blank)]) == 1
    assert "0 right, 0 root mistake(s), 0 carried, 72 missing" in capsys.readouterr().out


def test_reports_name_the_first_root_mistake_and_write_markdown_and_json(tmp_path, capsys):
    key = _write(tmp_path, capsys, "hand-backprop", "--key")
    key.write_text(key.read_text().replace("| 2 | [6, 15] |", "| 2 | [7, 15] |"))
    md, js = tmp_path / "report.md", tmp_path / "report.json"
    assert main(["check", str(key), "--markdown", str(md), "--json", str(js)]) == 1
    out = " ".join(capsys.readouterr().out.split())
    assert "First root mistake: s(2)[1] = 7, but s(2)[1] = 6." in out
    assert "s(2)[1] = W(2)[1,·] a(1) + b(2)[1] = 1·5 + (-2)·0 + 1 = 6" in out
    doc = json.loads(js.read_text())
    assert doc["totals"] == {"right": 71, "root": 1, "carried": 0, "missing": 0, "shape": 0}
    cell = next(c for c in doc["cells"] if c["name"] == "s(2)[1]")
    assert cell == {"quantity": "s", "layer": 2, "index": [0], "name": "s(2)[1]", "written": "7", "expected": "6",
                    "verdict": "root",
                    "note": "no common slip gives this value: compare your arithmetic with the working",
                    "working": "s(2)[1] = W(2)[1,·] a(1) + b(2)[1] = 1·5 + (-2)·0 + 1 = 6",
                    "equation": "s(2) = W(2) a(1) + b(2) = [[1, -2], [3, 4]]·[5, 0] + [1, 0] = [6, 15]", "yours": "",
                    "misconception": ""}
    assert "| s(2)[1] | 7 | 6 | ✗ root |" in md.read_text()


def test_toml_template_against_any_spec_and_tolerance_flags(tmp_path, capsys):
    spec = tmp_path / "net.toml"
    assert main(["worksheet", "--random", "--seed", "4", "--out", str(tmp_path / "p")]) == 0
    spec.write_text((tmp_path / "p" / "spec.toml").read_text())
    capsys.readouterr()
    key = _write(tmp_path, capsys, str(spec), "--format", "toml", "--key", name="a.toml")
    assert main(["check", str(key), "--spec", str(spec)]) == 0
    assert main(["check", str(key), "--sigfigs", "4"]) == 0
    assert main(["check", str(key), "--rtol", "0", "--atol", "0"]) == 1  # the key is rounded to 8 figures
    capsys.readouterr()


@pytest.mark.parametrize(("args", "message"), [
    (["check", "nonexistent.md"], "no such answer file"),
    (["check", "{key}", "--sigfigs", "3", "--rtol", "0.1"], "give one of them"),
    (["check", "{key}", "--spec", "no-such-example"], "neither a built-in example"),
    (["worksheet", "--seed", "3"], "add --random"),
    (["worksheet", "--random", "--seeds", "5-2", "--out", "x"], "A ≤ B"),
    (["worksheet", "--random", "--seed", "1"], "--random needs --out DIR"),
    (["worksheet", "--random", "--seed", "1", "--out", "x", "--sizes", "3-a"], "e.g. 3-2-2-3"),
])
def test_usage_errors_exit_2_with_one_message(tmp_path, capsys, args, message):
    key = _write(tmp_path, capsys, "hand-backprop", "--key")
    args = [{"{key}": str(key), "x": str(tmp_path / "x")}.get(a, a) for a in args]
    assert main(args) == 2
    assert message in " ".join(capsys.readouterr().err.split())


def test_a_network_too_big_for_a_worksheet_is_refused(tmp_path, capsys):
    spec = tmp_path / "big.toml"
    spec.write_text('loss = "cross-entropy"\nlearning_rate = 0.1\ninputs = 784\n[init]\nscheme = "he"\n'
                    '[data]\nx = [' + ", ".join(["0"] * 784) + ']\ny = [1, 0]\n'
                    '[[layer]]\nunits = 30\nactivation = "relu"\n[[layer]]\nunits = 2\nactivation = "softmax"\n')
    assert main(["worksheet", str(spec)]) == 2
    assert "784-30-2 network has 23580 weights" in " ".join(capsys.readouterr().err.split())


def test_malformed_answer_file_exits_2_naming_the_line(tmp_path, capsys):
    key = _write(tmp_path, capsys, "hand-backprop", "--key")
    key.write_text(key.read_text().replace("| 1 | [5, -5] |", "| 1 | [5, -5e] |"))
    assert main(["check", str(key)]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "line 21: s(1): '-5e' is not a number" in err and "Traceback" not in err


def test_random_class_set_with_index_and_keys_that_check(tmp_path, capsys):
    out = tmp_path / "class"
    assert main(["worksheet", "--random", "--seeds", "1-3", "--out", str(out)]) == 0
    rows = list(csv.DictReader((out / "index.csv").open()))
    assert [r["seed"] for r in rows] == ["1", "2", "3"] and rows[0]["sizes"] == "3-2-2-3"
    for row in rows:
        assert main(["check", row["key"]]) == 0
        assert main(["check", row["worksheet"]]) == 1
    again = tmp_path / "again"
    assert main(["worksheet", "--random", "--seed", "2", "--out", str(again)]) == 0
    assert (again / "spec.toml").read_text() == (out / "seed-2" / "spec.toml").read_text()
    capsys.readouterr()


def test_help_states_the_judging_rule(capsys):
    assert main(["check", "--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "|w − t| ≤ atol + rtol·|t|" in out and "--sigfigs" in out


@pytest.mark.parametrize("example", ["hand-backprop", "mazur-sigmoid"])
@pytest.mark.parametrize("exact", [[], ["--exact"]])
def test_the_examples_markdown_export_checks_all_right(tmp_path, capsys, example, exact):
    key = tmp_path / "key.md"
    assert main(["example", example, *exact, "--markdown", str(key)]) == 0
    assert f"- spec: {example}" in key.read_text()
    assert main(["check", str(key)]) == 0
    assert "Every value is right." in capsys.readouterr().out


def test_a_worksheet_filled_in_from_the_blank_checks(tmp_path, capsys):
    blank = _write(tmp_path, capsys, "mazur-sigmoid")
    row = "| 1 | [0.3775, 0.3925] | [0.5933, 0.5969] | [0.2413, 0.2406] |"  # Mazur's s(1), a(1), a'(1)
    text = blank.read_text().replace("| 1 |   |   |   |", row, 1)  # the feed-forward table's row 1
    blank.write_text(text.replace("\nC =   \n", "\nC = 0.2984\n"))
    assert main(["check", str(blank)]) == 1
    out = capsys.readouterr().out
    assert "7 right, 0 root mistake(s), 0 carried" in " ".join(out.split())
