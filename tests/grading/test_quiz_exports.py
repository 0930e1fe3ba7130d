"""Canvas (QTI 1.2) and Moodle XML exports parse, with one question group per cell and one version per seed,
each accepting the true value within our tolerance (checked with lxml, independently of our writer)."""

from __future__ import annotations

import zipfile

import pytest
from grading_helpers import cells, make_class

lxml_etree = pytest.importorskip("lxml.etree")

from backprop_tutor.check.expected import reference_for  # noqa: E402
from backprop_tutor.cli import main  # noqa: E402
from backprop_tutor.spec import load_spec  # noqa: E402

QTI = "{http://www.imsglobal.org/xsd/ims_qtiasiv1p2}"
CP = "{http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1}"
SEEDS = range(1, 7)
MAX = cells([3, 2, 2, 3], softmax=True)


@pytest.fixture(scope="module")
def klass(tmp_path_factory):
    return make_class(tmp_path_factory.mktemp("c") / "class", "1-6")


@pytest.fixture(scope="module")
def truth(klass):
    """Each seed's true values, in the worksheet's order, as floats."""
    out = {}
    for seed in SEEDS:
        ref = reference_for(load_spec(klass / f"seed-{seed}" / "spec.toml"))
        out[seed] = [float(v) for slot in ref.slots for v in ref.expected[(slot.quantity, slot.layer)].flat]
    return out


def test_the_canvas_qti_zip_holds_one_group_per_cell_and_one_version_per_seed(klass, truth, tmp_path, capsys):
    out = tmp_path / "quiz.qti.zip"
    assert main(["export", "canvas", str(klass), "--out", str(out)]) == 0
    assert "would zero are asked scaled" in capsys.readouterr().out
    with zipfile.ZipFile(out) as zf:
        manifest = lxml_etree.fromstring(zf.read("imsmanifest.xml"))
        resource = manifest.find(f"{CP}resources/{CP}resource")
        assert resource.get("type") == "imsqti_xmlv1p2"
        assessment = lxml_etree.fromstring(zf.read(resource.find(f"{CP}file").get("href")))
    groups = assessment.findall(f"{QTI}assessment/{QTI}section/{QTI}section")
    assert len(groups) == MAX
    scaled = 0
    for n, group in enumerate(groups):
        assert group.findtext(f"{QTI}selection_ordering/{QTI}selection/{QTI}selection_number") == "1"
        items = group.findall(f"{QTI}item")
        assert [item.get("ident").rsplit("seed", 1)[1] for item in items] == [str(s) for s in SEEDS]
        for seed, item in zip(SEEDS, items, strict=True):
            fields = {f.findtext(f"{QTI}fieldlabel"): f.findtext(f"{QTI}fieldentry")
                      for f in item.iter(f"{QTI}qtimetadatafield")}
            assert fields["question_type"] == "numerical_question"
            low = float(item.findtext(f".//{QTI}vargte"))
            high = float(item.findtext(f".//{QTI}varlte"))
            text = item.findtext(f".//{QTI}mattext")
            factor = 10 ** int(text.split("× 10^")[1].split("<")[0]) if "× 10^" in text else 1
            scaled += factor > 1
            t = truth[seed][n] * factor
            assert low <= t <= high and high - low <= 0.021 * abs(t) + 1e-8, (seed, n, low, t, high)
            assert factor == 1 or min(abs(low), abs(high)) >= 1e-4 or low <= 0 <= high  # nothing Canvas zeroes
    assert scaled >= 1


def test_the_moodle_xml_holds_one_category_per_cell_and_one_numerical_question_per_seed(klass, truth, tmp_path,
                                                                                      capsys):
    out = tmp_path / "quiz.xml"
    assert main(["export", "moodle", str(klass), "--out", str(out), "--weight", "delta=2"]) == 0
    capsys.readouterr()
    quiz = lxml_etree.parse(str(out)).getroot()
    assert quiz.tag == "quiz"
    categories = [q for q in quiz if q.get("type") == "category"]
    questions = [q for q in quiz if q.get("type") == "numerical"]
    assert len(categories) == MAX and len(questions) == MAX * len(SEEDS)
    assert len({q.findtext("idnumber") for q in questions}) == len(questions)
    for n in range(MAX):
        for i, seed in enumerate(SEEDS):
            q = questions[n * len(SEEDS) + i]
            assert q.findtext("name/text").endswith(f"(problem {seed})")
            assert "<p>Problem" in q.findtext("questiontext/text") and q.find("questiontext").get("format") == "html"
            answer = q.find("answer")
            assert answer.get("fraction") == "100"
            t, tol = float(answer.findtext("text")), float(answer.findtext("tolerance"))
            assert abs(t - truth[seed][n]) <= 1e-12 * max(1.0, abs(t)) and 0 <= tol <= 0.0101 * abs(t) + 1e-9
    deltas = [q for q in questions if q.findtext("idnumber").startswith("delta_")]
    assert deltas and all(q.findtext("defaultgrade") == "2" for q in deltas)


@pytest.mark.parametrize("platform", ["canvas", "moodle", "gradescope", "prairielearn"])
def test_an_export_refuses_a_folder_that_is_not_a_class(tmp_path, capsys, platform):
    assert main(["export", platform, str(tmp_path), "--out", str(tmp_path.parent / f"x-{platform}")]) == 2
    assert "not a class folder" in capsys.readouterr().err


def test_export_of_a_trace_still_works_and_platform_forms_say_what_they_need(tmp_path, capsys):
    trace = tmp_path / "hand.h5"
    assert main(["example", "hand-backprop", "--save-trace", str(trace)]) == 0
    assert main(["export", str(trace), "--markdown", str(tmp_path / "t.md")]) == 0
    assert main(["export", "moodle"]) == 2
    assert "needs the class folder and --out" in capsys.readouterr().err
    assert main(["export", "blackboard", str(tmp_path), "--out", "x"]) == 2
    assert "not a platform" in capsys.readouterr().err
