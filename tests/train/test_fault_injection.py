"""`tutor train` under SIGINT and SIGKILL at a spread of moments, the final writes included (issue 9):
after each, every file in the run folder is absent or complete; the next use of the folder leaves no
temporary file; and the run, continued, ends bit-identical to one that was never interrupted."""

from __future__ import annotations

import csv
import json
import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from train_helpers import same_parameters

from backprop_tutor.cli import main
from backprop_tutor.params import read_parameters
from backprop_tutor.trace.store import TraceFile
from backprop_tutor.train import RunFolder
from backprop_tutor.train.checkpoint import load_checkpoint
from backprop_tutor.train.config import split_problem

CHILD = Path(__file__).with_name("fault_child.py")
#: 3 epochs of 10 minibatches, 4 traced minibatches: a few seconds per case
ARGS = ["--hidden", "16,12", "--batch-size", "50", "--validation", "100", "--epochs", "3", "--lr", "0.1",
        "--seed", "4", "--decay-at", "2", "--momentum", "0.5", "--trace-batch", "2,9", "--trace-epochs", "1,2",
        "--quiet"]
PNG_END = b"IEND\xaeB`\x82"

CASES = [
    ("SIGKILL", "before-replace:config.json", 1),  # at the very start
    ("SIGKILL", "before-replace:trace.h5", 1),  # creating trace.h5
    ("SIGKILL", "step", 4),  # in epoch 1, before the first checkpoint
    ("SIGKILL", "trace-group", 2),  # in the middle of writing a traced minibatch, in epoch 1
    ("SIGKILL", "trace-group", 3),  # … in epoch 2, after a checkpoint: the resumed run appends to trace.h5
    ("SIGKILL", "before-replace:checkpoint.h5", 2),
    ("SIGKILL", "after-replace:checkpoint.h5", 1),
    ("SIGKILL", "before-replace:metrics.json", 2),
    ("SIGKILL", "before-replace:params.h5", 1),  # the final writes
    ("SIGKILL", "before-replace:accuracy.png", 1),
    ("SIGKILL", "before-replace:complete.json", 1),
    ("SIGKILL", "after-replace:complete.json", 1),
    ("SIGINT", "step", 14),  # one Ctrl-C in epoch 2
    ("SIGINT2", "before-replace:checkpoint.h5", 2),  # two Ctrl-C while a checkpoint is written
    ("SIGINT2", "before-replace:params.h5", 1),  # two Ctrl-C during the final writes
]


@pytest.fixture(scope="module")
def reference(tiny_npz: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    run = tmp_path_factory.mktemp("reference") / "run"
    assert main(["train", "--data", str(tiny_npz), *ARGS, "--out", str(run)]) == 0
    return run


@pytest.fixture(scope="module")
def faulty_tutor() -> Iterator[Callable[..., subprocess.CompletedProcess[str]]]:
    """`tutor train ARGS` in a process of its own with a fault injected (fault_child.py), as
    ``faulty_tutor(signal_name, moment, nth, args, folder)``. The processes are forked from one Python that
    imported the command once; they exit or die as a `tutor` started afresh would."""
    server = subprocess.Popen([sys.executable, str(CHILD)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                              start_new_session=True)  # its own process group: stopped with every case it forked

    def run(signal_name: str, moment: str, nth: int, args: list[str], folder: Path) -> subprocess.CompletedProcess[str]:
        out, err = folder / "stdout.txt", folder / "stderr.txt"
        case = {"signal": signal_name, "moment": moment, "nth": nth, "args": args, "stdout": str(out),
                "stderr": str(err), "env": dict(os.environ)}
        server.stdin.write(json.dumps(case) + "\n")  # type: ignore[union-attr]
        server.stdin.flush()  # type: ignore[union-attr]
        if not select.select([server.stdout], [], [], 300)[0]:
            os.killpg(server.pid, signal.SIGKILL)  # the case, and the server with it: the module's later cases fail
            raise AssertionError(f"the case did not end in 300 s: {err.read_text() if err.exists() else ''}")
        answer = server.stdout.readline()  # type: ignore[union-attr]
        assert answer, f"fault_child.py stopped: {err.read_text() if err.exists() else ''}"
        return subprocess.CompletedProcess(args, int(answer), out.read_text(), err.read_text())

    run.group = server.pid  # type: ignore[attr-defined]  # the process group of the server and every case
    try:
        yield run
    finally:
        server.stdin.close()  # type: ignore[union-attr]
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:  # a case that never ended
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def assert_every_file_absent_or_complete(run: Path) -> None:
    files = {p.name: p for p in run.iterdir()}
    for name in ("config.json", "metrics.json", "complete.json"):
        if name in files:
            assert isinstance(json.loads(files[name].read_text()), dict), name
    if "metrics.csv" in files:
        assert next(csv.reader(files["metrics.csv"].open()))[0] == "epoch"
    if "checkpoint.h5" in files:
        load_checkpoint(files["checkpoint.h5"])
    if "params.h5" in files:
        assert [W.shape for W, _ in read_parameters(files["params.h5"])] == [(16, 784), (12, 16), (10, 12)]
    if "accuracy.png" in files:
        assert files["accuracy.png"].read_bytes().endswith(PNG_END)
    if "trace.h5" in files:
        for group in _trace_groups(files["trace.h5"]):
            with TraceFile(files["trace.h5"], group) as tf:
                tf.load()


def _trace_groups(path: Path) -> list[str]:
    import h5py

    with h5py.File(path, "r") as f:
        return sorted(f.keys())


@pytest.mark.parametrize(("signal_name", "moment", "nth"), CASES)
def test_a_fault_leaves_only_whole_files_and_the_run_continues_bit_identically(
        tiny_npz: Path, tmp_path: Path, reference: Path, faulty_tutor: Callable[..., subprocess.CompletedProcess[str]],
        signal_name: str, moment: str, nth: int) -> None:
    run = tmp_path / "run"
    child = faulty_tutor(signal_name, moment, nth, ["train", "--data", str(tiny_npz), *ARGS, "--out", str(run)],
                         tmp_path)
    expected = -signal.SIGKILL if signal_name == "SIGKILL" else 130
    assert child.returncode == expected, child.stderr
    if signal_name != "SIGKILL":
        assert f"tutor train --resume {run}" in " ".join(child.stdout.split()), child.stdout
    assert_every_file_absent_or_complete(run)

    # the next use of the folder: continue the run (or, killed before config.json, start it again)
    if (run / "complete.json").exists():
        assert main(["train", "--resume", str(run), "--quiet"]) == 2  # finished: nothing to resume
    elif (run / "config.json").exists():
        assert RunFolder(run).status() == "interrupted"
        assert main(["train", "--resume", str(run), "--quiet"]) == 0
    else:
        assert main(["train", "--data", str(tiny_npz), *ARGS, "--out", str(run)]) == 0
    assert not [p.name for p in run.iterdir() if p.name.endswith(".part")]
    assert not (run / "checkpoint.h5").exists()
    assert RunFolder(run).status() == "complete"
    assert RunFolder(run).read_metrics().status == "complete"
    assert_every_file_absent_or_complete(run)
    assert same_parameters(reference / "params.h5", run / "params.h5")
    assert _trace_groups(run / "trace.h5") == _trace_groups(reference / "trace.h5")
    assert not list(run.glob("trace-damaged-*"))  # the kill left trace.h5 readable: nothing had to be set aside


SPLIT_CASES = [
    ("SIGKILL", "step", 4),
    ("SIGKILL", "trace-group", 3),
    ("SIGKILL", "before-replace:params.h5", 1),
    ("SIGINT", "step", 14),
    ("SIGINT2", "before-replace:checkpoint.h5", 2),
]


@pytest.fixture(scope="module")
def split_reference(tiny_npz: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    run = tmp_path_factory.mktemp("reference") / "run"
    assert main(["train", "--data", str(tiny_npz), *ARGS, "--processes", "2", "--out", str(run)]) == 0
    return run


def _others_in_group(group: int) -> list[int]:
    """Processes of the process group ``group`` other than its leader, alive (not zombies)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group and int(stat.parent.name) != group and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


@pytest.mark.skipif(split_problem(2) is not None, reason=str(split_problem(2)))
@pytest.mark.parametrize(("signal_name", "moment", "nth"), SPLIT_CASES)
def test_a_fault_in_a_run_split_over_processes_leaves_no_helper_and_the_run_continues_bit_identically(
        tiny_npz: Path, tmp_path: Path, split_reference: Path,
        faulty_tutor: Callable[..., subprocess.CompletedProcess[str]], signal_name: str, moment: str, nth: int) -> None:
    run = tmp_path / "run"
    args = ["train", "--data", str(tiny_npz), *ARGS, "--processes", "2", "--out", str(run)]
    child = faulty_tutor(signal_name, moment, nth, args, tmp_path)
    assert child.returncode == (-signal.SIGKILL if signal_name == "SIGKILL" else 130), child.stderr
    deadline = time.monotonic() + 10
    while _others_in_group(faulty_tutor.group) and time.monotonic() < deadline:  # type: ignore[attr-defined]
        time.sleep(0.05)
    assert not _others_in_group(faulty_tutor.group)  # type: ignore[attr-defined]  # the helper died with its run
    assert_every_file_absent_or_complete(run)
    assert main(["train", "--resume", str(run), "--quiet"]) == 0
    assert RunFolder(run).status() == "complete"
    assert same_parameters(split_reference / "params.h5", run / "params.h5")
    assert _trace_groups(run / "trace.h5") == _trace_groups(split_reference / "trace.h5")
