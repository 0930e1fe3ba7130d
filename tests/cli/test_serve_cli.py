"""`tutor serve`: what it refuses before starting a server (one message, exit 2)."""

from __future__ import annotations

import socket
from pathlib import Path

from backprop_tutor.cli import main


def test_an_unknown_target_is_one_message(capsys):
    assert main(["serve", "no-such-example"]) == 2
    err = capsys.readouterr().err
    assert "'no-such-example' is neither a built-in example" in err and "hand-backprop" in err


def test_a_port_in_use_is_named(capsys):
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        assert main(["serve", "hand-backprop", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert f"cannot listen on 127.0.0.1:{port}" in err and "--port" in err


def test_exact_needs_a_spec_not_a_trace(tmp_path: Path, capsys):
    trace = tmp_path / "hand.h5"
    assert main(["example", "hand-backprop", "--save-trace", str(trace)]) == 0
    assert main(["serve", str(trace), "--exact"]) == 2
    assert "keeps the precision it was recorded in" in capsys.readouterr().err


def test_help_says_what_exposing_it_means(capsys):
    assert main(["serve", "--help"]) == 0
    out = capsys.readouterr().out
    assert "127.0.0.1" in out and "0.0.0.0" in out and "without a password" in out


def test_group_and_public_url_are_checked_before_any_server(capsys):
    # issue 19: both were accepted without a word. The port is held busy, so a command that got past the
    # checks would stop at "cannot listen" rather than serve.
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = str(busy.getsockname()[1])
        assert main(["serve", "hand-backprop", "--group", "X", "--port", port]) == 2
        err = " ".join(capsys.readouterr().err.split())
        assert "--group X: picks one of the traces in a saved trace file" in err and "cannot listen" not in err
        for url in ("not a url", "ftp://host", "http://", "http://host:99999"):
            assert main(["serve", "hand-backprop", "--public-url", url, "--port", port]) == 2
            err = " ".join(capsys.readouterr().err.split())
            assert f"--public-url {url!r}: not a web address" in err and "cannot listen" not in err
