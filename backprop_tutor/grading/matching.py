"""Which submission is whose problem.

A submission file is matched by its name without the extension:
  1. a student of index.csv's `student` column (case does not matter; ana@uni.edu.md is ana@uni.edu): that
     student's problem;
  2. `seed-N` (also `seed_N`, `seedN`; before the first dot): problem N.
Anything else is not guessed: a file that matches no problem, names a seed the class does not have, or
is one of two files for one problem gets a row with the reason, and is not graded.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from backprop_tutor.grading.roster import ClassSet, Problem

SEED_NAME = re.compile(r"seed[-_]?(\d+)", re.IGNORECASE)
#: A worksheet is a few kB; a file far beyond this is not one (and is not read whole to find out).
MAX_BYTES = 1_000_000


@dataclass(frozen=True)
class Submission:
    """A file of the submissions folder: its problem (None: no problem matches), and why it is not graded
    ("" when it is to be graded)."""

    path: Path
    problem: Problem | None
    reason: str = ""


def problem_of(path: Path, klass: ClassSet) -> tuple[Problem | None, str]:
    """The problem a file's name names, or (None, why not)."""
    students = klass.by_student()
    for name in (path.stem, path.name.split(".", 1)[0]):  # ana@uni.edu.md, ana.md.txt
        if name.casefold() in students:
            return students[name.casefold()], ""
    seed = SEED_NAME.fullmatch(path.name.split(".", 1)[0])
    if seed is None:
        how = "a student of index.csv's student column, or " if klass.by_student() else ""
        return None, (f"cannot tell whose problem this is: name the file after {how}its seed, seed-N.md "
                      f"(N one of {klass.seeds_text()})")
    problem = klass.problems.get(int(seed.group(1)))
    if problem is None:
        return None, f"seed {int(seed.group(1))} is not a problem of this class (index.csv has {klass.seeds_text()})"
    return problem, ""


def match(files: list[Path], klass: ClassSet) -> list[Submission]:
    """Every file with its problem or its reason; two files for one problem are both refused."""
    found = [(path, *problem_of(path, klass)) for path in files]
    claims: dict[int, list[Path]] = defaultdict(list)
    for path, problem, _ in found:
        if problem is not None:
            claims[problem.seed].append(path)
    out = []
    for path, problem, reason in found:
        if problem is not None and len(claims[problem.seed]) > 1:
            names = ", ".join(p.name for p in claims[problem.seed])
            reason = f"two submissions for {_whose(problem)} ({names}): keep one, then grade again"
        elif problem is not None and path.stat().st_size > MAX_BYTES:
            reason = f"{path.stat().st_size / 1e6:.0f} MB is not a worksheet (a filled-in sheet is a few kB): not read"
        out.append(Submission(path, problem, reason))
    return out


def _whose(problem: Problem) -> str:
    return f"{problem.student} (seed {problem.seed})" if problem.student else f"seed {problem.seed}"


def submission_files(folder: Path) -> list[Path]:
    """The files of a submissions folder, sorted (not its subfolders, not hidden files such as .DS_Store)."""
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
