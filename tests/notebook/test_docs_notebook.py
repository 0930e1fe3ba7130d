"""docs/notebook.md's cells, run top to bottom in a real Jupyter kernel (nbclient), as a
student's notebook: the widget's model holds every step, the HTML stepper is in the same output, the
checker finds the planted slip, and bad input shows as one line."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from kernel_helpers import FASHION, ROOT, SHARED_DATA, WIDGET_STATE, WIDGET_VIEW, needs_a_kernel, run_in_kernel

needs_a_kernel()
if TYPE_CHECKING:
    import nbformat


def doc_cells(path: Path) -> list[str]:
    """The ```python blocks of a Markdown page, as printed."""
    return re.findall(r"```python\n(.*?)```", path.read_text(encoding="utf-8"), flags=re.DOTALL)


def run_notebook(cells: list[str], folder: Path) -> nbformat.NotebookNode:
    """Run ``cells`` in a fresh kernel in ``folder`` (errors kept as outputs, as a notebook shows them)."""
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c.strip()) for c in cells])
    return run_in_kernel(nb, folder, allow_errors=True)


@pytest.fixture(scope="module")
def readme_notebook(tmp_path_factory: pytest.TempPathFactory) -> nbformat.NotebookNode:
    cells = doc_cells(ROOT / "docs" / "notebook.md")
    assert len(cells) >= 12
    if not FASHION.is_file():
        cells = [c for c in cells if "fashion-mnist" not in c and not c.startswith(("run.", "result."))]
    return run_notebook([*cells, 'bt.example("hand-backprob")'], tmp_path_factory.mktemp("notebook"))


def outputs(nb: nbformat.NotebookNode, source_start: str) -> list[dict]:
    return next(c for c in nb.cells if c.source.startswith(source_start)).outputs


def test_every_readme_cell_runs_without_error(readme_notebook: nbformat.NotebookNode) -> None:
    failed = [c.source for c in readme_notebook.cells[:-1] if any(o.output_type == "error" for o in c.outputs)]
    assert failed == []


def test_the_stepper_is_a_widget_holding_every_step_with_the_html_stepper_beside(
        readme_notebook: nbformat.NotebookNode) -> None:
    (shown,) = [o for o in outputs(readme_notebook, "import backprop_tutor as bt") if o.output_type == "execute_result"]
    model_id = shown.data[WIDGET_VIEW]["model_id"]
    assert shown.data["text/html"].count('<section class="bt-step"') == 14
    assert shown.data["text/plain"].startswith("Hand-worked backprop")
    state = readme_notebook.metadata.widgets[WIDGET_STATE]["state"][model_id]["state"]
    assert len(state["steps"]) == 14 and state["index"] == 0
    assert "s(3) = W(3) a(2) + b(3)" in state["steps"][3]["html"]
    assert "export default { render }" in state["_esm"]


def test_the_numbers_print_as_arrays(readme_notebook: nbformat.NotebookNode) -> None:
    text = "".join(o.text for o in outputs(readme_notebook, "print(ex.step") if o.output_type == "stream")
    assert text.splitlines()[0] == "0 14"
    assert "[ 42. -31.  25.]" in text


def test_worksheet_and_solution_show_as_html_and_math(readme_notebook: nbformat.NotebookNode) -> None:
    (sheet,) = outputs(readme_notebook, 'bt.worksheet("hand-backprop")')
    assert "updated parameters" in sheet.data["text/html"]
    (solution,) = outputs(readme_notebook, 'bt.solution("hand-backprop")')
    assert solution.data["text/markdown"].startswith("# Worked solution") and "$$" in solution.data["text/markdown"]


def test_check_marks_the_key_right_and_finds_the_planted_slip(readme_notebook: nbformat.NotebookNode) -> None:
    (key,) = [o for o in outputs(readme_notebook, "!tutor worksheet") if o.output_type == "execute_result"]
    assert key.data["text/plain"] == "True"
    (marked,) = outputs(readme_notebook, "bt.check({")
    assert "First root mistake: a(1)[2]" in marked.data["text/html"]
    assert "<td class=bt-carried>✗ carried</td>" in marked.data["text/html"]


def test_a_typo_is_one_line_with_the_clis_message(readme_notebook: nbformat.NotebookNode) -> None:
    (error,) = readme_notebook.cells[-1].outputs
    assert error.output_type == "error" and error.ename == "SpecError"
    assert len(error.traceback) == 1
    assert error.traceback[0].startswith("SpecError: 'hand-backprob' is neither a built-in example")


def test_practice_shows_a_widget_and_judges_in_python(readme_notebook: nbformat.NotebookNode) -> None:
    (shown,) = [o for o in outputs(readme_notebook, "p = bt.practice(seed=17)") if o.output_type == "execute_result"]
    state = readme_notebook.metadata.widgets[WIDGET_STATE]["state"][shown.data[WIDGET_VIEW]["model_id"]]["state"]
    assert state["question"].startswith("a'(1) = ?")  # the widget follows the later cell's answer and reveal
    assert "s(1) = ?" in shown.data["text/html"]  # the HTML saved with the notebook: the problem as first shown
    printed = "".join(o.get("text", "") for o in outputs(readme_notebook, "print(p.question)"))
    assert printed.startswith("s(1) = ?") and "(of 72 values)" in printed


def test_training_shows_its_run_and_the_traced_minibatch(readme_notebook: nbformat.NotebookNode) -> None:
    if not FASHION.is_file():
        pytest.skip(f"needs Fashion-MNIST in {SHARED_DATA}")
    shown = outputs(readme_notebook, "run = bt.train(")
    (progress,) = [o for o in shown if o.output_type == "display_data"]  # updated in place, one output
    assert "epoch 2/2 done" in progress.data["text/plain"] and "<polyline" in progress.data["text/html"]
    (view,) = outputs(readme_notebook, "run.view(")
    assert "a(0): 28×28" in view.data["text/html"] and WIDGET_VIEW in view.data
    (gallery,) = outputs(readme_notebook, "result.gallery(")
    assert gallery.data["text/html"].count("<figure") == 16
