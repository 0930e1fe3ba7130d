"""One rule for every command: no output may replace any of its inputs (checked by resolved path), not only
the files named on the command line but the spec an answer file names and the files a loader reads."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from backprop_tutor.cli import main
from backprop_tutor.params import write_parameters


def tutor(*args: object) -> int:
    return main([str(a) for a in args])


@pytest.fixture
def answers(tmp_path: Path, capsys: pytest.CaptureFixture) -> Path:
    """A blank worksheet of the hand example beside a copy of its spec, which the sheet names."""
    from backprop_tutor.spec import builtin_examples

    (tmp_path / "net.toml").write_text(builtin_examples()["hand-backprop"].read_text())
    assert tutor("worksheet", tmp_path / "net.toml") == 0
    sheet = tmp_path / "a.md"
    sheet.write_text(capsys.readouterr().out.replace(str(tmp_path / "net.toml"), "net.toml"))
    return sheet


def _unchanged(*files: Path):
    before = {f: f.read_bytes() for f in files}
    return lambda: all(f.read_bytes() == data for f, data in before.items())


@pytest.mark.parametrize("flag", ["--markdown", "--json"])
def test_check_refuses_a_report_over_the_answers(answers: Path, flag: str, capsys: pytest.CaptureFixture) -> None:
    same = _unchanged(answers)
    assert tutor("check", answers, flag, answers) == 2
    assert f"{flag} {answers} would overwrite the answer file" in capsys.readouterr().err.replace("\n", "")
    assert same()


def test_check_refuses_a_report_over_the_spec_the_file_names(answers: Path, capsys: pytest.CaptureFixture,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    spec = answers.parent / "net.toml"
    same = _unchanged(answers, spec)
    monkeypatch.chdir(answers.parent.parent)  # a different spelling of the same file
    other = Path(answers.parent.name) / "." / "net.toml"
    assert tutor("check", answers, "--json", other) == 2
    assert "would overwrite the spec" in capsys.readouterr().err.replace("\n", "")
    assert same()


@pytest.fixture
def infer_inputs(tmp_path: Path) -> tuple[Path, Path]:
    rng = np.random.default_rng(0)
    params = write_parameters(tmp_path / "p.h5", {"W1": rng.standard_normal((10, 784)) * 0.01, "b1": np.zeros(10)})
    data = tmp_path / "d.npz"
    np.savez(data, x_test=rng.integers(0, 256, (20, 784), dtype=np.uint8), y_test=rng.integers(0, 10, 20))
    return params, data


@pytest.mark.parametrize("flag", ["--json", "--gallery"])
def test_infer_refuses_an_output_over_the_parameters(infer_inputs: tuple[Path, Path], flag: str,
                                                      capsys: pytest.CaptureFixture) -> None:
    params, data = infer_inputs
    same = _unchanged(params, data)
    assert tutor("infer", "--params", params, "--data", data, flag, params) == 2
    assert f"{flag} {params} would overwrite the parameter file" in capsys.readouterr().err.replace("\n", "")
    assert same()


def test_infer_refuses_an_output_over_the_data_even_through_a_link(infer_inputs: tuple[Path, Path],
                                                                    capsys: pytest.CaptureFixture) -> None:
    params, data = infer_inputs
    link = data.parent / "link.json"
    os.symlink(data, link)
    same = _unchanged(params, data)
    assert tutor("infer", "--params", params, "--data", data, "--json", link) == 2
    assert "would overwrite the data file d.npz" in capsys.readouterr().err.replace("\n", "")
    assert same()


def test_example_refuses_an_output_over_the_answers_it_marks(answers: Path, capsys: pytest.CaptureFixture) -> None:
    same = _unchanged(answers)
    assert tutor("example", answers.parent / "net.toml", "--answers", answers, "--markdown", answers) == 2
    assert "would overwrite the answer file" in capsys.readouterr().err.replace("\n", "")
    assert same()


def test_an_output_folder_may_not_hold_an_input(tmp_path: Path) -> None:
    from backprop_tutor.errors import UsageError
    from backprop_tutor.fileio import refuse_replacing_inputs

    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "x.npz").write_bytes(b"")
    with pytest.raises(UsageError, match="would overwrite the data"):
        refuse_replacing_inputs({"--out": tmp_path / "data"}, {"the data": tmp_path / "data" / "x.npz"})
    refuse_replacing_inputs({"--out": tmp_path / "runs"}, {"the data": tmp_path / "data" / "x.npz"})


@pytest.mark.parametrize("command", ["train", "sweep"])
def test_train_and_sweep_refuse_an_out_that_is_or_holds_the_data(tmp_path: Path, command: str,
                                                                  capsys: pytest.CaptureFixture) -> None:
    data = tmp_path / "d.npz"
    rng = np.random.default_rng(0)
    np.savez(data, x_train=rng.integers(0, 256, (60, 784), dtype=np.uint8), y_train=rng.integers(0, 10, 60))
    same = _unchanged(data)
    for out in (data, tmp_path):
        assert tutor(command, "--data", data, "--validation", "10", "--batch-size", "10", "--out", out) == 2
        assert f"--out {out} would overwrite the data ({data})" in " ".join(capsys.readouterr().err.split())
    assert same() and sorted(p.name for p in tmp_path.iterdir()) == ["d.npz"]
