"""`tutor train` with one fault injected at a chosen moment, for tests/train/test_fault_injection.py.

    python fault_child.py        then, on standard input, one case a line (JSON):
    {"signal": SIGNAL, "moment": MOMENT, "nth": N, "args": [tutor-arguments…], "stdout": FILE, "stderr": FILE,
     "env": {…}}

Each case runs in a process of its own, forked from this one, which has imported `tutor train` and what a run
draws and writes with (numpy, h5py, matplotlib) once: a fresh Python spent most of each case's time importing
them. The forked process takes the case's environment, writes to the case's two files and exits with the
command's exit code (or dies of the signal); this process answers each case with one line, that exit code
as `subprocess` gives it (-9 for SIGKILL).

SIGNAL is SIGKILL, SIGINT (one Ctrl-C) or SIGINT2 (two Ctrl-C in a row), sent to the process at the
N-th time MOMENT comes: "step" (before a training step), "trace-group" (a traced minibatch written
into trace.h5 but not yet linked), "before-replace:FILE" (FILE's temporary file complete, not yet
renamed over FILE) or "after-replace:FILE" (just renamed). Nothing in the package is changed: the
moments are found by wrapping the functions the package calls.
"""

from __future__ import annotations

import json
import os
import signal
import sys
import traceback
from pathlib import Path
from typing import Any


def inject(signal_name: str, moment: str, nth: int) -> None:
    """Send ``signal_name`` to this process the ``nth`` time ``moment`` comes."""
    seen = 0

    def fire() -> None:
        nonlocal seen
        seen += 1
        if seen != nth:
            return
        if signal_name == "SIGKILL":
            os.kill(os.getpid(), signal.SIGKILL)
        os.kill(os.getpid(), signal.SIGINT)
        if signal_name == "SIGINT2":
            os.kill(os.getpid(), signal.SIGINT)

    kind, _, target = moment.partition(":")
    if kind in ("before-replace", "after-replace"):
        real_replace = os.replace

        def replace(src, dst, *args, **kwargs):  # type: ignore[no-untyped-def]
            hit = Path(dst).name == target
            if hit and kind == "before-replace":
                fire()
            real_replace(src, dst, *args, **kwargs)
            if hit and kind == "after-replace":
                fire()

        os.replace = replace
    elif kind == "step":
        from backprop_tutor.engine.network import Network

        real_step = Network.train_step

        def train_step(self, *args, **kwargs):  # type: ignore[no-untyped-def]
            fire()
            return real_step(self, *args, **kwargs)

        Network.train_step = train_step  # type: ignore[method-assign]
    elif kind == "trace-group":
        from backprop_tutor.train import tracing

        real_write = tracing.write_trace

        def write_trace(group, trace):  # type: ignore[no-untyped-def]
            real_write(group, trace)  # the group's data written (HDF5 may still cache some), not yet linked
            fire()

        tracing.write_trace = write_trace
    else:
        raise SystemExit(f"unknown moment {moment!r}")


def run_case(case: dict[str, Any]) -> None:
    """In the forked process: the case's environment and output files, the fault, `tutor ARGS`; never returns."""
    code = 1
    try:
        os.environ.clear()
        os.environ.update(case["env"])
        for fd, name in ((0, os.devnull), (1, case["stdout"]), (2, case["stderr"])):
            opened = os.open(name, os.O_RDONLY if fd == 0 else os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(opened, fd)
            os.close(opened)
        sys.stdout = open(1, "w", encoding="utf-8", closefd=False)
        sys.stderr = open(2, "w", encoding="utf-8", closefd=False)
        from backprop_tutor.cli import main as tutor

        inject(case["signal"], case["moment"], case["nth"])
        code = tutor(case["args"])
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else 1
    except BaseException:
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def serve() -> None:
    """Answer each case read from standard input with its exit code, one line each."""
    from backprop_tutor.cli import _commands

    # what a run imports, once: the command, the trainer, and the matplotlib its plot draws with
    from backprop_tutor.train.plots import load_matplotlib

    _commands.modules("train")
    load_matplotlib()
    import backprop_tutor.train.trainer  # noqa: F401

    for line in sys.stdin:
        case = json.loads(line)
        pid = os.fork()
        if pid == 0:
            run_case(case)
        _, status = os.waitpid(pid, 0)
        print(os.waitstatus_to_exitcode(status), flush=True)


if __name__ == "__main__":
    serve()
