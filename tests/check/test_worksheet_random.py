"""`tutor worksheet --random`: a user's files are never replaced, index.csv grows, seeds and sizes are bounded,
and a worksheet names its spec as seen from where the worksheet is (issue 19: items 3, 16, 22, 27)."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

from backprop_tutor.cli import main

ROOT = Path(__file__).resolve().parents[2]


def _err(capsys) -> str:
    return " ".join(capsys.readouterr().err.split())


def test_a_users_own_spec_and_key_in_out_are_never_replaced(tmp_path, capsys):
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "key.md").write_text("my own notes\n")
    assert main(["worksheet", "--random", "--seed", "3", "--out", str(mine)]) == 2
    assert "key.md is already there and is not this problem's key.md" in _err(capsys)
    assert (mine / "key.md").read_text() == "my own notes\n"
    assert sorted(p.name for p in mine.iterdir()) == ["key.md"]  # nothing half-written either
    (mine / "key.md").unlink()
    (mine / "spec.toml").write_text("# my network\n")
    assert main(["worksheet", "--random", "--seed", "3", "--out", str(mine)]) == 2
    assert (mine / "spec.toml").read_text() == "# my network\n"
    (mine / "spec.toml").unlink()
    assert main(["worksheet", "--random", "--seed", "3", "--out", str(mine)]) == 0
    assert main(["worksheet", "--random", "--seed", "3", "--out", str(mine)]) == 0  # the same problem again: fine
    assert main(["worksheet", "--random", "--seed", "4", "--out", str(mine)]) == 2  # another problem: refused


def test_a_second_seeds_range_adds_to_index_csv_keeping_the_instructors_columns(tmp_path, capsys):
    out = tmp_path / "class"
    assert main(["worksheet", "--random", "--seeds", "1-2", "--out", str(out)]) == 0
    index = out / "index.csv"
    rows = list(csv.DictReader(index.open()))
    rows[0]["student"], rows[1]["student"] = "ana", "ben"
    with index.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=[*rows[0]])
        writer.writeheader()
        writer.writerows(rows)
    assert main(["worksheet", "--random", "--seeds", "3,5", "--out", str(out)]) == 0
    rows = list(csv.DictReader(index.open()))
    assert [(r["seed"], r["student"]) for r in rows] == [("1", "ana"), ("2", "ben"), ("3", ""), ("5", "")]
    assert rows[3]["key"] == "seed-5/key.md"  # relative to index.csv: the folder can be moved or zipped
    moved = tmp_path / "moved"
    out.rename(moved)
    assert all((moved / r[name]).is_file() for r in rows for name in ("spec", "worksheet", "key"))
    assert main(["worksheet", "--random", "--seeds", "1-2", "--out", str(moved)]) == 0  # the same again: no change
    assert [r["student"] for r in csv.DictReader((moved / "index.csv").open())][:2] == ["ana", "ben"]
    capsys.readouterr()


def test_an_index_csv_that_is_not_ours_is_not_replaced(tmp_path, capsys):
    out = tmp_path / "class"
    out.mkdir()
    (out / "index.csv").write_text("name,grade\nana,A\n")
    assert main(["worksheet", "--random", "--seeds", "1-2", "--out", str(out)]) == 2
    assert "not an index this command wrote" in _err(capsys)
    assert (out / "index.csv").read_text() == "name,grade\nana,A\n" and not (out / "seed-1").exists()


@pytest.mark.parametrize(("seeds", "expected"), [("17", ["17"]), ("1,5,9", ["1", "5", "9"]),
                                                 ("2-3,7", ["2", "3", "7"])])
def test_seeds_take_one_seed_a_range_and_a_list(tmp_path, capsys, seeds, expected):
    assert main(["worksheet", "--random", "--seeds", seeds, "--out", str(tmp_path / "c")]) == 0
    assert [r["seed"] for r in csv.DictReader((tmp_path / "c" / "index.csv").open())] == expected
    capsys.readouterr()


@pytest.mark.parametrize(("args", "message"), [
    (["worksheet", "--random", "--seed", "-1", "--out", "x"], "seed -1: a problem's seed is a whole number from 0"),
    (["worksheet", "--random", "--seeds", "1-1000000", "--out", "x"], "more than 1000 problems in one call"),
    (["worksheet", "--random", "--seeds", "1,-3", "--out", "x"], "give one seed (17), a range A-B"),
    (["worksheet", "--random", "--seed", "1", "--out", "x", "--sizes", "2-2-2-2-2-2-2-2-2-2"],
     "is not a problem to compute by hand"),
    (["worksheet", "--random", "--seed", "1", "--out", "x", "--sizes", "6-6-6-6"], "108 weights"),
    (["practice", "--random", "--seed", "1", "--sizes", "2-2-2-2-2-2-2-2-2-2"], "at most 4 layers and 50 weights"),
    (["practice", "--random", "--seed", "-1"], "seed -1"),
])
def test_seeds_and_sizes_are_bounded_with_a_reason(tmp_path, capsys, args, message):
    args = [str(tmp_path / "x") if a == "x" else a for a in args]
    assert main(args) == 2
    err = _err(capsys)
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "x").exists()


def test_every_size_within_the_bounds_gives_a_problem_not_an_overflow(tmp_path, capsys):
    """A deep softmax net used to end in an overflow message where a hand-computable problem was promised."""
    assert main(["worksheet", "--random", "--seed", "1", "--out", str(tmp_path / "p"), "--sizes", "2-2-2-2-2"]) == 0
    assert main(["check", str(tmp_path / "p" / "key.md")]) == 0
    capsys.readouterr()


def test_a_worksheet_names_its_spec_relative_to_the_worksheet_file(tmp_path, capsys):
    assert main(["worksheet", "--random", "--seed", "2", "--out", str(tmp_path / "p")]) == 0
    nets = tmp_path / "nets"
    nets.mkdir()
    (nets / "mine.toml").write_text((tmp_path / "p" / "spec.toml").read_text())
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with (nets / "a.md").open("w") as sheet:  # `tutor worksheet nets/mine.toml > nets/a.md`
        subprocess.run([sys.executable, "-m", "backprop_tutor", "worksheet", "nets/mine.toml"], cwd=tmp_path,
                       stdout=sheet, env=env, check=True)
    assert "- spec: mine.toml" in (nets / "a.md").read_text()
    done = subprocess.run([sys.executable, "-m", "backprop_tutor", "check", "a.md"], cwd=nets, env=env,
                          capture_output=True, text=True)
    assert done.returncode == 1 and "missing" in done.stdout  # checked (a blank sheet), not "no spec"
    capsys.readouterr()


def test_rows_of_an_index_written_with_paths_from_elsewhere_become_relative_to_it(tmp_path, capsys):
    out = tmp_path / "class"
    assert main(["worksheet", "--random", "--seeds", "1", "--out", str(out)]) == 0
    index = out / "index.csv"
    index.write_text(index.read_text().replace("seed-1/", "somewhere/class/seed-1/"))  # how it used to be written
    assert main(["worksheet", "--random", "--seeds", "2", "--out", str(out)]) == 0
    rows = list(csv.DictReader(index.open()))
    assert [r["spec"] for r in rows] == ["seed-1/spec.toml", "seed-2/spec.toml"]
    capsys.readouterr()
