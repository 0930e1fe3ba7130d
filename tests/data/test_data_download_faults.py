"""Mirrors on 127.0.0.1 that misbehave: accept and never answer, stall mid-body, drop the connection.
The user is told what is happening and why, waits seconds not minutes, and Ctrl-C stops it at once
(issue 9, item 21)."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from backprop_tutor.data.download import CHECKSUMS, MirrorUnreachable, download_dataset, download_file

NAME = "t10k-labels-idx1-ubyte.gz"
SUM = CHECKSUMS["mnist"][NAME]


@pytest.fixture
def fake_mirror() -> Iterator:
    """fake_mirror(behaviour) -> base URL of a server on 127.0.0.1 that, for every connection:
    "silent": accepts and never answers; "stall": sends headers and 100 bytes, then nothing;
    "drop": sends headers and 100 bytes, then closes."""
    stop = threading.Event()
    servers: list[socket.socket] = []
    held: list[socket.socket] = []

    def start(behaviour: str) -> str:
        server = socket.socket()
        server.bind(("127.0.0.1", 0))
        server.listen()
        server.settimeout(0.1)
        servers.append(server)

        def serve() -> None:
            while not stop.is_set():
                try:
                    conn, _ = server.accept()
                except OSError:
                    continue
                held.append(conn)
                if behaviour == "silent":
                    continue
                conn.recv(4096)
                conn.sendall(f"HTTP/1.1 200 OK\r\nContent-Length: {SUM.size}\r\n\r\n".encode() + b"\0" * 100)
                if behaviour == "drop":
                    conn.close()

        threading.Thread(target=serve, daemon=True).start()
        return f"http://127.0.0.1:{server.getsockname()[1]}/"

    yield start
    stop.set()
    for s in servers + held:
        s.close()


@pytest.mark.parametrize("behaviour, message", [
    ("silent", "the mirror did not answer within 1 s"),
    ("stall", "the download stalled: no data for 1 s after 100 bytes of 4542 bytes"),
    ("drop", "the connection dropped after 100 bytes of 4542 bytes"),
])
def test_a_misbehaving_mirror_is_named_not_called_corrupt(fake_mirror, tmp_path: Path, behaviour: str, message: str):
    with pytest.raises(MirrorUnreachable) as err:
        download_file(fake_mirror(behaviour) + NAME, tmp_path / NAME, SUM, progress=False, timeout=1)
    assert message in str(err.value) and "corrupt" not in str(err.value)
    assert list(tmp_path.iterdir()) == []


def test_the_next_mirror_is_tried_and_the_user_is_told(fake_mirror, serve, mnist_t10k_dir: Path, tmp_path: Path,
                                                       capsys, monkeypatch):
    import backprop_tutor.data.download as download

    silent, good = fake_mirror("silent"), serve(mnist_t10k_dir)
    # the shared folder serves the t10k files only: download just those two
    monkeypatch.setattr(download, "IDX_FILES", {role: stem for role, stem in download.IDX_FILES.items()
                                                if stem.startswith("t10k")})
    asked: list[str] = []
    real = download.download_file
    monkeypatch.setattr(download, "download_file", lambda url, *a, **k: asked.append(url) or real(url, *a, **k))
    folder = download_dataset("mnist", tmp_path / "mnist", mirrors=[silent, good], progress=True, timeout=1)
    assert sorted(p.name for p in folder.iterdir()) == ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
    err = capsys.readouterr().err
    assert f"connecting to {silent}t10k-images-idx3-ubyte.gz (waiting up to 1 s)" in err
    assert "did not answer within 1 s. Trying the next mirror." in err
    assert [url.startswith(silent) for url in asked] == [True, False, False]  # not asked again for the labels


def test_ctrl_c_while_waiting_for_a_mirror_stops_at_once(fake_mirror, tmp_path: Path):
    base = fake_mirror("silent")
    # the child meets Ctrl-C as at a terminal even when pytest runs in the background (`pytest &`), where
    # SIGINT is ignored and a child would inherit that
    code = ("import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
            "from backprop_tutor.data.download import download_file, CHECKSUMS; "
            f"download_file(sys.argv[1] + {NAME!r}, sys.argv[2], CHECKSUMS['mnist'][{NAME!r}], timeout=60)")
    child = subprocess.Popen([sys.executable, "-c", code, base, str(tmp_path / NAME)],
                             stderr=subprocess.PIPE, text=True)
    assert "connecting to" in child.stderr.readline()
    time.sleep(0.3)
    child.send_signal(signal.SIGINT)
    started = time.monotonic()
    child.wait(timeout=30)
    assert time.monotonic() - started < 5 and child.returncode != 0
    assert list(tmp_path.iterdir()) == []
