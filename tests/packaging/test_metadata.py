"""pyproject.toml as setuptools reads it: no deprecation warning in CI's build (issue 18)."""

from __future__ import annotations

import re
import tomllib
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_the_license_is_an_spdx_expression_and_setuptools_is_new_enough_for_it() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["project"]["license"] == "MIT"
    floor = next(re.match(r"setuptools>=(\d+)", r) for r in pyproject["build-system"]["requires"]
                 if r.startswith("setuptools"))
    assert floor and int(floor[1]) >= 77  # PEP 639's string form is read from setuptools 77 on


def test_setuptools_reads_the_project_table_without_a_warning() -> None:
    setuptools = pytest.importorskip("setuptools")
    from setuptools.config.pyprojecttoml import apply_configuration

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        dist = apply_configuration(setuptools.Distribution(), ROOT / "pyproject.toml")
    assert [str(w.message) for w in caught if "license" in str(w.message).lower()] == []
    assert dist.metadata.name == "backprop_tutor"
