"""Grade a class: every submission checked against its student's problem in one process (or a few
workers), one row per student in grades.csv, one feedback file per student (the checker's Markdown
report with the working). A submission that cannot be read, or matched, is a row with the reason."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from backprop_tutor.check.checker import Checker
from backprop_tutor.check.marking import Marking, Verdict
from backprop_tutor.check.numbers import Tolerance
from backprop_tutor.check.report import expected_text, to_markdown
from backprop_tutor.errors import TutorError
from backprop_tutor.fileio import write_text_atomic
from backprop_tutor.grading.matching import Submission
from backprop_tutor.grading.policy import CreditPolicy
from backprop_tutor.grading.roster import ClassSet, Problem

COLUMNS = ["student", "seed", "file", "score", "max", "right", "root", "carried", "missing", "shape", "first_root",
           "reason"]
NO_SUBMISSION = "no submission"


@dataclass(frozen=True)
class Graded:
    """One row of the gradebook, the student's feedback (Markdown; "" when not graded) and, for the class
    summary, each wrong cell as (cell, verdict, the misconception the checker named or "")."""

    student: str
    seed: int | None
    file: str
    score: float | None
    maximum: float | None
    totals: dict[str, int] = field(default_factory=dict)
    first_root: str = ""
    reason: str = ""
    feedback: str = ""
    wrong: tuple[tuple[str, str, str], ...] = ()

    @property
    def graded(self) -> bool:
        return self.score is not None

    def csv_row(self) -> dict[str, object]:
        return {"student": self.student, "seed": "" if self.seed is None else self.seed, "file": self.file,
                "score": "" if self.score is None else round(self.score, 4),
                "max": "" if self.maximum is None else round(self.maximum, 4),
                **{v.value: self.totals.get(v.value, "") for v in Verdict},
                "first_root": self.first_root, "reason": self.reason}


def problem_maximum(problem: Problem, policy: CreditPolicy) -> float:
    sizes = [int(n) for n in problem.sizes.split("-")]
    return policy.maximum(sizes, problem.activations.endswith("softmax"))


def grade_one(sub: Submission, policy: CreditPolicy, tolerance: Tolerance) -> Graded:
    """Check one matched submission; a file that cannot be read is a row with the checker's message."""
    problem = sub.problem
    if problem is None:
        return Graded("", None, sub.path.name, None, None, reason=sub.reason)
    if sub.reason:
        return Graded(problem.student, problem.seed, sub.path.name, None, problem_maximum(problem, policy),
                      reason=sub.reason)
    try:
        marking = Checker(problem.spec, tolerance).check(sub.path)
    except TutorError as err:
        reason = str(err).replace(str(sub.path), sub.path.name)
        return Graded(problem.student, problem.seed, sub.path.name, None, problem_maximum(problem, policy),
                      reason=" ".join(reason.split()))
    except Exception as err:  # a defect of ours on one sheet must not stop a class of 300: that sheet's row says it
        return Graded(problem.student, problem.seed, sub.path.name, None, problem_maximum(problem, policy),
                      reason=f"could not be checked ({type(err).__name__}: {err}); please report this file")
    score, maximum = policy.score(marking)
    return Graded(problem.student, problem.seed, sub.path.name, score, maximum, marking.totals(),
                  first_root_line(marking), feedback=feedback(problem, marking, policy, score, maximum),
                  wrong=tuple((c.name, c.verdict.value, c.misconception) for c in marking.cells
                              if c.verdict in (Verdict.ROOT, Verdict.SHAPE, Verdict.CARRIED)))


def first_root_line(marking: Marking) -> str:
    cell = marking.first_root
    if cell is None:
        return ""
    why = cell.misconception or cell.note
    return f"{cell.name}: wrote {cell.written}, is {expected_text(cell, 8)}" + (f" ({why})" if why else "")


def feedback(problem: Problem, marking: Marking, policy: CreditPolicy, score: float, maximum: float) -> str:
    who = f"{problem.student} (seed {problem.seed})" if problem.student else f"seed {problem.seed}"
    return (f"# Feedback for {who}\n\nScore: {score:g} of {maximum:g} ({policy.describe()}).\n\n"
            + to_markdown(marking).replace("# Check: ", "## ", 1))


def grade_all(subs: list[Submission], policy: CreditPolicy, tolerance: Tolerance, workers: int = 1) -> list[Graded]:
    """Every submission graded, in order; ``workers`` > 1 shares them among that many processes."""
    if workers <= 1 or len(subs) < 2 * workers:
        return [grade_one(s, policy, tolerance) for s in subs]
    chunks = [subs[i::workers] for i in range(workers)]
    with ProcessPoolExecutor(workers) as pool:
        parts = list(pool.map(_grade_chunk, chunks, [policy] * workers, [tolerance] * workers))
    by_path = {g_path: g for part in parts for g_path, g in part}
    return [by_path[s.path] for s in subs]


def _grade_chunk(subs: list[Submission], policy: CreditPolicy, tolerance: Tolerance) -> list[tuple[Path, Graded]]:
    return [(s.path, grade_one(s, policy, tolerance)) for s in subs]


def with_absent(graded: list[Graded], klass: ClassSet, policy: CreditPolicy) -> list[Graded]:
    """The gradebook: a row per problem of the class (its submission's; each file's, when two claim it; or
    "no submission"), then the files that match no problem."""
    by_seed: dict[int, list[Graded]] = {}
    for g in graded:
        if g.seed is not None:
            by_seed.setdefault(g.seed, []).append(g)
    rows = []
    for p in sorted(klass.problems.values(), key=lambda p: p.seed):
        rows += by_seed.get(p.seed) or [Graded(p.student, p.seed, "", None, problem_maximum(p, policy),
                                               reason=NO_SUBMISSION)]
    return rows + [g for g in graded if g.seed is None]


def grades_csv(rows: Iterable[Graded]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(r.csv_row() for r in rows)
    return buffer.getvalue()


def write_feedback(folder: Path, rows: Iterable[Graded]) -> int:
    """One Markdown file per graded student, feedback/<student or seed-N>.md; returns how many."""
    n = 0
    for row in rows:
        if row.feedback:
            name = row.student or f"seed-{row.seed}"
            write_text_atomic(folder / f"{_safe(name)}.md", row.feedback)
            n += 1
    return n


def _safe(name: str) -> str:
    """A student id as a file name (an email's @ and . are fine; a slash is not)."""
    return "".join(c if c.isalnum() or c in "@.-_+" else "_" for c in name).lstrip(".") or "student"
