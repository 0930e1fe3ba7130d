"""`tutor check` and `tutor worksheet`, run as a user runs them."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import pytest

from backprop_tutor.cli import main
from backprop_tutor.spec import resolve_example

HAND_SPEC = resolve_example("hand-backprop")


def _write(tmp_path, capsys, *args: str, name: str = "a.md"):
    assert main(["worksheet", *args]) == 0
    path = tmp_path / name
    path.write_text(capsys.readouterr().out, encoding="utf-8")
    return path


def test_engine_filled_worksheet_checks_all_right_exit_0(tmp_path, capsys):
    key = _write(tmp_path, capsys, "hand-backprop", "--key")
    assert main(["check", str(key)]) == 0
    out = capsys.readouterr().out
    assert "72 right, 0 root mistakes, 0 carried, 0 missing" in out and "Every value is right." in out


def test_blank_worksheet_is_all_missing_exit_1(tmp_path, capsys):
    blank = _write(tmp_path, capsys, "hand-backprop")
    assert main(["check", str(blank)]) == 1
    assert "0 right, 0 root mistakes, 0 carried, 72 missing" in capsys.readouterr().out


def test_reports_name_the_first_root_mistake_and_write_markdown_and_json(tmp_path, capsys):
    key = _write(tmp_path, capsys, "hand-backprop", "--key")
    key.write_text(key.read_text().replace("| 2 | [6, 15] |", "| 2 | [7, 15] |"))
    md, js = tmp_path / "report.md", tmp_path / "report.json"
    assert main(["check", str(key), "--markdown", str(md), "--json", str(js)]) == 1
    out = " ".join(capsys.readouterr().out.split())
    assert "First root mistake: s(2)[1]: you wrote 7; it is 6." in out
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
        assert main(["check", str(out / row["key"])]) == 0
        assert main(["check", str(out / row["worksheet"])]) == 1
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
    assert "7 right, 0 root mistakes, 0 carried" in " ".join(out.split())


def _slipped_key(tmp_path, capsys, name: str = "a.md"):
    key = _write(tmp_path, capsys, "hand-backprop", "--key", name=name)
    key.write_text(key.read_text().replace("| 2 | [6, 15] |", "| 2 | [7, 15] |"))
    return key


@pytest.mark.parametrize(("flag", "first"), [("--json", "{"), ("--markdown", "# Check: ")])
def test_a_report_to_dash_goes_to_standard_output_and_no_file_named_dash(tmp_path, capsys, monkeypatch, flag, first):
    key = _slipped_key(tmp_path, capsys)
    monkeypatch.chdir(tmp_path)
    assert main(["check", str(key), flag, "-"]) == 1
    captured = capsys.readouterr()
    assert captured.out.startswith(first) and "s(2)[1]" in captured.out and "┏" not in captured.out
    assert "First root mistake" in captured.err  # the table for a person goes to standard error
    assert not (tmp_path / "-").exists()
    if flag == "--json":
        assert json.loads(captured.out)["totals"]["root"] == 1


def test_json_and_markdown_cannot_both_go_to_standard_output(tmp_path, capsys):
    key = _slipped_key(tmp_path, capsys)
    assert main(["check", str(key), "--json", "-", "--markdown", "-"]) == 2
    assert "give all but one of them a file name" in capsys.readouterr().err


def test_expected_values_show_the_digits_the_student_used_and_json_every_digit(tmp_path, capsys):
    key = _write(tmp_path, capsys, "hand-backprop", "--key")
    key.write_text(key.read_text().replace("[42, -31, 25] | [0.99999996,", "[42, -31, 25] | [0.9,"))
    js = tmp_path / "r.json"
    assert main(["check", str(key), "--json", str(js)]) == 1
    out = " ".join(capsys.readouterr().out.split())
    assert "a(3)[1]: you wrote 0.9; it is 1.0." in out  # the student wrote 1 digit: shown at the UI's 3, not 8
    cells = {c["name"]: c for c in json.loads(js.read_text())["cells"]}
    assert cells["a(3)[1]"]["expected"].startswith("0.99999995860062")  # --json: every digit
    assert cells["s(2)[1]"]["expected"] == "6"


def test_sigfigs_99_shows_enough_digits_that_the_two_numbers_differ(tmp_path, capsys):
    key = _write(tmp_path, capsys, "hand-backprop", "--key")
    assert main(["check", str(key), "--sigfigs", "99", "--json", "-"]) == 1
    out = capsys.readouterr().err
    row = next(line for line in out.splitlines() if "a(3)[1]" in line)
    written, expected = [c.strip() for c in row.split("│")[2:4]]
    assert written == "0.99999996" and expected == "0.999999959"


def test_many_sheets_in_one_call_a_line_each_and_a_total(tmp_path, capsys):
    right = _write(tmp_path, capsys, "hand-backprop", "--key", name="right.md")
    slipped = _slipped_key(tmp_path, capsys, name="slipped.md")
    assert main(["check", str(right), str(right)]) == 0
    assert main(["check", str(right), str(slipped), "--json", str(tmp_path / "class.json")]) == 1
    lines = capsys.readouterr().out.splitlines()
    at = lines.index("2 sheets: 1 all right, 1 with mistakes or blanks, 0 not read")
    assert lines[at - 2].startswith(f"{right}: ✓ 72 right")
    assert lines[at - 1] == (f"{slipped}: ✗ 71 right, 1 root mistake, 0 carried, 0 missing; first root mistake "
                             "s(2)[1]: you wrote 7; it is 6")
    docs = json.loads((tmp_path / "class.json").read_text())
    assert [(d["file"], d["all_right"]) for d in docs] == [(str(right), True), (str(slipped), False)]


def test_a_folder_of_sheets_names_one_that_cannot_be_read_and_checks_the_rest(tmp_path, capsys):
    folder = tmp_path / "class"
    folder.mkdir()
    _write(folder, capsys, "hand-backprop", "--key", name="alice.md")
    (folder / "bob.md").write_bytes(b"- spec: hand-backprop\nC = 17 caf\xe9\n")
    (folder / "notes.txt").write_text("not a sheet")
    (folder / "README.md").write_text("# Week 3\n\nHand in by Friday.\n")
    (folder / "spec.toml").write_text(HAND_SPEC.read_text())
    assert main(["check", str(folder), "--markdown", str(tmp_path / "class.md")]) == 2
    out = capsys.readouterr().out
    assert f"{folder / 'alice.md'}: ✓ 72 right" in out
    assert f"{folder / 'bob.md'}: not read: {folder / 'bob.md'} line 2: byte 0xe9 is not UTF-8" in out
    assert f"{folder / 'spec.toml'}: skipped: not an answer file" in out and "notes.txt" not in out
    assert "2 sheets: 1 all right, 0 with mistakes or blanks, 1 not read (and 2 other files skipped)" in out
    assert "## " + str(folder / "alice.md") in (tmp_path / "class.md").read_text()


def test_the_reports_written_into_the_class_folder_are_passed_over_next_time(tmp_path, capsys):
    folder = tmp_path / "class"
    folder.mkdir()
    _write(folder, capsys, "hand-backprop", "--key", name="alice.md")
    _slipped_key(folder, capsys, name="bob.md")
    args = ["check", str(folder), "--markdown", str(folder / "marks.md"), "--json", str(folder / "marks.json")]
    assert main(args) == 1
    assert main(args) == 1  # not 2: the reports of the first run are not sheets
    out = capsys.readouterr().out
    assert f"{folder / 'marks.md'}: skipped: a report of `tutor check`" in out
    assert f"{folder / 'marks.json'}: skipped: not an answer file" in out
    assert out.count("2 sheets: 1 all right, 1 with mistakes or blanks, 0 not read") == 2


def test_checking_imports_only_what_checking_needs(tmp_path, capsys):
    key = _write(tmp_path, capsys, "hand-backprop", "--key")
    code = ("import sys\nfrom backprop_tutor.cli import main\nmain(['check', sys.argv[1]])\n"
            "heavy = {'h5py', 'textual', 'matplotlib', 'backprop_tutor.cli.data', 'backprop_tutor.train', 'filelock'}\n"
            "print(sorted(heavy & set(sys.modules)), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code, str(key)], capture_output=True, text=True)
    assert done.stderr.strip().splitlines()[-1] == "[]"


def test_a_file_named_that_holds_no_answers_is_an_error_not_skipped(tmp_path, capsys):
    right = _write(tmp_path, capsys, "hand-backprop", "--key", name="right.md")
    assert main(["check", str(right), str(HAND_SPEC)]) == 2
    assert f"{HAND_SPEC}: not read: {HAND_SPEC}: not an answer file" in capsys.readouterr().out


def test_a_pattern_no_shell_expanded_is_matched_and_one_that_matches_nothing_named(tmp_path, capsys):
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        _write(tmp_path / name, capsys, "hand-backprop", "--key", name="key.md")
    assert main(["check", str(tmp_path / "*" / "key.md")]) == 0
    assert "2 sheets: 2 all right" in capsys.readouterr().out
    assert main(["check", str(tmp_path / "*" / "nothing.md")]) == 2
    assert "no file matches this pattern" in capsys.readouterr().err
