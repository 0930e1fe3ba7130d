"""Files are written whole or not at all, with the permissions a plain open() gives."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

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
    with pytest.raises(IsADirectoryError) as err, atomic_path(tmp_path):
        pass
    assert err.value.filename == str(tmp_path)


def test_cli_turns_file_errors_into_a_message_and_exit_2(tmp_path: Path, capsys):
    from backprop_tutor.cli import main

    assert main(["example", "--markdown", str(tmp_path)]) == 2
    assert f"{tmp_path}: is a folder; give a file name" in capsys.readouterr().err
