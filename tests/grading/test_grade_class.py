"""`tutor grade`: a class of 40 random problems and its submissions (all right, one root slip with carried
cells, blanks, junk, unmatched files) grades to the expected gradebook; nothing submitted is changed."""

from __future__ import annotations

import csv
import hashlib
import shutil

import pytest
from cores import hold_to_cores
from grading_helpers import bias_left_out_values, cells, make_class, write_slipped

from backprop_tutor.cli import main

MAX = cells([3, 2, 2, 3], softmax=True)  # the default problems' worksheet: 72 numbers


@pytest.fixture(scope="module")
def klass(tmp_path_factory):
    return make_class(tmp_path_factory.mktemp("c") / "class", "1-40")


def _submissions(klass, folder):
    folder.mkdir()
    for seed in range(1, 11):  # all right: the answer key (Markdown)
        shutil.copy(klass / f"seed-{seed}" / "key.md", folder / f"seed-{seed}.md")
    for seed in range(11, 21):  # one root slip, every later value carried from it (JSON)
        write_slipped(klass / f"seed-{seed}" / "spec.toml", folder / f"seed-{seed}.json")
    for seed in range(21, 31):  # blank worksheets
        shutil.copy(klass / f"seed-{seed}" / "worksheet.md", folder / f"seed-{seed}.md")
    (folder / "seed-31.md").write_bytes(bytes(range(256)) * 8)  # binary junk
    (folder / "seed-32.toml").write_text("")  # empty
    (folder / "seed-33.md").write_text("x" * 1_100_000)  # far too big to be a worksheet
    shutil.copy(klass / "seed-34" / "key.md", folder / "seed-34.md")  # two files for one student
    shutil.copy(klass / "seed-34" / "key.md", folder / "SEED_34.toml.md")
    shutil.copy(klass / "seed-35" / "key.md", folder / "seed-99.md")  # a seed the class does not have
    shutil.copy(klass / "seed-35" / "key.md", folder / "homework.md")  # whose?
    for seed in (36, 37, 38):  # s(1) without its bias, every later value carried: a named misconception
        write_slipped(klass / f"seed-{seed}" / "spec.toml", folder / f"seed-{seed}.json", bias_left_out_values)
    assert main(["worksheet", str(klass / "seed-39" / "spec.toml"), "--format", "toml", "--key"]) == 0
    return folder


def _digest(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_a_class_of_40_grades_to_the_expected_gradebook(klass, tmp_path, capsys):
    subs = _submissions(klass, tmp_path / "submissions")
    (subs / "seed-39.toml").write_text(capsys.readouterr().out)  # a TOML answer key: a mix of formats
    before = _digest(subs)
    assert main(["grade", str(klass), str(subs), "--out", str(tmp_path / "grades")]) == 1  # some not gradable
    assert _digest(subs) == before
    rows = {(r["seed"], r["file"]): r for r in csv.DictReader((tmp_path / "grades" / "grades.csv").open())}
    for seed in range(1, 11):
        r = rows[(str(seed), f"seed-{seed}.md")]
        assert (float(r["score"]), float(r["max"]), r["right"], r["root"], r["reason"]) == (MAX, MAX, str(MAX), "0", "")
    for seed in range(11, 21):
        r = rows[(str(seed), f"seed-{seed}.json")]
        assert r["root"] == "1" and int(r["carried"]) >= 1 and r["missing"] == "0", r
        assert float(r["score"]) == MAX - 1  # the slip costs its own cell; carried cells keep their credit
        assert r["first_root"].startswith("s(1)[") and ": wrote " in r["first_root"]
    for seed in range(21, 31):
        r = rows[(str(seed), f"seed-{seed}.md")]
        assert (float(r["score"]), r["missing"]) == (0, str(MAX))
    reasons = {key[1]: r["reason"] for key, r in rows.items()}
    assert "not UTF-8" in reasons["seed-31.md"] and "not an answer file" in reasons["seed-32.toml"]
    assert "is not a worksheet" in reasons["seed-33.md"]
    assert "two submissions for seed 34" in reasons["seed-34.md"]
    assert reasons["seed-34.md"] == reasons["SEED_34.toml.md"]
    assert "seed 99 is not a problem of this class" in reasons["seed-99.md"]
    assert "cannot tell whose problem this is" in reasons["homework.md"]
    for seed in (35, 40):
        assert rows[(str(seed), "")]["reason"] == "no submission"
    assert float(rows[("39", "seed-39.toml")]["score"]) == MAX
    for seed in (36, 37, 38):
        assert "(bias-left-out)" in rows[(str(seed), f"seed-{seed}.json")]["first_root"]
    assert len(rows) == 40 + 3  # one row per student, then the files that match no student
    feedback = (tmp_path / "grades" / "feedback" / "seed-11.md").read_text()
    assert "✗ root" in feedback and "✗ carried" in feedback and f"Score: {MAX - 1} of {MAX}" in feedback
    summary = (tmp_path / "grades" / "summary.md").read_text()
    assert "34 submissions graded, 7 could not be graded, 2 students without a submission" in summary
    named = summary.split("Misconceptions most often named")[1]
    assert "| bias-left-out |" in named
    assert "s(1)[" in summary.split("Cells most often wrong")[1]
    assert (tmp_path / "grades" / "histogram.png").read_bytes()[:4] == b"\x89PNG"
    capsys.readouterr()


def test_the_credit_policy_and_weights_change_the_scores(klass, tmp_path, capsys):
    subs = tmp_path / "subs"
    subs.mkdir()
    write_slipped(klass / "seed-11" / "spec.toml", subs / "seed-11.json")
    assert main(["grade", str(klass), str(subs), "--out", str(tmp_path / "g"), "--carried", "0.5"]) == 0
    r = next(r for r in csv.DictReader((tmp_path / "g" / "grades.csv").open()) if r["file"])
    carried = int(r["carried"])
    assert float(r["score"]) == MAX - 1 - carried / 2
    assert main(["grade", str(klass), str(subs), "--out", str(tmp_path / "w"), "--weight", "s=3"]) == 0
    r = next(r for r in csv.DictReader((tmp_path / "w" / "grades.csv").open()) if r["file"])
    assert float(r["max"]) == MAX + 2 * 7 and float(r["score"]) == MAX + 2 * 7 - 3  # the slipped s cell: 3 points
    capsys.readouterr()


def test_a_student_column_names_the_files(klass, tmp_path, capsys):
    moved = tmp_path / "class"
    shutil.copytree(klass, moved)
    rows = list(csv.DictReader((moved / "index.csv").open()))
    for row in rows:
        row["student"] = f"s{int(row['seed']):03d}@uni.edu"
    with (moved / "index.csv").open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=[*rows[0]])
        writer.writeheader()
        writer.writerows(rows)
    subs = tmp_path / "subs"
    subs.mkdir()
    shutil.copy(moved / "seed-7" / "key.md", subs / "S007@uni.edu.md")
    assert main(["grade", str(moved), str(subs), "--out", str(tmp_path / "g")]) == 0
    graded = [r for r in csv.DictReader((tmp_path / "g" / "grades.csv").open()) if r["file"]]
    assert [(r["student"], r["seed"], float(r["score"])) for r in graded] == [("s007@uni.edu", "7", MAX)]
    assert (tmp_path / "g" / "feedback" / "s007@uni.edu.md").is_file()
    capsys.readouterr()


@pytest.mark.parametrize(("make", "message"), [
    (lambda t, k: (t / "nothing", t / "subs"), "not a class folder (no index.csv)"),
    (lambda t, k: (k, t / "missing"), "not a folder of submissions"),
    (lambda t, k: (k, k), "inside the submissions folder"),
])
def test_an_unusable_class_or_folder_exits_2(klass, tmp_path, capsys, make, message):
    (tmp_path / "subs").mkdir()
    (tmp_path / "nothing").mkdir()
    class_dir, subs = make(tmp_path, klass)
    out = subs / "grades" if subs == klass else tmp_path / "g"
    assert main(["grade", str(class_dir), str(subs), "--out", str(out)]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert message in err and "Traceback" not in err
    assert not out.exists()


def test_an_index_written_before_paths_were_relative_and_without_sizes_still_grades(klass, tmp_path, capsys):
    """index.csv as `tutor worksheet` wrote it before: paths relative to where it was run, and (hand-edited)
    only the seed and spec columns."""
    old = tmp_path / "old"
    shutil.copytree(klass, old)
    (old / "index.csv").write_text("seed,spec\n" + "".join(f"{s},elsewhere/class/seed-{s}/spec.toml\n"
                                                           for s in range(1, 41)))
    subs = tmp_path / "subs"
    subs.mkdir()
    shutil.copy(old / "seed-2" / "key.md", subs / "seed-2.md")
    assert main(["grade", str(old), str(subs), "--out", str(tmp_path / "g")]) == 0
    row = next(r for r in csv.DictReader((tmp_path / "g" / "grades.csv").open()) if r["file"])
    assert (row["seed"], float(row["score"]), float(row["max"])) == ("2", MAX, MAX)
    absent = next(r for r in csv.DictReader((tmp_path / "g" / "grades.csv").open()) if r["seed"] == "1")
    assert float(absent["max"]) == MAX and absent["reason"] == "no submission"
    capsys.readouterr()


@pytest.mark.parametrize(("cores", "workers"), [(1, 1), (2, 2), (8, 2)])
def test_grade_shares_the_class_among_the_cores_this_process_may_use(klass, tmp_path, capsys, monkeypatch, cores,
                                                                      workers):
    """Two processes at most by default, and one where the process may run on one core only (`taskset`, a
    container), however many the machine has."""
    import backprop_tutor.grading.gradebook as gradebook

    hold_to_cores(monkeypatch, cores, machine=16)
    used = []
    grade_all = gradebook.grade_all
    monkeypatch.setattr(gradebook, "grade_all", lambda *args: used.append(args[-1]) or grade_all(*args))
    subs = tmp_path / "subs"
    subs.mkdir()
    shutil.copy(klass / "seed-1" / "key.md", subs / "seed-1.md")
    assert main(["grade", str(klass), str(subs), "--out", str(tmp_path / "g")]) == 0
    assert used == [workers]
    capsys.readouterr()
