"""`tutor data …`: exit codes, output, and errors as one message on stderr (never a traceback)."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest
from data_helpers import write_idx_set

from backprop_tutor.cli import data as data_cli
from backprop_tutor.cli._args import TutorParser as _Parser


@pytest.fixture
def tutor():
    """The real `tutor` entry point (needs every registered subcommand module to import)."""
    pytest.importorskip("backprop_tutor.cli.example", reason="backprop_tutor/cli/example.py is not there yet")
    from backprop_tutor.cli import main

    return main


def _data_only_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="tutor")
    data_cli.add_parser(parser.add_subparsers(dest="command", parser_class=_Parser))
    return parser


def test_data_list(tutor, capsys: pytest.CaptureFixture[str]) -> None:
    assert tutor(["data", "list"]) == 0
    out = capsys.readouterr().out
    assert "mnist" in out and "fashion-mnist" in out and "not found" in out
    assert "tutor data download mnist" in out


def test_data_list_shows_a_found_set(tutor, tmp_path: Path, monkeypatch, capsys) -> None:
    write_idx_set(tmp_path / "data" / "mnist")
    monkeypatch.setenv("BACKPROP_TUTOR_DATA", str(tmp_path / "data"))
    assert tutor(["data", "list"]) == 0
    out = capsys.readouterr().out
    assert "12" in out and "5" in out and str(tmp_path / "data" / "mnist")[:20] in out


def test_data_info_bad_path_is_exit_2_with_message(tutor, tmp_path: Path, capsys) -> None:
    missing = tmp_path / "nowhere.npz"
    assert tutor(["data", "info", str(missing)]) == 2
    captured = capsys.readouterr()
    assert "error:" in captured.err and "no such file or folder" in captured.err
    assert "nowhere.npz" in captured.err and "Traceback" not in captured.err


@pytest.mark.parametrize(("content", "reason"), [
    (b"hello, this is text\n", "it is a text file, not a zip archive of .npy arrays"),
    (b"\x00\x01\x02\x03binary", "it is not a zip archive of .npy arrays (its first bytes are"),
])
def test_data_info_on_a_file_that_is_no_npz_says_so_without_numpy_pickle_advice(
        tutor, tmp_path: Path, capsys, content: bytes, reason: str) -> None:
    fake = tmp_path / "fake.npz"
    fake.write_bytes(content)
    for command in (["data", "info", str(fake)], ["infer", "--params", str(fake), "--data", str(fake)]):
        assert tutor(command) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert err.count(reason) == 1 and "allow_pickle" not in err and "pickle.load" not in err


def test_data_info_on_real_data(tutor, mnist_t10k_dir: Path, capsys) -> None:
    assert tutor(["data", "info", str(mnist_t10k_dir)]) == 0
    out = capsys.readouterr().out
    assert "(10000, 784) float32" in out and "1,135" in out and "divided by 255" in out


def test_data_convert_then_info(tutor, tmp_path: Path, capsys) -> None:
    write_idx_set(tmp_path / "idx")
    assert tutor(["data", "convert", str(tmp_path / "idx"), "--out", str(tmp_path / "course")]) == 0
    assert "mnist_traindata.hdf5" in capsys.readouterr().out
    assert tutor(["data", "info", str(tmp_path / "course")]) == 0
    assert "(12, 784) float32" in capsys.readouterr().out


def test_data_convert_needs_out(tutor, capsys) -> None:
    assert tutor(["data", "convert", "mnist"]) == 2
    assert "--out" in capsys.readouterr().err


def test_data_download_from_a_local_mirror(
    tutor, fashion_dir: Path, mnist_t10k_dir: Path, tmp_path: Path, serve, capsys
) -> None:
    dest = tmp_path / "mnist"
    dest.mkdir()
    for name in ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz"):
        (dest / name).symlink_to(fashion_dir / name)  # present: only the test files are fetched
    argv = ["data", "download", "mnist", "--dest", str(dest), "--mirror", serve(mnist_t10k_dir)]
    assert tutor(argv) == 0
    assert "SHA-256 verified" in capsys.readouterr().out
    assert (dest / "t10k-images-idx3-ubyte.gz").is_file()


def test_data_download_offline_is_exit_2(tutor, tmp_path: Path, closed_port_url: str, capsys) -> None:
    argv = ["data", "download", "fashion-mnist", "--dest", str(tmp_path), "--mirror", closed_port_url]
    assert tutor(argv) == 2
    err = capsys.readouterr().err
    assert "If you are offline" in err and "apt-get install dataset-fashion-mnist" in err


def test_every_data_help_shows_an_example(capsys) -> None:
    parser = _data_only_parser()
    for argv in (["data"], ["data", "list"], ["data", "download"], ["data", "convert"], ["data", "info"]):
        with pytest.raises(SystemExit):
            parser.parse_args([*argv, "--help"])
        assert "tutor data" in capsys.readouterr().out.split("example")[1]


def test_data_without_subcommand_prints_help(capsys) -> None:
    args = _data_only_parser().parse_args(["data"])
    assert args.func(args) == 2
    assert "DATA_COMMAND" in capsys.readouterr().out
