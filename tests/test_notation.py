"""One notation (backprop_tutor.notation) read by every view: the same value has the same name on every
screen and in every message, and a single number of a vector or matrix is written one way, s(2)[1]."""

from __future__ import annotations

import ast
import itertools
import re
from pathlib import Path

import numpy as np
import pytest

from backprop_tutor.check.layout import Slot
from backprop_tutor.engine.gradcheck import Parameter
from backprop_tutor.errors import NumericError
from backprop_tutor.notation import FIELD_NAMES, Quantity, cell_name, cell_text
from backprop_tutor.overflow import check_trace_finite
from backprop_tutor.render.math import equation_text
from backprop_tutor.spec import load_spec, resolve_example, run_spec
from backprop_tutor.trace import fields
from backprop_tutor.trace.events import Field, Input, Update
from backprop_tutor.tui.source import TraceSource
from backprop_tutor.tui.viewmodel import StepModel
from backprop_tutor.worksheet.chain import WeightRef, chain_equations
from backprop_tutor.worksheet.full import full_values

ROOT = Path(__file__).resolve().parents[1]
HAND = resolve_example("hand-backprop")


@pytest.fixture(scope="module")
def momentum_trace(tmp_path_factory: pytest.TempPathFactory):
    spec = tmp_path_factory.mktemp("spec") / "momentum.toml"
    spec.write_text(HAND.read_text().replace("learning_rate = 0.5", "learning_rate = 0.5\nmomentum = 0.5"))
    return run_spec(load_spec(spec), "float64")


def step_of(trace, kind: type, layer: int) -> int:
    return next(i for i, e in enumerate(trace.events) if type(e) is kind and e.layer == layer)


def test_the_full_view_and_the_overflow_message_name_a_value_alike(momentum_trace):
    # the full view once said "v of W(1) (momentum)" and the message "the velocity of W(1)"; and "y" and
    # "the target y": one name each now, the clearer one
    update = step_of(momentum_trace, Update, 1)
    names = [v.name for v in full_values(momentum_trace, update)]
    assert names == ["W(1) before the update", "W(1) after the update", "b(1) before the update",
                     "b(1) after the update", "the velocity v of W(1)", "the velocity v of b(1)"]
    assert [v.name for v in full_values(momentum_trace, 0)] == ["a(0) = x", "the target y"]
    event = momentum_trace.events[update]
    event.v_W = np.full_like(event.v_W, np.inf)
    with pytest.raises(NumericError, match=r"overflowed: the velocity v of W\(1\) is infinite"):
        check_trace_finite(momentum_trace, "step 1:")


def test_step_titles_are_the_notation():
    trace = run_spec(load_spec(HAND), "float64")
    assert [trace.info(i).label for i in range(5)] == ["a(0) = x, target y", "s(1), a(1), a'(1)",
                                                      "s(2), a(2), a'(2)", "s(3), a(3), a'(3)", "C"]
    assert trace.events[step_of(trace, Input, 0)].label == "a(0) = x, target y"
    assert trace.info(len(trace) - 1).label == "W(1), b(1) updated"


def test_one_index_style_for_a_cell_in_every_view():
    # the UI once wrote s_1(2) where the checker and the gradient check wrote s(2)[1]: now all write s(2)[1],
    # as the README's notation table states
    hand = run_spec(load_spec(HAND), "float64")
    neuron = [name for name, _ in StepModel(TraceSource(hand)).neuron_detail(len(hand) - 1, 0, 3, 2, 0)]
    assert neuron[:3] == ["s(2)[1]", "a(2)[1]", "a'(2)[1]"] and "δ(2)[1]" in neuron and "b(2)[1] new" in neuron
    assert StepModel(TraceSource(hand)).neuron_detail(0, 0, 3, 0, 2)[0][0] == "x[3] = a(0)[3]"
    chain = [equation_text(eq, 3).symbolic for eq in chain_equations(hand, WeightRef(2, 0, 1))]
    assert chain[0].startswith("∂C/∂W(2)[1,2] = δ(2)[1] × a(1)[2]"), chain[0]
    assert Parameter(2, "W", (0, 1)).label == "W(2)[1,2]" == cell_name(Quantity.W_NEW, 2, (0, 1))
    assert cell_text("y", None, 0) == "y[1]" and cell_name(Quantity.COST, 3, ()) == "C"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "| s(l)[j], W(l)[j,i] | one number: unit j of s(l); row j, column i of W(l); units counted from 1" in readme


def test_a_quantity_means_what_the_notation_says():
    assert Slot(Quantity.GRAD_W, 2, (2, 2)).meaning() == "∇W(2) = δ(2) a(1)ᵀ"


def test_every_recorded_value_has_a_name():
    recorded = {f.name for f in vars(fields).values() if isinstance(f, Field)}
    assert recorded == set(FIELD_NAMES)


# --- no view writes a quantity's name with its layer or index itself --------------------------------------------
#: text that names a quantity just before its layer or index is filled in: f"δ({l})", f")[{j + 1}]", f"y[{j}]",
#: and LaTeX's f"^{{({l})}}", f"_{{{j}}}"
_NAME_THEN_LAYER = re.compile(r"(?:^|[^A-Za-z_])(?:δ|∇W|∇b|∇a|a'|h'|s|a|W|b|y|x|v|C)\($")
_INDEX = re.compile(r"(?:\)|(?:^|[^A-Za-z_])[xy])\[$")
_LATEX_INDEX = re.compile(r"(?:\^\{\(|_\{)$")
_LAYER = re.compile(r"(?:l|L|layer|\w+\.layer|\w+\.L|l [+-] 1|layer [+-] 1)")


def _writes_notation(node: ast.JoinedStr) -> list[str]:
    """The places in an f-string where a quantity's layer or index is written into its name by hand."""
    parts, found = node.values, []
    for k, (a, b) in enumerate(itertools.pairwise(parts)):
        if isinstance(a, ast.Constant) and isinstance(b, ast.FormattedValue) and (
                (_NAME_THEN_LAYER.search(a.value) and _LAYER.fullmatch(ast.unparse(b.value)))
                or _INDEX.search(a.value) or _LATEX_INDEX.search(a.value)):
            found.append(f"{a.value[-20:]!r}{{{ast.unparse(b.value)}}}")
        layer = parts[k + 2] if k + 2 < len(parts) else None
        if (isinstance(a, ast.FormattedValue) and isinstance(b, ast.Constant) and b.value == "("
                and not ast.unparse(a.value).endswith("__name__")  # a class: Forward(2)
                and isinstance(layer, ast.FormattedValue) and _LAYER.fullmatch(ast.unparse(layer.value))):
            found.append(f"{{{ast.unparse(a.value)}}}({{{ast.unparse(layer.value)}}}")
    return found


def test_no_view_writes_a_quantitys_name_with_its_layer_itself():
    """s(2), W(1)[2,3], δ_{1}^{(2)} are written by `backprop_tutor.notation` (cell_text, cell_latex, cell_name,
    field_name…), so every view writes a name and an index one way; prose such as "W(l)" is not code."""
    package = ROOT / "backprop_tutor"
    found = []
    for path in sorted(package.rglob("*.py")):
        where = path.relative_to(package).as_posix()
        if where == "notation.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.JoinedStr):
                found += [f"{where}:{node.lineno} {text}" for text in _writes_notation(node)]
    assert found == []


def test_the_scan_finds_a_name_written_by_hand():
    written = ['f"δ({l}) = a − y"', 'f"W(2)[{j + 1},{i + 1}]"', 'f"{quantity}({layer})"', 'rf"a^{{({l})}}"',
               'f"y[{k}]"']
    assert [bool(_writes_notation(ast.parse(text).body[0].value)) for text in written] == [True] * 5
    fine = ['f"layer {l} of {L}"', 'f"{head}({part.symbolic}){tail}"', 'f"[{items}]"', 'f"{cell_text(\'s\', l)}"',
            'f"h\'({cell_text(\'s\', l, j)})"']
    assert [bool(_writes_notation(ast.parse(text).body[0].value)) for text in fine] == [False] * 5


def test_the_worksheet_columns_are_titled_once(tmp_path):
    # the tables' headers and the checker's list of columns were two copies of one list
    from backprop_tutor.check.answers import COLUMNS, column_quantity
    from backprop_tutor.worksheet.model import build_worksheet
    from backprop_tutor.worksheet.tables import worksheet_tables

    tables = worksheet_tables(build_worksheet(run_spec(load_spec(HAND), "float64"), 0), 3)
    titles = [title for table in tables for title in table.columns[1:]]
    assert ", ".join(titles) == COLUMNS == "s(l), a(l), a'(l), δ(l), ∇W(l), ∇b(l), W(l) new, b(l) new"
    assert [column_quantity(t) for t in titles] == [Quantity.S, Quantity.A, Quantity.A_PRIME, Quantity.DELTA,
                                                    Quantity.GRAD_W, Quantity.GRAD_B, Quantity.W_NEW, Quantity.B_NEW]
    assert column_quantity("W(l)") is Quantity.W_NEW and column_quantity("x(l)") is None


def test_no_text_counts_units_with_subscripts():
    # the help once said ∂C/∂W(l)ᵢⱼ and s(l)ⱼ where every screen writes W(l)[i,j] and s(l)[j]; the code's
    # docstrings and the docs write the one style too
    files = [*(ROOT / "backprop_tutor").rglob("*.py"), *(ROOT / "docs").rglob("*.md"), ROOT / "README.md"]
    assert [f.name for f in files if re.search("[ᵢⱼₖ]", f.read_text(encoding="utf-8"))] == []
    assert "∂C/∂W(l)[i,j] = δ(l)[i] × a(l-1)[j]" in (ROOT / "docs" / "view.md").read_text(encoding="utf-8")
