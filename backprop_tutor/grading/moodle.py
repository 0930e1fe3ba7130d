"""Moodle XML for a class: one category per cell (s(1)[1], …), each with one numerical question per student
seed (the answer with an absolute tolerance, the accepted range of our rule); a quiz then draws one
random question from each category. Moodle's numerical question knows one value: no carried credit."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from backprop_tutor.check.numbers import Tolerance
from backprop_tutor.fileio import write_bytes_atomic
from backprop_tutor.grading.drills import Drill, class_drills, number
from backprop_tutor.grading.policy import CreditPolicy
from backprop_tutor.grading.roster import ClassSet


def _text(parent: ET.Element, tag: str, text: str, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    ET.SubElement(element, "text").text = text
    return element


def _question(quiz: ET.Element, drill: Drill, points: float) -> None:
    q = ET.SubElement(quiz, "question", type="numerical")
    _text(q, "name", f"{drill.cell} (problem {drill.seed})")
    _text(q, "questiontext", drill.html, format="html")
    _text(q, "generalfeedback", "", format="html")
    ET.SubElement(q, "defaultgrade").text = f"{points:g}"
    ET.SubElement(q, "penalty").text = "0"
    ET.SubElement(q, "hidden").text = "0"
    ET.SubElement(q, "idnumber").text = f"{drill.key}-{drill.seed}"
    answer = _text(q, "answer", number(drill.value), fraction="100", format="moodle_auto_format")
    ET.SubElement(answer, "tolerance").text = number(drill.margin)
    _text(answer, "feedback", "", format="html")
    ET.SubElement(q, "unitgradingtype").text = "0"
    ET.SubElement(q, "unitpenalty").text = "0"
    ET.SubElement(q, "showunits").text = "3"  # no unit asked
    ET.SubElement(q, "unitsleft").text = "0"


def moodle_xml(klass: ClassSet, policy: CreditPolicy, tolerance: Tolerance) -> bytes:
    quiz = ET.Element("quiz")
    title = f"backprop_tutor/{klass.folder.resolve().name}"
    groups = class_drills(klass, tolerance)
    for group in groups:
        category = ET.SubElement(quiz, "question", type="category")
        _text(category, "category", f"$course$/top/{title}/{group[0].cell}")
        for drill in group:
            _question(quiz, drill, policy.weight(drill.quantity))
    ET.indent(quiz)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(quiz, encoding="utf-8") + b"\n"


def write_moodle(klass: ClassSet, out: Path, policy: CreditPolicy, tolerance: Tolerance) -> int:
    data = moodle_xml(klass, policy, tolerance)
    write_bytes_atomic(out, data)
    return sum(1 for q in ET.fromstring(data) if q.get("type") == "category")
