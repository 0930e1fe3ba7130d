"""A Canvas quiz for a class, as QTI 1.2 (the dialect text2qti writes and Canvas imports): a zip with
imsmanifest.xml and one assessment. One question group per cell (pick 1), each with one numerical question
per student seed, right within the accepted range of our rule (vargte / varlte). Canvas stores an answer
below 1e-4 in magnitude as 0: such a value is asked scaled by a power of ten (the question says so).
Canvas's question knows one value: no carried credit."""

from __future__ import annotations

import io
import uuid
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

from backprop_tutor.check.numbers import Tolerance
from backprop_tutor.fileio import write_bytes_atomic
from backprop_tutor.grading.drills import CANVAS_FLOOR, Drill, class_drills, number
from backprop_tutor.grading.policy import CreditPolicy
from backprop_tutor.grading.roster import ClassSet

QTI = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
CP = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"


def _field(parent: ET.Element, label: str, entry: str) -> None:
    f = ET.SubElement(parent, "qtimetadatafield")
    ET.SubElement(f, "fieldlabel").text = label
    ET.SubElement(f, "fieldentry").text = entry


def _item(section: ET.Element, drill: Drill, ident: str, points: float) -> None:
    item = ET.SubElement(section, "item", ident=ident, title=f"{drill.cell} (problem {drill.seed})")
    meta = ET.SubElement(ET.SubElement(item, "itemmetadata"), "qtimetadata")
    _field(meta, "question_type", "numerical_question")
    _field(meta, "points_possible", f"{points:g}")
    presentation = ET.SubElement(item, "presentation")
    ET.SubElement(ET.SubElement(presentation, "material"), "mattext", texttype="text/html").text = drill.html
    response = ET.SubElement(presentation, "response_str", ident="response1", rcardinality="Single")
    ET.SubElement(ET.SubElement(response, "render_fib", fibtype="Decimal"), "response_label", ident="answer1")
    processing = ET.SubElement(item, "resprocessing")
    ET.SubElement(ET.SubElement(processing, "outcomes"), "decvar", maxvalue="100", minvalue="0", varname="SCORE",
                  vartype="Decimal")
    condition = ET.SubElement(processing, "respcondition", {"continue": "No"})
    when = ET.SubElement(condition, "conditionvar")
    ET.SubElement(when, "vargte", respident="response1").text = number(drill.low)
    ET.SubElement(when, "varlte", respident="response1").text = number(drill.high)
    ET.SubElement(condition, "setvar", action="Set", varname="SCORE").text = "100"


def assessment_xml(klass: ClassSet, policy: CreditPolicy, tolerance: Tolerance, ident: str) -> tuple[bytes, int]:
    """The assessment and how many drills were asked scaled (below Canvas's 1e-4)."""
    root = ET.Element("questestinterop", xmlns=QTI)
    assessment = ET.SubElement(root, "assessment", ident=ident, title=f"Backprop by hand: {klass.folder.name}")
    top = ET.SubElement(assessment, "section", ident="root_section")
    scaled = 0
    for n, group in enumerate(class_drills(klass, tolerance, CANVAS_FLOOR), start=1):
        points = policy.weight(group[0].quantity)
        section = ET.SubElement(top, "section", ident=f"g{n}", title=group[0].cell)
        selection = ET.SubElement(ET.SubElement(section, "selection_ordering"), "selection")
        ET.SubElement(selection, "selection_number").text = "1"
        ET.SubElement(ET.SubElement(selection, "selection_extension"), "points_per_item").text = f"{points:g}"
        for drill in group:
            _item(section, drill, f"g{n}_seed{drill.seed}", points)
            scaled += drill.scale > 0
    ET.indent(root)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8") + b"\n", scaled


def manifest_xml(ident: str) -> bytes:
    root = ET.Element("manifest", identifier=f"{ident}_manifest", xmlns=CP)
    ET.SubElement(root, "organizations")
    resources = ET.SubElement(root, "resources")
    resource = ET.SubElement(resources, "resource", identifier=ident, type="imsqti_xmlv1p2")
    ET.SubElement(resource, "file", href=f"{ident}/{ident}.xml")
    ET.indent(root)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8") + b"\n"


def write_canvas(klass: ClassSet, out: Path, policy: CreditPolicy, tolerance: Tolerance) -> tuple[int, int]:
    """Write the QTI zip; returns (question groups, drills asked scaled)."""
    ident = "bt" + uuid.uuid5(uuid.NAMESPACE_URL, f"backprop_tutor/{klass.folder.resolve()}").hex
    assessment, scaled = assessment_xml(klass, policy, tolerance, ident)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("imsmanifest.xml", manifest_xml(ident))
        zf.writestr(f"{ident}/{ident}.xml", assessment)
    write_bytes_atomic(out, buffer.getvalue())
    return len(ET.fromstring(assessment).find(f"{{{QTI}}}assessment/{{{QTI}}}section")), scaled
