"""A Gradescope autograder for a class (Gradescope's autograder specification: a zip with `setup.sh` and
`run_autograder` at its root; the submission in /autograder/submission/, the student in
/autograder/submission_metadata.json; the result in /autograder/results/results.json).

The zip holds the class's specs, the grading settings and this package's source. `run_autograder` finds
the student's problem (their sid, email or id in index.csv's student column, else a submitted file named
seed-N), checks their file with `tutor check`'s checker, and writes one test per quantity group
(feed-forward, each δ(l), gradients, updates) with partial scores under the credit policy, Markdown
output with the working, and an explicit status (Gradescope counts "0 of 0 points" as passed).
`TUTOR_AUTOGRADER_ROOT` moves /autograder (for a test run); `TUTOR_PYTHON` names the interpreter.
"""

from __future__ import annotations

import json
import sys
import time
import zipfile
from pathlib import Path
from typing import Any

from backprop_tutor._version import __version__
from backprop_tutor.check.checker import ANSWER_SUFFIXES, Checker
from backprop_tutor.check.marking import Marked, Marking, Verdict
from backprop_tutor.check.numbers import Tolerance
from backprop_tutor.check.report import expected_text, first_root_text, summary
from backprop_tutor.errors import TutorError
from backprop_tutor.fileio import write_bytes_atomic, write_text_atomic
from backprop_tutor.grading.bundle import class_files, package_files, settings_from, settings_json
from backprop_tutor.grading.matching import problem_of
from backprop_tutor.grading.policy import CreditPolicy
from backprop_tutor.grading.roster import ClassSet, Problem, load_class

SETUP = """\
#!/usr/bin/env bash
# Installs backprop_tutor {version}: from the registry at the version that made this autograder, else
# from the copy of its source in this zip (run_autograder uses that copy in any case).
cd "$(dirname "$0")"
python3 -m pip install "backprop_tutor=={version}" || python3 -m pip install ./package || true
"""

RUN = """\
#!/usr/bin/env bash
# Gradescope runs this in /autograder; TUTOR_AUTOGRADER_ROOT moves it (a test run), TUTOR_PYTHON picks python.
ROOT="${TUTOR_AUTOGRADER_ROOT:-/autograder}"
export PYTHONPATH="$ROOT/source/package${PYTHONPATH:+:$PYTHONPATH}"
exec "${TUTOR_PYTHON:-python3}" -m backprop_tutor.grading.gradescope "$ROOT"
"""


def build_autograder(klass: ClassSet, target: Path, policy: CreditPolicy, tolerance: Tolerance) -> Path:
    """The autograder zip for ``klass``, written atomically to ``target``."""
    import io

    files = {"setup.sh": SETUP.format(version=__version__).encode(), "run_autograder": RUN.encode(),
             "grading.json": settings_json(policy, tolerance).encode(), **class_files(klass, "class"),
             **package_files("package"), "package/pyproject.toml": _pyproject()}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in sorted(files.items()):
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.external_attr = (0o755 if name in ("setup.sh", "run_autograder") else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return write_bytes_atomic(target, buffer.getvalue())


def _pyproject() -> bytes:
    """A pyproject for the bundled copy: what grading needs (the checker: numpy and mpmath; its report: Rich)."""
    return (f'[build-system]\nrequires = ["setuptools>=68"]\nbuild-backend = "setuptools.build_meta"\n\n'
            f'[project]\nname = "backprop_tutor"\nversion = "{__version__}"\n'
            f'requires-python = ">=3.11"\ndependencies = ["numpy>=2.0", "mpmath>=1.3", "rich>=14.0"]\n\n'
            f'[tool.setuptools.packages.find]\ninclude = ["backprop_tutor*"]\n\n'
            f'[tool.setuptools.package-data]\nbackprop_tutor = ["examples/*.toml", "tui/*.tcss"]\n').encode()


# --- inside the autograder ---------------------------------------------------------------------
def run(root: Path) -> dict[str, Any]:
    """Grade the submission in ``root`` (/autograder) and write ``root``/results/results.json."""
    start = time.monotonic()
    source = root / "source"
    try:
        policy, tolerance = settings_from(json.loads((source / "grading.json").read_text(encoding="utf-8")))
        klass = load_class(source / "class")
        problem, path = find_submission(root, klass)
        results = results_for(Checker(problem.spec, tolerance).check(path), problem, policy)
    except TutorError as err:
        results = refusal(str(err).replace(str(root / "submission") + "/", ""))
    except (OSError, ValueError, KeyError) as err:  # the autograder's own files damaged: say so, still a result
        results = refusal(f"the autograder is damaged ({type(err).__name__}: {err}); tell your instructor")
    results["execution_time"] = round(time.monotonic() - start, 3)
    write_text_atomic(root / "results" / "results.json", json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    return results


def find_submission(root: Path, klass: ClassSet) -> tuple[Problem, Path]:
    """The student's problem and their answer file; TutorError saying what is wrong."""
    folder = root / "submission"
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in ANSWER_SUFFIXES
                   and not p.name.startswith(".")) if folder.is_dir() else []
    if len(files) != 1:
        raise TutorError(f"submit exactly one answer file (.md, .toml or .json); found {len(files)}"
                         + (f": {', '.join(p.name for p in files)}" if files else ""))
    students = klass.by_student()
    for who in _users(root / "submission_metadata.json"):
        if who.casefold() in students:
            return students[who.casefold()], files[0]
    problem, reason = problem_of(files[0], klass)
    if problem is None:
        raise TutorError(f"{files[0].name}: {reason}")
    return problem, files[0]


def _users(path: Path) -> list[str]:
    """The submitter's sid, email and id from submission_metadata.json (every user of a group)."""
    try:
        users = json.loads(path.read_text(encoding="utf-8")).get("users") or []
    except (OSError, ValueError, AttributeError):
        return []
    return [str(u[k]) for u in users if isinstance(u, dict) for k in ("sid", "email", "id") if u.get(k)]


def results_for(marking: Marking, problem: Problem, policy: CreditPolicy) -> dict[str, Any]:
    score = policy.score(marking)[0]
    tests = [{"name": name, "score": round(got, 4), "max_score": round(most, 4),
              "status": "passed" if got >= most else "failed", "output": _cells_markdown(cells),
              "output_format": "md", "visibility": "visible"} for name, got, most, cells in policy.groups(marking)]
    return {"score": round(score, 4), "output": f"{summary(marking)}. {first_root_text(marking)}\n\n"
            f"Graded against problem {problem.seed}; {policy.describe()}; judged {marking.tolerance.describe()}.",
            "output_format": "md", "visibility": "visible", "stdout_visibility": "hidden", "tests": tests}


def refusal(reason: str) -> dict[str, Any]:
    return {"score": 0.0, "output": f"Your submission could not be graded: {reason}", "output_format": "md",
            "visibility": "visible", "stdout_visibility": "hidden",
            "tests": [{"name": "reading your submission", "score": 0.0, "max_score": 0.0, "status": "failed",
                       "output": reason, "output_format": "md", "visibility": "visible"}]}


def _cells_markdown(cells: list[Marked]) -> str:
    lines = ["| cell | yours | expected | verdict | note |", "| --- | --- | --- | --- | --- |"]
    for c in cells:
        note = "; ".join(t for t in (c.misconception, c.note, c.working and f"working: {c.working}",
                                     c.yours and f"from your values: {c.yours}") if t)
        shown = expected_text(c, 8) if c.verdict is not Verdict.RIGHT else ""
        lines.append("| " + " | ".join(_md(t) for t in (c.name, c.written or "", shown, c.verdict.mark, note)) + " |")
    return "\n".join(lines)


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ") or " "


if __name__ == "__main__":
    run(Path(sys.argv[1] if len(sys.argv) > 1 else "/autograder"))
