"""examples/hand_backprop_marimo.py runs in marimo: the stepper through `mo.ui.anywidget`, and the cell
that reads the step on screen from it (`marimo export html` runs every cell; skipped without marimo)."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_the_marimo_example_runs_and_reads_the_widgets_step(tmp_path: Path) -> None:
    if importlib.util.find_spec("marimo") is None:  # looked up, not imported: marimo runs in its own process
        pytest.skip("needs marimo (pip install marimo)")
    out = tmp_path / "hand.html"
    notebook = tmp_path / "hand_backprop_marimo.py"  # a copy: marimo keeps a session cache beside the notebook
    shutil.copy(ROOT / "examples" / "hand_backprop_marimo.py", notebook)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-m", "marimo", "export", "html", str(notebook), "-o", str(out)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    page = out.read_text(encoding="utf-8")
    assert "step 14 of 14 \\u00b7 update" in page  # the widget's model, every step in it
    assert "On screen: \\u003Cstrong\\u003Estep 1 of 14" in page  # the reading cell, after the widget's cell
    assert "= [42.0, -31.0, 25.0]" in page
