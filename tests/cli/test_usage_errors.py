"""A usage error is told by the subcommand that was given the words (its usage line, its --help), and an
option pasted with the square brackets of a usage line is explained (issue 18)."""

from __future__ import annotations

import pytest

from backprop_tutor.cli import main
from backprop_tutor.cli._commands import NAMES


@pytest.mark.parametrize("command", NAMES)
def test_an_unknown_option_shows_the_subcommands_usage(command: str, capsys: pytest.CaptureFixture) -> None:
    assert main([command, "--no-such-option"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"usage: tutor {command} ")
    assert f"tutor {command}: error: " in err and f"(see `tutor {command} --help` for examples)" in err
    assert "usage: tutor [-h]" not in err


def test_words_left_over_are_named_by_the_innermost_subcommand(capsys: pytest.CaptureFixture) -> None:
    assert main(["data", "download", "mnist", "--no-such-option"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: tutor data download ")
    assert "tutor data download: error: unrecognized arguments: --no-such-option" in err


def test_options_pasted_with_their_brackets_are_explained(tmp_path, capsys: pytest.CaptureFixture) -> None:
    assert main(["example", "hand-backprop", "--save-trace", str(tmp_path / "hand.h5")]) == 0
    capsys.readouterr()
    pasted = [str(tmp_path / "hand.h5"), "--markdown", str(tmp_path / "b.md"), "[--sample", "0]", "[--full]"]
    assert main(["export", *pasted]) == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: tutor export ")
    assert "unrecognized arguments: [--sample 0] [--full]" in err and "without the brackets" in err
    assert not (tmp_path / "b.md").exists()
    assert main(["export", *[w.strip("[]") for w in pasted]]) == 0  # the same words without brackets work
    assert (tmp_path / "b.md").is_file()
