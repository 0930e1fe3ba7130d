"""Running notebook cells in a real kernel (nbclient), as a student's notebook runs: shared by the tests of
docs/notebook.md and of examples/notebooks/. Each test module calls `needs_a_kernel()` first."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from shared_data import SHARED_DATA, unpacked_shared_data

ROOT = Path(__file__).resolve().parents[2]
FASHION = SHARED_DATA / "fashion-mnist" / "train-images-idx3-ubyte.gz"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def needs_a_kernel() -> None:
    """Skip the calling module unless a kernel can run. Only looked up, not imported: importing nbformat costs
    every pytest worker about a second (jsonschema builds its format grammars), even one that runs no notebook."""
    for module in ("nbformat", "nbclient", "ipykernel", "anywidget"):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"needs {module} (pip install -e '.[test]')", allow_module_level=True)


def run_in_kernel(nb: Any, folder: Path, allow_errors: bool = False) -> Any:
    """Run every cell of ``nb`` in a fresh kernel whose working folder is ``folder``: this checkout's
    package, the shared data (un-gzipped once, tests/shared_data.py), and `!tutor` from this environment."""
    import nbclient

    env = {**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]),
           "BACKPROP_TUTOR_DATA": os.environ.get("BACKPROP_TUTOR_DATA", str(unpacked_shared_data())),
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    nbclient.NotebookClient(nb, timeout=300, kernel_name="python3", allow_errors=allow_errors,
                            resources={"metadata": {"path": str(folder)}}).execute(env=env)
    return nb
