"""A PrairieLearn question for a class (PrairieLearn's question format: info.json, question.html and
server.py in one folder): the whole worksheet in one question, one `pl-number-input` per cell at our
tolerance, so a value carried from an earlier slip can get its credit. server.py's `generate` draws the
student's problem from the variant seed with the class's sizes and activations, and `grade` calls the
checker (`pl_question`) from the copy of this package beside it, which needs numpy and mpmath alone."""

from __future__ import annotations

import json
import uuid
from html import escape
from pathlib import Path

from backprop_tutor.check.layout import slots
from backprop_tutor.check.numbers import Tolerance
from backprop_tutor.errors import UsageError
from backprop_tutor.fileio import write_bytes_atomic, write_text_atomic
from backprop_tutor.grading.bundle import package_files, settings_doc
from backprop_tutor.grading.pl_question import input_name
from backprop_tutor.grading.policy import CreditPolicy
from backprop_tutor.grading.roster import ClassSet
from backprop_tutor.notation import cell_name

MARK = "backprop_tutor.grading.pl_question"

SERVER = '''\
"""Written by `tutor export prairielearn`: the work is done by backprop_tutor.grading.pl_question, from the
copy of backprop_tutor in package/ beside this file (it needs numpy and mpmath only)."""

import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "package"))

from {mark} import generate as _generate, grade as _grade  # noqa: E402

SETTINGS = json.loads({settings!r})


def generate(data):
    _generate(data, SETTINGS)


def grade(data):
    _grade(data, SETTINGS)
'''


def question_settings(klass: ClassSet, policy: CreditPolicy, tolerance: Tolerance) -> dict:
    sizes, activations = klass.settings()
    acts = activations.split(",")
    return {"sizes": [int(n) for n in sizes.split("-")], "hidden": acts[0] if len(acts) > 1 else "relu",
            "output": acts[-1], **settings_doc(policy, tolerance)}


def write_question(klass: ClassSet, out: Path, policy: CreditPolicy, tolerance: Tolerance) -> int:
    """Write the question folder ``out``; returns how many inputs it has. Refuses a folder that holds
    anything but a question this command wrote."""
    if out.exists() and (not out.is_dir() or (any(out.iterdir()) and MARK not in _text(out / "server.py"))):
        raise UsageError(f"--out {out}: already there and not a question `tutor export prairielearn` wrote; "
                         "give a new folder")
    settings = question_settings(klass, policy, tolerance)
    layout = slots(settings["sizes"], settings["output"] != "softmax")
    n = sum(1 for s in layout for _ in _indices(s.shape))
    write_text_atomic(out / "info.json", json.dumps(_info(klass, settings), indent=2, ensure_ascii=False) + "\n")
    write_text_atomic(out / "question.html", question_html(layout, tolerance))
    write_text_atomic(out / "server.py", SERVER.format(mark=MARK, settings=json.dumps(settings, ensure_ascii=False)))
    for name, data in package_files("package").items():
        write_bytes_atomic(out / name, data)
    return n


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""


def _info(klass: ClassSet, settings: dict) -> dict:
    sizes = "-".join(map(str, settings["sizes"]))
    name = f"backprop_tutor/{sizes}/{settings['hidden']}/{settings['output']}/{klass.folder.resolve().name}"
    return {"uuid": str(uuid.uuid5(uuid.NAMESPACE_URL, name)),
            "title": f"One backprop step by hand: {sizes} {settings['hidden']}/{settings['output']}",
            "topic": "Backpropagation", "tags": ["backprop_tutor"], "type": "v3", "singleVariant": False}


def _indices(shape: tuple[int, ...]) -> list[tuple[int, ...]]:
    import numpy as np

    return list(np.ndindex(shape))


def question_html(layout: list, tolerance: Tolerance) -> str:
    compare = (f'comparison="sigfig" digits="{tolerance.sigfigs}"' if tolerance.sigfigs else
               f'comparison="relabs" rtol="{tolerance.rtol:g}" atol="{tolerance.atol or 1e-10:g}"')
    lines = ["<pl-question-panel>",
             "<p>Compute one SGD step of this network by hand (problem {{params.seed}}): x = {{params.x}}, "
             "y = {{params.y}}, η = {{params.eta}}.</p>",
             "<ul>{{#params.layers}}<li>W({{l}}) = {{W}}, b({{l}}) = {{b}}, h = {{h}}</li>{{/params.layers}}</ul>",
             "<p>Every cell is judged on its own and against your own earlier values: a value that follows "
             "correctly from an earlier slip is a carried mistake, not a new one.</p>", "</pl-question-panel>"]
    for slot in layout:
        lines.append(f"<p><strong>{escape(slot.meaning())}</strong></p>")
        for idx in _indices(slot.shape):
            label = cell_name(slot.quantity, slot.layer, idx)
            lines.append(f'<pl-number-input answers-name="{input_name(slot.quantity, slot.layer, idx)}" '
                         f'label="{escape(label)} =" {compare}></pl-number-input>')
    lines += ["<pl-submission-panel>{{feedback.summary}}</pl-submission-panel>"]
    return "\n".join(lines) + "\n"
