"""Fixtures for the training tests: a tiny learnable image set (an .npz), never the network or the cache."""

from __future__ import annotations

from pathlib import Path

import pytest
from train_helpers import make_npz


@pytest.fixture(scope="session")
def tiny_npz(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """600 training images (500 train + 100 validation by the tests' settings) and 100 test images."""
    return make_npz(tmp_path_factory.mktemp("data") / "tiny.npz")


@pytest.fixture(autouse=True)
def isolated_data_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test sees the user's data folder or cache."""
    monkeypatch.delenv("BACKPROP_TUTOR_DATA", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
