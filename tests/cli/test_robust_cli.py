"""Bad input, odd streams and Ctrl-C at the command line: one message and exit 2 (or 130), never a
traceback, a hang, or a user's file replaced (issue 9)."""

from __future__ import annotations

import io
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console

from backprop_tutor.cli import main
from backprop_tutor.spec import builtin_examples, load_spec, resolve_example, run_spec

HAND = builtin_examples()["hand-backprop"]


def _copy_spec(tmp_path: Path, text: str | None = None) -> Path:
    spec = tmp_path / "my.toml"
    spec.write_text(HAND.read_text() if text is None else text, encoding="utf-8")
    return spec


# --- 15: Ctrl-C at once -----------------------------------------------------------------------
def _as_in_a_terminal() -> None:
    """The child starts as a foreground command does: SIGINT at its default, even when pytest itself runs
    in the background (`pytest &`), where the shell ignores SIGINT and every child inherits that."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_while_the_parser_is_built_is_exit_130(monkeypatch, capsys):
    import backprop_tutor.cli as cli

    def interrupted(*argv: object) -> None:  # build_parser(argv): the parser of the command named
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "build_parser", interrupted)
    assert cli.main(["example"]) == 130
    assert capsys.readouterr().err == "interrupted\n"


def test_importing_the_command_loads_no_heavy_module():
    # the fewer imports before main's handler is in place, the shorter the window for a raw Ctrl-C
    code = "import sys, backprop_tutor.cli; print(sorted({'rich', 'numpy', 'h5py', 'argparse'} & set(sys.modules)))"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout == "[]\n"


def test_ctrl_c_before_main_takes_over_is_a_quiet_exit_130():
    # issue 19: a Ctrl-C within ~20 ms of start (still importing) gave a KeyboardInterrupt traceback
    code = ("import os, signal, backprop_tutor.cli\n"
            "os.kill(os.getpid(), signal.SIGINT)\n"
            "import time; time.sleep(2); print('not reached')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          preexec_fn=_as_in_a_terminal)
    assert (done.returncode, done.stdout, done.stderr) == (130, "", "interrupted\n")


def test_once_main_runs_ctrl_c_is_keyboard_interrupt_again():
    # training relies on KeyboardInterrupt to save its checkpoint
    code = ("import signal, backprop_tutor.cli as cli\n"
            "cli._main = lambda argv: print(signal.getsignal(signal.SIGINT) is signal.default_int_handler)\n"
            "cli.main([])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, preexec_fn=_as_in_a_terminal)
    assert done.stdout == "True\n"


# --- 4: outputs never replace inputs; '-' is standard output ----------------------------------
@pytest.mark.parametrize("flag", ["--markdown", "--save-trace"])
def test_an_output_that_is_the_spec_is_refused(tmp_path: Path, flag: str, capsys):
    spec = _copy_spec(tmp_path)
    before = spec.read_text()
    assert main(["example", str(spec), flag, str(spec)]) == 2
    assert f"{flag} {spec} would overwrite the spec file" in capsys.readouterr().err.replace("\n", "")
    assert spec.read_text() == before


def test_the_same_file_for_both_outputs_is_refused(tmp_path: Path, capsys):
    out = tmp_path / "out"
    assert main(["example", "--markdown", str(out), "--save-trace", str(out)]) == 2
    assert "would overwrite the output of --markdown" in capsys.readouterr().err.replace("\n", "")
    assert not out.exists()


def test_an_output_that_is_the_init_file_is_refused(tmp_path: Path, capsys):
    from backprop_tutor.params import write_parameters

    spec = load_spec(HAND)
    params = {f"{k}{l}": np.asarray(getattr(layer, k), dtype=float)
              for l, layer in enumerate(spec.layers, start=1) for k in ("W", "b")}
    write_parameters(tmp_path / "p.h5", params)
    layers = "".join(f'[[layer]]\nunits = {layer.units}\nactivation = "{layer.activation}"\n' for layer in spec.layers)
    my = _copy_spec(tmp_path, 'inputs = 3\nloss = "cross-entropy"\nlearning_rate = 0.5\n'
                    '[data]\nx = [1, -1, 1]\ny = [0, 0, 1]\n'
                    f'[init]\nscheme = "file"\npath = "p.h5"\n{layers}')
    assert main(["example", str(my), "--print"]) == 0
    assert main(["example", str(my), "--save-trace", str(tmp_path / "p.h5")]) == 2
    assert "would overwrite its [init] file" in capsys.readouterr().err.replace("\n", "")


def test_markdown_dash_is_standard_output(tmp_path: Path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["example", "--markdown", "-"]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("#") and "| 1 | [5, -5] | [5, 0] | [1, 0] |" in captured.out
    assert list(tmp_path.iterdir()) == []  # no file named '-'


def test_export_refuses_to_write_over_its_trace(tmp_path: Path, capsys):
    h5 = tmp_path / "t.h5"
    assert main(["example", "--save-trace", str(h5)]) == 0
    before = h5.read_bytes()
    assert main(["export", str(h5), "--markdown", str(h5)]) == 2
    assert "would overwrite the trace" in capsys.readouterr().err.replace("\n", "")
    assert h5.read_bytes() == before


# --- 16: no terminal ------------------------------------------------------------------------
def test_view_without_a_terminal_says_so_instead_of_hanging(tmp_path: Path):
    h5 = tmp_path / "t.h5"
    assert main(["example", "--save-trace", str(h5)]) == 0
    done = subprocess.run([sys.executable, "-m", "backprop_tutor", "view", str(h5)], stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "tutor view needs a terminal" in done.stderr and f"tutor export {h5} --markdown -" in done.stderr


# --- 12: values are never markup ------------------------------------------------------------
def test_nan_and_inf_cells_print_as_themselves():
    from backprop_tutor.render.console import print_worksheet

    trace = run_spec(load_spec(resolve_example("hand-backprop")))
    forward = next(e for e in trace.events if e.kind == "forward")
    forward.s[0] = [np.nan, np.inf]
    out = io.StringIO()
    print_worksheet(trace, Console(file=out, width=200))
    assert "[nan, inf]" in out.getvalue()


# --- 13: spec files that are not UTF-8, titles with terminal escapes ------------------------
def test_a_spec_that_is_not_utf8_is_one_message(tmp_path: Path, capsys):
    spec = tmp_path / "latin1.toml"
    spec.write_bytes(HAND.read_bytes().replace(b'title = "', b'title = "Caf\xe9 ', 1))
    assert main(["example", str(spec), "--print"]) == 2
    err = capsys.readouterr().err.replace("\n", "")
    assert "byte 0xe9 is not UTF-8 text" in err and "Traceback" not in err


def test_a_title_with_an_escape_sequence_is_refused(tmp_path: Path, capsys):
    spec = _copy_spec(tmp_path, HAND.read_text().replace('title = "', 'title = "\\u001b[2J', 1))
    assert main(["example", str(spec), "--print"]) == 2
    err = capsys.readouterr().err
    assert "title contains the control character '\\x1b'" in err and "\x1b[2J" not in err


def test_save_trace_dash_writes_the_hdf5_to_standard_output(tmp_path: Path):
    from backprop_tutor.trace.store import TraceFile

    out = tmp_path / "piped.h5"
    with out.open("wb") as sink:
        done = subprocess.run([sys.executable, "-m", "backprop_tutor", "example", "--save-trace", "-"],
                              stdout=sink, stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    with TraceFile(out) as trace:
        assert len(trace) == 14
    assert sorted(p.name for p in tmp_path.iterdir()) == ["piped.h5"]  # no file named '-'


def test_both_outputs_to_standard_output_is_refused(capsys):
    assert main(["example", "--save-trace", "-", "--markdown", "-"]) == 2
    assert "both want standard output" in capsys.readouterr().err


def test_example_and_export_refuse_two_standard_outputs_in_the_same_words(tmp_path: Path, capsys):
    trace = tmp_path / "hand.h5"
    assert main(["example", "--save-trace", str(trace)]) == 0
    capsys.readouterr()
    wording = "--markdown - and --solution - both want standard output; give all but one of them a file name"
    for command in (["example"], ["export", str(trace)]):
        assert main([*command, "--markdown", "-", "--solution", "-"]) == 2
        assert wording in " ".join(capsys.readouterr().err.split())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hand.h5"]


def test_escape_codes_quoted_in_an_error_are_shown_not_obeyed(tmp_path: Path, capsys):
    spec = _copy_spec(tmp_path, '"\\u001b[2J" = 1\n' + HAND.read_text())
    assert main(["example", str(spec), "--print"]) == 2
    err = capsys.readouterr().err
    assert "unknown field \\x1b[2J" in err and "\x1b" not in err


@pytest.mark.parametrize("command", [["example", "--markdown"], ["export", "TRACE", "--markdown"]])
def test_file_names_that_look_like_markup_are_printed_as_they_are(tmp_path: Path, command: list[str], capsys,
                                                                   monkeypatch):
    # was: a rich MarkupError traceback for "[/x].md", and "[red]y.md" printed as "y.md"
    monkeypatch.chdir(tmp_path)
    assert main(["example", "--save-trace", "t.h5"]) == 0
    for name in ("[/x].md", "[red]y.md"):
        argv = [a.replace("TRACE", "t.h5") for a in command] + [name]
        assert main(argv) == 0
        assert name in capsys.readouterr().out.replace("\n", "")
        assert (tmp_path / name).is_file()



@pytest.mark.parametrize("command", [
    ["gradcheck", "hand-backprop", "--seed", "-1"],
    ["practice", "--random", "--seed", "-1"],
    ["compare", "examples/my_mlp.py:my_step", "--data", "mnist", "--seed", "-1"],
])
def test_a_negative_seed_is_one_message_everywhere(command: list[str], capsys):
    # issue 19: numpy's "expected non-negative integer" traceback; one argument type (cli._args.whole_number)
    assert main(command) == 2
    assert "--seed -1: give a whole number ≥ 0" in capsys.readouterr().err
