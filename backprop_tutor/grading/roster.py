"""A class folder, as `tutor worksheet --random --seeds A-B --out CLASS` writes it: CLASS/index.csv
(one row per problem: seed, spec, worksheet, key relative to the index, sizes, activations, loss, η;
optionally a `student` column the instructor adds) and CLASS/seed-N/spec.toml."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from backprop_tutor.check.problems import read_index_rows
from backprop_tutor.errors import UsageError

INDEX = "index.csv"
#: the column of index.csv that names a problem's student (id, email or login: what submissions are named by)
STUDENT = "student"


class ClassError(UsageError):
    """A class folder that cannot be graded against: names the folder or file and what it needs."""


@dataclass(frozen=True)
class Problem:
    """One student's problem."""

    seed: int
    spec: Path
    student: str
    sizes: str
    activations: str

    @property
    def who(self) -> str:
        """How reports name this problem's student: their id, else seed-N."""
        return self.student or f"seed-{self.seed}"


@dataclass(frozen=True)
class ClassSet:
    folder: Path
    problems: dict[int, Problem]

    def by_student(self) -> dict[str, Problem]:
        return {p.student.casefold(): p for p in self.problems.values() if p.student}

    def seeds_text(self) -> str:
        seeds = sorted(self.problems)
        return f"{seeds[0]}–{seeds[-1]}" if seeds == list(range(seeds[0], seeds[-1] + 1)) else \
            ", ".join(map(str, seeds[:10])) + (" …" if len(seeds) > 10 else "")

    def settings(self) -> tuple[str, str]:
        """The (sizes, activations) every problem shares; ClassError when the class mixes them."""
        kinds = {(p.sizes, p.activations) for p in self.problems.values()}
        if len(kinds) > 1:
            raise ClassError(f"{self.folder / INDEX}: the class mixes networks ({'; '.join(map(str, sorted(kinds)))});"
                             " one question needs one layout: make one class folder per network")
        return next(iter(kinds))


def load_class(folder: Path) -> ClassSet:
    """The class in ``folder``; ClassError when it is not a class folder or a problem's spec is missing."""
    index = folder / INDEX
    if not index.is_file():
        raise ClassError(f"{folder}: not a class folder (no {INDEX}); make one with "
                         f"`tutor worksheet --random --seeds 1-40 --out {folder}`")
    try:
        rows, _ = read_index_rows(index)
    except UsageError as err:
        raise ClassError(str(err).replace("; nothing was written", "")) from None
    if not rows:
        raise ClassError(f"{index}: no problems listed")
    problems: dict[int, Problem] = {}
    for n, row in enumerate(rows, start=2):
        problem = _problem(index, n, row)
        problems[problem.seed] = problem
    _refuse_shared_students(index, problems)
    return ClassSet(folder, problems)


def _problem(index: Path, line: int, row: dict[str, str]) -> Problem:
    """One row: its spec as listed (relative to index.csv), else where `tutor worksheet` puts it (an index
    written before its paths were relative to it); sizes and activations from the spec when not listed."""
    folder, seed = index.parent, int(row["seed"])
    spec = next((p for p in (folder / (row.get("spec") or "-"), folder / f"seed-{seed}" / "spec.toml")
                 if p.is_file()), None)
    if spec is None:
        raise ClassError(f"{index}, line {line}: the spec of seed {seed} ({row.get('spec')}) is not there")
    sizes, activations = row.get("sizes") or "", row.get("activations") or ""
    if not sizes or not activations:
        from backprop_tutor.spec import load_spec

        net = load_spec(spec)
        sizes, activations = "-".join(map(str, net.sizes)), ",".join(layer.activation for layer in net.layers)
    return Problem(seed, spec, (row.get(STUDENT) or "").strip(), sizes, activations)


def _refuse_shared_students(index: Path, problems: dict[int, Problem]) -> None:
    seen: dict[str, int] = {}
    for p in problems.values():
        if p.student and p.student.casefold() in seen:
            raise ClassError(f"{index}: student {p.student!r} has two problems (seeds {seen[p.student.casefold()]} "
                             f"and {p.seed}); give each student one row")
        if p.student:
            seen[p.student.casefold()] = p.seed
