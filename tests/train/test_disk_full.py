"""A full disk during `tutor train` (issue 9, item 1): one message naming the file and the space it
needs, exit 2, nothing half-written, the run resumable. Run on a small tmpfs in a private mount
namespace (`unshare --mount`), which needs root; skipped with the reason otherwise."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from disk_full_child import params_digest
from train_helpers import TUTOR, make_npz

from backprop_tutor.train import TrainConfig, prepare_data, train

HERE = Path(__file__).parent


def _can_mount_tmpfs(tmp_path: Path) -> str | None:
    if os.geteuid() != 0:
        return "needs root for a private tmpfs (unshare --mount)"
    if shutil.which("unshare") is None:
        return "needs unshare (util-linux)"
    probe = tmp_path / "probe"
    probe.mkdir()
    done = subprocess.run(["unshare", "--mount", "sh", "-c", f"mount -t tmpfs -o size=1m tmpfs {probe}"],
                          capture_output=True, text=True)
    return None if done.returncode == 0 else f"cannot mount a tmpfs here: {done.stderr.strip()}"


@pytest.fixture
def small_disk(tmp_path: Path) -> Path:
    reason = _can_mount_tmpfs(tmp_path)
    if reason:
        pytest.skip(reason)
    disk = tmp_path / "disk"
    disk.mkdir()
    return disk


def on_small_disk(disk: Path, size: str, command: list[str]) -> subprocess.CompletedProcess[str]:
    """Run ``command`` with a ``size`` tmpfs mounted at ``disk``, seen by it alone."""
    script = f"mount -t tmpfs -o size={size} tmpfs {disk} && exec \"$@\""
    return subprocess.run(["unshare", "--mount", "sh", "-c", script, "sh", *command], capture_output=True, text=True,
                          timeout=600)


def test_traces_that_cannot_fit_are_refused_before_anything_is_written(small_disk: Path, tmp_path: Path) -> None:
    data = make_npz(tmp_path / "bigger.npz", n_train=5100)  # 5000 training images: 10 minibatches of 500
    run = small_disk / "full" / "run"
    done = on_small_disk(small_disk, "12m", [*TUTOR, "train", "--data", str(data), "--batch-size", "500",
                                             "--validation", "100", "--epochs", "1", "--trace-batch",
                                             "1,2,3,4,5,6,7,8,9,10", "--quiet", "--out", str(run)])
    err = " ".join(done.stderr.split())
    assert done.returncode == 2, done.stderr
    assert f"no space left writing {run / 'trace.h5'} for 10 traced minibatches (the run needs ~" in err
    assert "MB is free); nothing was written" in err and "Traceback" not in err


@pytest.mark.parametrize("mode", ["checked", "write"])
def test_a_disk_that_fills_during_the_run_stops_it_resumably(small_disk: Path, tiny_npz: Path, tmp_path: Path,
                                                             mode: str) -> None:
    done = on_small_disk(small_disk, "4m", [sys.executable, str(HERE / "disk_full_child.py"), str(tiny_npz),
                                            str(small_disk), mode])
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["error"] == "SettingError", report  # spelled with the command's words: tutor train --resume
    assert report["message"].startswith(f"no space left writing {small_disk / 'run' / 'checkpoint.h5'} (needs ~")
    assert f"the run stopped and can continue from its last checkpoint once there is room: tutor train --resume " \
           f"{small_disk / 'run'}" in report["message"]
    assert report["status"] == "interrupted"
    assert not [name for name in report["files"] if name.endswith(".part")]
    assert report["resume_rc"] == 0 and "complete.json" in report["after"]
    assert "Traceback" not in done.stderr

    config = TrainConfig(data=str(tiny_npz), hidden=[64, 32], batch_size=50, n_validation=100, epochs=3,
                         learning_rate=0.1, seed=5, decay_at=[], momentum=0.5)
    train(config, prepare_data(config), tmp_path / "whole")
    assert report["params_sha256"] == params_digest(tmp_path / "whole" / "params.h5")  # bit-identical
