"""Check one answer file: find its spec, compute what the worksheet should say, mark every cell."""

from __future__ import annotations

from pathlib import Path

from backprop_tutor.check.answers import AnswerError, read_answers, written_values
from backprop_tutor.check.expected import reference_for
from backprop_tutor.check.marking import Marking, mark
from backprop_tutor.check.numbers import Tolerance
from backprop_tutor.spec import builtin_examples, load_spec


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


def check_answers(path: str | Path, spec: str | Path | None = None, tolerance: Tolerance | None = None) -> Marking:
    """Mark the answer file at ``path`` against ``spec`` (default: the spec the file names)."""
    path = Path(path)
    answers = read_answers(path)
    spec_path = Path(spec) if spec is not None else answer_spec(answers.spec, path)
    spec_read = load_spec(spec_path)
    ref = reference_for(spec_read, answers.sample)
    marking = mark(ref, written_values(answers, ref), tolerance or Tolerance())
    marking.inputs = {"the answer file": path, "the spec": spec_path, "its [init] file": spec_read.init_file}
    return marking
