"""Practice: the worksheet asked one quantity at a time, each typed value judged at once.

The quantities are asked in the order a student computes them (`Reference.slots`, the order of the
trace's steps), and each answer is marked by the same `Marker` as `tutor check` marks a file, so a
value that follows from an earlier slip is *carried*, not a root mistake. Revealing a value instead
of typing it marks it *revealed* (`Marker.reveal`, counted apart from a cell left blank in a typed value); the
true value is then used for what follows. UI-free: the practice
screen (`backprop_tutor.tui.practice`) only reads this.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from backprop_tutor.check.answers import AnswerError, read_answers, written_from_text
from backprop_tutor.check.expected import Reference
from backprop_tutor.check.layout import Slot, ascii_key
from backprop_tutor.check.marking import Marked, Marker, Verdict
from backprop_tutor.check.numbers import Tolerance
from backprop_tutor.fileio import write_text_atomic
from backprop_tutor.plural import count
from backprop_tutor.worksheet.model import Quantity, build_worksheet

Key = tuple[Quantity, int]
#: the note `Marker.reveal` gives each cell of a quantity the student asked to see
REVEALED = "revealed"


def is_revealed(m: Marked) -> bool:
    """A cell shown with ctrl+r: not a blank the student left, not a mistake."""
    return m.verdict is Verdict.MISSING and m.note == REVEALED


class PracticeSession:
    """Which quantity is asked next, the step of the trace that writes it, and the marks so far."""

    def __init__(self, ref: Reference, tol: Tolerance | None = None, *, spec: str = "practice",
                 spec_text: str | None = None) -> None:
        self.ref = ref
        #: how a saved answer file names its spec (a built-in example or a spec file's path), and the spec
        #: file's text when it is not on disk (a --random problem): saved beside the answers
        self.spec, self.spec_text = spec, spec_text
        #: what the student typed, per quantity (a revealed one is not here: left blank in a saved file)
        self.typed: dict[Key, str] = {}
        self.saved_to: Path | None = None
        self._saved = 0  # how many typed quantities the saved file holds
        self.tolerance = tol or Tolerance()
        self._marker = Marker(ref, self.tolerance)
        entries = build_worksheet(ref.trace, ref.sample).entries
        #: the step (event index) that writes each quantity
        self.steps: dict[Key, int] = {(e.quantity, e.layer): e.step for e in entries}
        self.marks: dict[Key, list[Marked]] = {}

    @property
    def current(self) -> Slot | None:
        """The quantity asked now (None: every one is answered)."""
        return next((s for s in self.ref.slots if (s.quantity, s.layer) not in self.marks), None)

    @property
    def current_step(self) -> int | None:
        """The step that writes the quantity asked now: the furthest the student may go."""
        slot = self.current
        return None if slot is None else self.steps[(slot.quantity, slot.layer)]

    def asked_at(self, step: int) -> list[Slot]:
        """The quantities the student writes at ``step``, in order."""
        return [s for s in self.ref.slots if self.steps.get((s.quantity, s.layer)) == step]

    def answered(self, slot: Slot) -> bool:
        return (slot.quantity, slot.layer) in self.marks

    def answer(self, text: str) -> list[Marked]:
        """Judge ``text`` as the current quantity; AnswerError (nothing judged) when it is not a value."""
        slot = self.current
        if slot is None:
            raise ValueError("every quantity is answered")
        marks = self._record(slot, self._marker.mark(slot, written_from_text(text, slot)))
        self.typed[(slot.quantity, slot.layer)] = text.strip()
        return marks

    def reveal(self) -> list[Marked]:
        """Give up on the current quantity: it is marked revealed and its true value shown."""
        slot = self.current
        if slot is None:
            raise ValueError("every quantity is answered")
        return self._record(slot, self._marker.reveal(slot))

    def _record(self, slot: Slot, marks: list[Marked]) -> list[Marked]:
        self.marks[(slot.quantity, slot.layer)] = marks
        return marks

    @property
    def finished(self) -> bool:
        return self.current is None

    def counts(self) -> Counter[Verdict]:
        """How many values were judged right, root, carried, missing (revealed), shape so far."""
        return Counter(m.verdict for marks in self.marks.values() for m in marks)

    @property
    def total(self) -> int:
        """How many values the worksheet has."""
        return sum(int(self.ref.expected[(s.quantity, s.layer)].size) for s in self.ref.slots)

    @property
    def revealed(self) -> int:
        """How many values were shown with ctrl+r (the rest of ``counts()[MISSING]`` were left blank)."""
        return sum(is_revealed(m) for marks in self.marks.values() for m in marks)

    def summary(self) -> str:
        """12 right, 1 root mistake, 3 carried, 2 revealed (of 72 values)."""
        counts, total, revealed = self.counts(), self.total, self.revealed
        parts = [f"{counts[Verdict.RIGHT]} right", count(counts[Verdict.ROOT], "root mistake"),
                 f"{counts[Verdict.CARRIED]} carried", f"{revealed} revealed"]
        if counts[Verdict.MISSING] > revealed:
            parts.append(f"{counts[Verdict.MISSING] - revealed} left blank")
        if counts[Verdict.SHAPE]:
            parts.append(f"{counts[Verdict.SHAPE]} in the wrong shape")
        return ", ".join(parts) + f" (of {count(total, 'value')})"

    def resume(self, path: Path) -> int:
        """Go on from a saved answer file: its values are typed again in order, a blank before a written one is
        revealed (as it was); returns how many quantities it held. AnswerError names a value that does not read."""
        answers = read_answers(path)
        if answers.sample != self.ref.sample:
            raise AnswerError(f"{path}: its values are of sample {answers.sample}, this practice is of sample "
                              f"{self.ref.sample}: give --sample {answers.sample}")
        L = len(self.ref.given.activations)
        written = {(e.quantity, L if e.layer is None else e.layer): e.value for e in answers.entries
                   if e.value not in (None, "")}
        last = max((i for i, s in enumerate(self.ref.slots) if (s.quantity, s.layer) in written), default=-1)
        for slot in self.ref.slots[:last + 1]:
            value = written.get((slot.quantity, slot.layer))
            if value is None:
                self.reveal()
            else:
                self.answer(value if isinstance(value, str) else json.dumps(value))
        return len(written)

    # saving: the typed values as an answer file `tutor check` reads ---------------------------------------
    @property
    def unsaved(self) -> bool:
        """Typed values that no saved file holds yet."""
        return len(self.typed) > self._saved

    def answers_text(self, spec: str) -> str:
        """The typed values as a JSON answer file (docs/reference/answers.md) of ``spec``; revealed ones blank."""
        doc: dict = {"spec": spec, "sample": self.ref.sample}
        for slot in self.ref.slots:
            text = self.typed.get((slot.quantity, slot.layer))
            if text is None:
                continue
            if slot.quantity is Quantity.COST:
                doc["C"] = text
            else:
                doc.setdefault("layer", {}).setdefault(str(slot.layer), {})[ascii_key(slot.quantity)] = text
        return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"

    def save(self, folder: Path) -> Path:
        """Write the typed values to ``folder``/<spec>-practice.json (-2, -3, … when a file of that name is
        there: no file is replaced but this session's own), with a --random problem's spec beside it."""
        stem = Path(self.spec).stem
        spec = self.spec
        if self.spec_text is not None:
            spec_path = free_path(folder, stem + "-spec", ".toml", self.spec_text)
            write_text_atomic(spec_path, self.spec_text)
            spec = spec_path.name
        text = self.answers_text(spec)
        path = self.saved_to or free_path(folder, f"{stem}-practice", ".json", text)
        write_text_atomic(path, text)
        self.saved_to, self._saved = path, len(self.typed)
        return path


def free_path(folder: Path, stem: str, suffix: str, text: str) -> Path:
    """folder/stem.suffix, or stem-2.suffix, stem-3…: the first name that is free (or already holds ``text``)."""
    for n in range(1, 10_000):
        path = folder / f"{stem}{'' if n == 1 else f'-{n}'}{suffix}"
        if not path.exists() or (path.is_file() and path.read_text(encoding="utf-8", errors="replace") == text):
            return path
    raise FileExistsError(f"{folder / stem}{suffix}: 10,000 files of that name are there already")
