"""Files are written whole or not at all, with the permissions a plain open() gives."""

from __future__ import annotations

import os
import shlex
from pathlib import Path

import pytest

from backprop_tutor.errors import WriteError
from backprop_tutor.fileio import atomic_path, write_text_atomic


def test_written_file_has_the_usual_permissions(tmp_path: Path):
    old = os.umask(0o022)
    try:
        path = write_text_atomic(tmp_path / "a.md", "hello")
    finally:
        os.umask(old)
    assert path.read_text() == "hello"
    assert path.stat().st_mode & 0o777 == 0o644


def test_failure_keeps_the_old_file_and_leaves_no_temporary(tmp_path: Path):
    target = tmp_path / "a.md"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("interrupted")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["a.md"]


def test_a_folder_as_target_is_refused_with_its_name(tmp_path: Path):
    with pytest.raises(WriteError, match=f"{tmp_path}: is a folder"), atomic_path(tmp_path):
        pass


def test_cli_turns_file_errors_into_a_message_and_exit_2(tmp_path: Path, capsys):
    from backprop_tutor.cli import main

    assert main(["example", "--markdown", str(tmp_path)]) == 2
    assert f"{tmp_path}: is a folder; give a file name" in capsys.readouterr().err


@pytest.mark.parametrize("free_kb", [4, 16, 32])
def test_full_disk_while_saving_a_trace_is_one_message_and_leaves_nothing(small_disk, free_kb: int):
    # was: a RuntimeError traceback from h5py's close, a segfault, or HDF5 internals (buf = 0x…) naming
    # the hidden .t.h5.*.part file, which could be left behind
    done = small_disk('$PY -m backprop_tutor example hand-backprop --save-trace "$DISK/t.h5"; echo "rc=$?"; '
                      'ls -a "$DISK"', free_kb=free_kb)
    assert "rc=2" in done.stdout, done.stdout + done.stderr
    assert "Traceback" not in done.stderr and "0x" not in done.stderr and ".part" not in done.stderr
    assert "error: no space left writing" in done.stderr and "t.h5 (needs ~" in done.stderr
    assert sorted(done.stdout.split()[1:]) == [".", "..", "fill"]  # nothing half-written, no temporary


def test_full_disk_found_only_while_writing_is_the_same_message(small_disk):
    # the free-space check passes (it is told there is room), so the write itself meets the full disk
    script = """
import shutil, sys
from backprop_tutor.errors import WriteError
from backprop_tutor.fileio import write_text_atomic
shutil.disk_usage = lambda p: shutil._ntuple_diskusage(10**9, 0, 10**9)
try:
    write_text_atomic(sys.argv[1] + "/a.md", "x" * 200_000)
except WriteError as err:
    print(err)
"""
    done = small_disk(f'$PY -c {shlex.quote(script)} "$DISK"; ls -a "$DISK"', free_kb=40)
    assert "no space left writing" in done.stdout and "a.md (needs ~" in done.stdout, done.stdout + done.stderr
    assert ".part" not in done.stdout and "a.md\n" not in done.stdout


def test_hdf5_writes_that_fit_still_land(small_disk):
    done = small_disk('$PY -m backprop_tutor example hand-backprop --save-trace "$DISK/t.h5" && '
                      '$PY -m backprop_tutor export "$DISK/t.h5" --markdown - | head -1', free_kb=200)
    assert done.returncode == 0 and "wrote the trace" in done.stdout, done.stdout + done.stderr


def test_a_file_in_the_place_of_a_folder_is_named(tmp_path: Path, capsys):
    from backprop_tutor.cli import main

    (tmp_path / "ok.toml").write_text("x")
    # was: "ok.toml: File exists"
    assert main(["example", "--save-trace", str(tmp_path / "ok.toml" / "t.h5")]) == 2
    assert f"cannot write {tmp_path}/ok.toml/t.h5: {tmp_path}/ok.toml is a file, not a folder" in \
        capsys.readouterr().err.replace("\n", "")


def test_a_write_error_is_still_an_oserror_for_code_that_handles_those(tmp_path: Path):
    # the UI's export key catches OSError to show a notification instead of crashing
    with pytest.raises(OSError, match="is a folder"):
        write_text_atomic(tmp_path, "x")


def test_ensure_free_space_for_writers_that_append(small_disk):
    script = ("from backprop_tutor.fileio import ensure_free_space; import sys; "
              "ensure_free_space(sys.argv[1] + '/run/trace.h5', 10_000); print('fits'); "
              "ensure_free_space(sys.argv[1] + '/run/trace.h5', 1_000_000)")
    done = small_disk(f'$PY -c {shlex.quote(script)} "$DISK"', free_kb=200)
    assert done.stdout == "fits\n"
    assert "WriteError: no space left writing" in done.stderr and "run/trace.h5 (needs ~1.0 MB" in done.stderr
