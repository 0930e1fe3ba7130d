"""Every notebook in examples/notebooks/ runs top to bottom in a real kernel (nbclient), as a student
opens it: no cell fails, and each shows what it is for."""

from __future__ import annotations

from pathlib import Path

import pytest
from kernel_helpers import FASHION, ROOT, SHARED_DATA, needs_a_kernel, run_in_kernel

needs_a_kernel()

NOTEBOOKS = sorted((ROOT / "examples" / "notebooks").glob("*.ipynb"))
#: what each notebook's outputs must hold
SHOWS = {
    "hand_example.ipynb": ["application/vnd.jupyter.widget-view+json", "δ(3) = a(3) − y", "updated parameters"],
    "practice.ipynb": ["s(1) = ?", "(of 72 values)"],
    "check_your_answers.ipynb": ["<td class=bt-root>✗ root</td>", "a(1)[2]", "72 right"],
    "train_and_view.ipynb": ["epoch 2/2 done", "a(0): 28×28", "confusion matrix", "<figure"],
}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_the_example_notebook_runs_top_to_bottom(path: Path, tmp_path: Path) -> None:
    import nbformat

    if "fashion-mnist" in path.read_text(encoding="utf-8") and not FASHION.is_file():
        pytest.skip(f"{path.name} needs Fashion-MNIST in {SHARED_DATA}")
    nb = nbformat.read(path, as_version=4)
    run_in_kernel(nb, tmp_path)
    shown = nbformat.writes(nb)
    for text in SHOWS[path.name]:
        assert text in shown or text in shown.encode("ascii", "backslashreplace").decode(), (path.name, text)


def test_every_example_notebook_is_listed_and_saved_without_outputs() -> None:
    import nbformat

    assert {p.name for p in NOTEBOOKS} == set(SHOWS)
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), path.name
