"""`tutor view` on what is not a trace file: one message, exit 2."""

from __future__ import annotations

from pathlib import Path

from backprop_tutor.cli import main


def test_a_folder_names_its_trace_files(tmp_path: Path, capsys):
    run = tmp_path / "runs" / "tanh-0.01"
    run.mkdir(parents=True)
    (run / "trace.h5").write_bytes(b"")
    assert main(["view", str(run)]) == 2
    err = capsys.readouterr().err
    assert f"{run} is a folder, not a trace file" in err and "trace.h5" in err
    assert "errno" not in err.lower() and "Traceback" not in err


def test_an_empty_folder_says_how_to_make_a_trace(tmp_path: Path, capsys):
    assert main(["view", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "is a folder" in err and "--save-trace" in err and "errno" not in err.lower()
