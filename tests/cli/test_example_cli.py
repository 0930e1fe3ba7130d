"""`tutor example`, `tutor --version`, `python -m backprop_tutor`: as a user runs them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from backprop_tutor import __version__
from backprop_tutor.cli import main
from backprop_tutor.trace.store import TraceFile


def test_print_shows_the_tables(capsys):
    assert main(["example", "hand-backprop", "--print"]) == 0
    out = capsys.readouterr().out
    for text in ("Feed-forward", "Backprop", "[42, -31, 25]", "Updated parameters", "W(l) new"):
        assert text in out


def test_exact_print_shows_the_tiny_delta(capsys):
    assert main(["example", "hand-backprop", "--exact", "--print"]) == 0
    assert "[1.98e-32, 1.0]" in capsys.readouterr().out


def test_markdown_and_trace_files(tmp_path: Path, capsys):
    md, h5 = tmp_path / "hand.md", tmp_path / "hand.h5"
    assert main(["example", "hand-backprop", "--markdown", str(md), "--save-trace", str(h5)]) == 0
    assert "| 1 | [5, -5] | [5, 0] | [1, 0] |" in md.read_text()
    with TraceFile(h5) as tf:
        assert len(tf) == 14 and tf.header.sizes == [3, 2, 2, 3]
    assert f"wrote the trace to {h5}" in capsys.readouterr().out.replace("\n", "")


def test_the_editable_copy_in_examples_runs_like_the_builtin(tmp_path: Path):
    copy = Path(__file__).resolve().parents[2] / "examples" / "hand_backprop.toml"
    assert main(["example", str(copy), "--markdown", str(tmp_path / "copy.md"), "--digits", "9"]) == 0
    assert "| 3 | [0.999999959, 1.9792598e-32, -0.999999959] |" in (tmp_path / "copy.md").read_text()


def test_list(capsys):
    assert main(["example", "--list"]) == 0
    out = capsys.readouterr().out
    assert "hand-backprop" in out and "mazur-sigmoid" in out


@pytest.mark.parametrize(("argv", "message"), [
    (["example", "no-such-example"], "neither a built-in example"),
    (["example", "--digits", "0"], "give at least 1 significant digit"),
    (["example", "--exact", "--dtype", "float32"], "contradict"),
    (["example", "--sample", "1", "--print"], "this example holds 1 sample, numbered 0 to 0"),
])
def test_usage_errors_exit_2_with_a_message(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_help_of_every_command_shows_an_example(capsys):
    from backprop_tutor.cli import build_parser

    parser = build_parser()
    subcommands = parser._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    for name, sub in subcommands.items():
        assert "tutor " + name in sub.format_help(), name
    assert "tutor example" in parser.format_help()


def test_version_and_python_dash_m():
    out = subprocess.run([sys.executable, "-m", "backprop_tutor", "--version"], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == f"backprop_tutor {__version__}"
    result = subprocess.run([sys.executable, "-m", "backprop_tutor", "example", "--print"], capture_output=True,
                            text=True)
    assert result.returncode == 0 and "Feed-forward" in result.stdout
