"""Check answer files: find each one's spec, compute what the worksheet should say, mark every cell.

A class's sheets are checked in one call (`Checker.check_all`): the worksheet's true values are computed
once per (spec, sample) and shared by every sheet of that problem; a sheet that cannot be read is named
and the others are still checked.
"""

from __future__ import annotations

import glob
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from backprop_tutor.check.answers import AnswerError, NotAnswers, read_answers, written_values
from backprop_tutor.check.expected import Reference, reference_for
from backprop_tutor.check.marking import Marking, mark
from backprop_tutor.check.numbers import Tolerance
from backprop_tutor.errors import TutorError, UsageError
from backprop_tutor.spec import builtin_examples, load_spec

#: the files a folder of answer sheets is read for
ANSWER_SUFFIXES = (".md", ".toml", ".json")


def answer_spec(named: str | None, answers_path: Path) -> Path:
    """The spec a file names: a built-in example, a path from here, or a path beside the answer file."""
    if named is None:
        raise AnswerError(f"{answers_path}: the file names no spec; add a line `- spec: hand-backprop` (Markdown) "
                          "or spec = \"my_net.toml\" (TOML/JSON), or give --spec SPEC")
    examples = builtin_examples()
    if named in examples:
        return examples[named]
    for candidate in (Path(named), answers_path.parent / named):
        if candidate.is_file():
            return candidate
    raise AnswerError(f"{answers_path}: spec {named!r} is neither a built-in example ({', '.join(sorted(examples))}) "
                      f"nor a spec file here or beside the answer file")


@dataclass
class Checked:
    """One sheet of a class: its marking, or why it could not be read (or, found in a folder, why it is
    not a sheet at all: ``skipped``)."""

    path: Path
    marking: Marking | None = None
    error: str = ""
    skipped: bool = False


class Checker:
    """Marks answer files against ``spec`` (None: the spec each file names), computing each problem's true
    values once."""

    def __init__(self, spec: str | Path | None = None, tolerance: Tolerance | None = None) -> None:
        self.spec = None if spec is None else Path(spec)
        self.tolerance = tolerance or Tolerance()
        self._refs: dict[tuple[Path, int], tuple[Reference, Path | None]] = {}

    def check(self, path: str | Path) -> Marking:
        """Mark the answer file at ``path``; AnswerError (or another TutorError) when it cannot be read."""
        path = Path(path)
        answers = read_answers(path)
        spec_path = self.spec if self.spec is not None else answer_spec(answers.spec, path)
        key = (spec_path.resolve(), answers.sample)
        if key not in self._refs:
            spec = load_spec(spec_path)
            self._refs[key] = (reference_for(spec, answers.sample), spec.init_file)
        ref, init_file = self._refs[key]
        marking = mark(ref, written_values(answers, ref), self.tolerance)
        marking.inputs = {"the answer file": path, "the spec": spec_path, "its [init] file": init_file}
        return marking

    def check_all(self, paths: Iterable[Path], found: frozenset[Path] = frozenset()) -> list[Checked]:
        """Mark every file; one that cannot be read is named in its `Checked`, the others still marked. A
        file of ``found`` (met in a folder, not named) that holds no answers is skipped, not an error."""
        out = []
        for path in paths:
            try:
                out.append(Checked(path, self.check(path)))
            except NotAnswers as err:
                out.append(Checked(path, error=str(err), skipped=path in found))
            except TutorError as err:
                out.append(Checked(path, error=str(err)))
        return out


def check_answers(path: str | Path, spec: str | Path | None = None, tolerance: Tolerance | None = None) -> Marking:
    """Mark the answer file at ``path`` against ``spec`` (default: the spec the file names)."""
    return Checker(spec, tolerance).check(path)


def answer_files(paths: Iterable[Path]) -> tuple[list[Path], frozenset[Path]]:
    """The answer files named: files as given, the files a pattern (``class/*/key.md``) matches, and a
    folder's .md, .toml and .json files (sorted, not its subfolders); and which were found in a folder.
    UsageError for a path that is none of these, or a folder with no such file."""
    out: list[Path] = []
    in_folders: set[Path] = set()
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in ANSWER_SUFFIXES)
            if not found:
                raise UsageError(f"{path}: a folder with no answer file ({', '.join(ANSWER_SUFFIXES)}) in it")
            out += found
            in_folders.update(found)
        elif path.is_file():
            out.append(path)
        elif any(c in str(path) for c in "*?["):  # a pattern no shell expanded (quoted, or on Windows)
            matched = sorted(Path(p) for p in glob.glob(str(path)) if Path(p).is_file())
            if not matched:
                raise UsageError(f"{path}: no file matches this pattern")
            out += matched
        else:
            raise UsageError(f"{path}: no such answer file (make one with `tutor worksheet hand-backprop > FILE.md`)")
    return out, frozenset(in_folders)
