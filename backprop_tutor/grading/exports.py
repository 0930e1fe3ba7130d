"""`tutor export PLATFORM CLASS --out PATH`: one entry point for the platform adapters."""

from __future__ import annotations

from pathlib import Path

from backprop_tutor.check.numbers import Tolerance
from backprop_tutor.errors import UsageError
from backprop_tutor.grading.policy import CreditPolicy
from backprop_tutor.grading.roster import load_class
from backprop_tutor.plural import count


def export_class(platform: str, folder: Path, out: Path, policy: CreditPolicy, tolerance: Tolerance) -> str:
    """Write ``platform``'s files for the class in ``folder`` to ``out``; returns what was written, in words."""
    klass = load_class(folder)
    if out.resolve() == folder.resolve() or folder.resolve() in out.resolve().parents:
        raise UsageError(f"--out {out} is inside the class folder {folder}: write the export somewhere else")
    if platform == "gradescope":
        from backprop_tutor.grading.gradescope import build_autograder

        build_autograder(klass, out, policy, tolerance)
        return (f"wrote {out}: a Gradescope autograder for {count(len(klass.problems), 'problem')} (upload it as the "
                "assignment's autograder; students submit one answer file)")
    if platform == "prairielearn":
        from backprop_tutor.grading.prairielearn import write_question

        n = write_question(klass, out, policy, tolerance)
        return (f"wrote {out}/: a PrairieLearn question ({count(n, 'input')}, one per cell; copy the folder into your "
                "course's questions/)")
    if platform == "canvas":
        from backprop_tutor.grading.canvas import write_canvas

        groups, warned = write_canvas(klass, out, policy, tolerance)
        return (f"wrote {out}: a Canvas quiz (QTI 1.2), {groups} question groups of "
                f"{count(len(klass.problems), 'version')}"
                + (f"; {count(warned, 'value')} below 1e-4 that Canvas would zero are asked scaled (see the question)"
                   if warned else ""))
    from backprop_tutor.grading.moodle import write_moodle

    groups = write_moodle(klass, out, policy, tolerance)
    return (f"wrote {out}: Moodle XML, {count(groups, 'category', 'categories')} of {len(klass.problems)} numerical "
            "questions")
