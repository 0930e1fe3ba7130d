"""The platform adapters: a Gradescope autograder run in a simulated /autograder tree, a PrairieLearn question
graded through server.py's grade(data) with numpy and mpmath alone."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile

import pytest
from grading_helpers import cells, make_class, slipped_values

from backprop_tutor.cli import main
from backprop_tutor.grading.pl_question import input_name

MAX = cells([3, 2, 2, 3], softmax=True)
#: Gradescope's results.json (autograder specifications): the fields we write and the values they may take
OUTPUT_FORMATS = {"text", "html", "simple_format", "md", "ansi"}
VISIBILITIES = {"hidden", "after_due_date", "after_published", "visible"}


@pytest.fixture(scope="module")
def klass(tmp_path_factory):
    return make_class(tmp_path_factory.mktemp("c") / "class", "1-6")


def _autograder(klass, tmp_path, capsys):
    zipped = tmp_path / "autograder.zip"
    assert main(["export", "gradescope", str(klass), "--out", str(zipped)]) == 0
    capsys.readouterr()
    root = tmp_path / "autograder"
    with zipfile.ZipFile(zipped) as zf:
        assert {"setup.sh", "run_autograder"} <= set(zf.namelist())  # at the root of the archive
        zf.extractall(root / "source")
    (root / "submission").mkdir()
    return root


def _run(root, metadata: dict) -> dict:
    (root / "submission_metadata.json").write_text(json.dumps(metadata))
    env = {**os.environ, "TUTOR_AUTOGRADER_ROOT": str(root), "TUTOR_PYTHON": sys.executable, "PYTHONPATH": ""}
    done = subprocess.run(["bash", str(root / "source" / "run_autograder")], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads((root / "results" / "results.json").read_text())


def _valid(results: dict) -> None:
    """The fields and types of Gradescope's results.json spec; status set explicitly on every test."""
    assert isinstance(results["score"], (int, float)) and isinstance(results["execution_time"], (int, float))
    assert results["output_format"] in OUTPUT_FORMATS and results["visibility"] in VISIBILITIES
    assert results["stdout_visibility"] in VISIBILITIES and isinstance(results["output"], str)
    for test in results["tests"]:
        assert isinstance(test["name"], str) and isinstance(test["output"], str)
        assert isinstance(test["score"], (int, float)) and isinstance(test["max_score"], (int, float))
        assert test["status"] in ("passed", "failed") and test["output_format"] in OUTPUT_FORMATS
        assert test["visibility"] in VISIBILITIES
        assert (test["status"] == "passed") == (test["max_score"] > 0 and test["score"] >= test["max_score"])


def test_the_gradescope_autograder_grades_a_slip_by_quantity_group(klass, tmp_path, capsys):
    root = _autograder(klass, tmp_path, capsys)
    values = slipped_values(klass / "seed-3" / "spec.toml")
    from grading_helpers import answers_doc
    (root / "submission" / "seed-3.json").write_text(json.dumps(answers_doc(values, 3)))
    results = _run(root, {"users": [{"email": "ana@uni.edu", "id": 7, "name": "Ana", "sid": "a1"}]})
    _valid(results)
    assert results["score"] == MAX - 1 == sum(t["score"] for t in results["tests"])
    names = [t["name"] for t in results["tests"]]
    assert names[0].startswith("feed-forward") and "δ(3)" in names and "δ(1)" in names
    assert names[-2].startswith("gradients") and names[-1].startswith("updates")
    forward = results["tests"][0]
    assert forward["status"] == "failed" and forward["score"] == forward["max_score"] - 1
    assert "✗ root" in forward["output"] and "working: s(1)[" in forward["output"] and "✗ carried" in forward["output"]
    assert sum(t["max_score"] for t in results["tests"]) == MAX


def test_the_gradescope_autograder_finds_the_student_by_the_index_student_column(klass, tmp_path, capsys):
    named = tmp_path / "class"
    shutil.copytree(klass, named)
    index = (named / "index.csv").read_text().splitlines()
    rows = [index[0] + ",student"] + [line + f",s{n}" for n, line in enumerate(index[1:], start=1)]
    (named / "index.csv").write_text("\n".join(rows) + "\n")
    root = _autograder(named, tmp_path, capsys)
    shutil.copy(named / "seed-5" / "key.md", root / "submission" / "my answers.md")
    results = _run(root, {"users": [{"email": "x@uni.edu", "id": 9, "name": "X", "sid": "s5"}]})
    _valid(results)
    assert results["score"] == MAX and all(t["status"] == "passed" for t in results["tests"])


def test_an_ungradable_submission_gives_a_failed_test_with_the_reason(klass, tmp_path, capsys):
    root = _autograder(klass, tmp_path, capsys)
    (root / "submission" / "notes.md").write_text("I did not finish")
    results = _run(root, {"users": [{"email": "x@uni.edu", "id": 9, "name": "X", "sid": "nobody"}]})
    _valid(results)
    assert results["score"] == 0 and results["tests"][0]["status"] == "failed"
    assert "cannot tell whose problem this is" in results["output"]


PL_RUN = """
import json, sys
for name in ("h5py", "textual", "rich", "matplotlib", "filelock"):
    sys.modules[name] = None  # any import of these fails: the question must not need them
sys.path.insert(0, sys.argv[1])
import server
data = {"params": {}, "correct_answers": {}, "submitted_answers": {}, "raw_submitted_answers": {},
        "format_errors": {}, "partial_scores": {}, "score": 0.0, "feedback": {}, "variant_seed": int(sys.argv[2]),
        "options": {}}
server.generate(data)
given = json.loads(sys.argv[3])
data["submitted_answers"] = {k: given.get(k, v) for k, v in data["correct_answers"].items() if k not in given
                             or given[k] is not None}
server.grade(data)
print(json.dumps(data))
"""


def _pl(question, seed: int, changed: dict) -> dict:
    env = {**os.environ, "PYTHONPATH": ""}
    done = subprocess.run([sys.executable, "-c", PL_RUN, str(question), str(seed), json.dumps(changed)],
                          capture_output=True, text=True, env=env, cwd=question, timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_the_prairielearn_question_grades_through_grade_data_with_numpy_alone(klass, tmp_path, capsys):
    question = tmp_path / "pl-question"
    assert main(["export", "prairielearn", str(klass), "--out", str(question)]) == 0
    capsys.readouterr()
    info = json.loads((question / "info.json").read_text())
    assert info["type"] == "v3" and len(info["uuid"]) == 36
    html = (question / "question.html").read_text()
    assert html.count("<pl-number-input ") == MAX and 'answers-name="grad_W_1_2_3"' in html
    right = _pl(question, 4, {})
    assert right["score"] == 1.0 and len(right["partial_scores"]) == MAX
    assert all(p["score"] == 1.0 for p in right["partial_scores"].values())
    slipped = slipped_values(klass / "seed-4" / "spec.toml")
    changed = {input_name(q, l, idx): float(v) for (q, l), arr in slipped.items()
               for idx, v in __import__("numpy").ndenumerate(arr)}
    changed["C"] = None  # left blank
    graded = _pl(question, 4, changed)
    scores = graded["partial_scores"]
    roots = [k for k, p in scores.items() if p["score"] == 0 and "Root mistake" in p["feedback"]]
    carried = [k for k, p in scores.items() if p["score"] == 1.0 and p["feedback"].startswith("Carried")]
    assert len(roots) == 1 and roots[0].startswith("s_1_") and carried
    assert scores["C"]["score"] == 0 and scores["C"]["feedback"] == "Missing."
    assert graded["score"] == pytest.approx((MAX - 2) / MAX)
    assert "First root mistake: s(1)[" in graded["feedback"]["summary"]
