"""What the platform adapters ship: a copy of this package's own source (so an autograder or a question
runs the very version that made it, with or without the registry), the class's specs and the grading
settings (credit policy and tolerance) as JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from backprop_tutor._version import __version__
from backprop_tutor.check.marking import Verdict
from backprop_tutor.check.numbers import Tolerance
from backprop_tutor.grading.policy import CreditPolicy
from backprop_tutor.grading.roster import INDEX, ClassSet
from backprop_tutor.worksheet.model import Quantity

#: the package files a grader needs (sources, built-in examples, the UI's styles so nothing is missing)
PACKAGE_FILES = ("*.py", "examples/*.toml", "tui/*.tcss")


def package_files(prefix: str) -> dict[str, bytes]:
    """This package's source as {prefix/backprop_tutor/…: bytes} (no caches, no compiled files)."""
    root = Path(__file__).resolve().parents[1]
    found = sorted({p for pattern in PACKAGE_FILES for p in root.rglob(pattern.split("/")[-1])
                    if "__pycache__" not in p.parts and p.is_file()})
    return {f"{prefix}/backprop_tutor/{p.relative_to(root).as_posix()}": p.read_bytes() for p in found}


def class_files(klass: ClassSet, prefix: str) -> dict[str, bytes]:
    """The class's index.csv and each problem's spec.toml (not the keys: a grader computes its own)."""
    files = {f"{prefix}/{INDEX}": (klass.folder / INDEX).read_bytes()}
    for problem in klass.problems.values():
        files[f"{prefix}/{problem.spec.relative_to(klass.folder).as_posix()}"] = problem.spec.read_bytes()
    return files


def settings_doc(policy: CreditPolicy, tolerance: Tolerance) -> dict[str, Any]:
    return {"version": __version__,
            "credit": {v.value: c for v, c in policy.credit.items()},
            "weights": {str(q): w for q, w in policy.weights.items()},
            "tolerance": {"rtol": tolerance.rtol, "atol": tolerance.atol, "sigfigs": tolerance.sigfigs}}


def settings_json(policy: CreditPolicy, tolerance: Tolerance) -> str:
    return json.dumps(settings_doc(policy, tolerance), indent=2, ensure_ascii=False) + "\n"


def settings_from(doc: dict[str, Any]) -> tuple[CreditPolicy, Tolerance]:
    quantities = {str(q): q for q in Quantity}
    policy = CreditPolicy({Verdict(k): float(v) for k, v in doc["credit"].items()},
                          {quantities[k]: float(v) for k, v in doc.get("weights", {}).items()})
    return policy, Tolerance(**doc["tolerance"])
