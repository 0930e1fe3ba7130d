"""Fixtures for the data tests: the real data beside the checkout, small IDX writers, a local HTTP mirror."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
FASHION = SHARED_DATA / "fashion-mnist"
MNIST_T10K = SHARED_DATA / "mnist-t10k"


@pytest.fixture(scope="session")
def fashion_dir() -> Path:
    """The full Fashion-MNIST IDX set in ../shared/data (skipped when absent)."""
    if not (FASHION / "train-images-idx3-ubyte.gz").is_file():
        pytest.skip(f"real data not found: {FASHION} (the shared folder beside the checkout)")
    return FASHION


@pytest.fixture(scope="session")
def mnist_t10k_dir() -> Path:
    """The official MNIST test IDX files in ../shared/data (skipped when absent)."""
    if not (MNIST_T10K / "t10k-images-idx3-ubyte.gz").is_file():
        pytest.skip(f"real data not found: {MNIST_T10K} (the shared folder beside the checkout)")
    return MNIST_T10K


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def serve() -> Iterator:
    """serve(folder) -> base URL of an HTTP server on 127.0.0.1 serving that folder; stopped after the test."""
    servers = []

    def start(folder: Path) -> str:
        handler = functools.partial(_QuietHandler, directory=str(folder))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def closed_port_url() -> str:
    """A base URL on 127.0.0.1 where nothing listens (a port just bound and released)."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/"


@pytest.fixture(autouse=True)
def isolated_data_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test sees the user's cache, data folder, Debian's package folder or mirror setting."""
    from backprop_tutor.data import datasets

    monkeypatch.delenv("BACKPROP_TUTOR_DATA", raising=False)
    monkeypatch.delenv("BACKPROP_TUTOR_MIRROR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.setattr(datasets, "DEBIAN_PATHS", {"fashion-mnist": tmp_path / "debian" / "fashion-mnist"})
