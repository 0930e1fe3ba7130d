"""A small, nearly full disk for the write-failure tests: a tmpfs in a private mount namespace."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture
def small_disk(tmp_path: Path) -> Callable[..., subprocess.CompletedProcess]:
    """small_disk(script, size_kb=300, free_kb=…) runs the shell ``script`` with $DISK a tmpfs of
    ``size_kb`` of which only ``free_kb`` is free, mounted in a private mount namespace (so nothing
    outside the test sees it); $PY is this Python. Needs root (`unshare --mount`): skipped otherwise."""
    if os.geteuid() != 0 or not shutil.which("unshare"):
        pytest.skip("a small tmpfs needs root and unshare(1) to mount it in a private namespace")
    disk = tmp_path / "disk"
    disk.mkdir()

    def run(script: str, size_kb: int = 300, free_kb: int = 0) -> subprocess.CompletedProcess:
        setup = (f"mount -t tmpfs -o size={size_kb}k tmpfs {shlex.quote(str(disk))} || exit 97; "
                 f"dd if=/dev/zero of=$DISK/fill bs=1k count={max(0, size_kb - free_kb)} 2>/dev/null; ")
        env = {**os.environ, "DISK": str(disk), "PY": sys.executable, "COLUMNS": "200"}
        done = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", setup + script],
                              capture_output=True, text=True, env=env, timeout=120)
        if done.returncode == 97:
            pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
        return done

    return run
