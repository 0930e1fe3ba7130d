"""`tutor train` with one fault injected at a chosen moment, for tests/train/test_fault_injection.py.

    python fault_child.py SIGNAL MOMENT N -- tutor-arguments…

SIGNAL is SIGKILL, SIGINT (one Ctrl-C) or SIGINT2 (two Ctrl-C in a row), sent to this process at the
N-th time MOMENT comes: "step" (before a training step), "trace-group" (a traced minibatch written
into trace.h5 but not yet linked), "before-replace:FILE" (FILE's temporary file complete, not yet
renamed over FILE) or "after-replace:FILE" (just renamed). Nothing in the package is changed: the
moments are found by wrapping the functions the package calls.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path


def main() -> int:
    signal_name, moment, nth = sys.argv[1:4]
    assert sys.argv[4] == "--"
    seen = 0

    def fire() -> None:
        nonlocal seen
        seen += 1
        if seen != int(nth):
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
    from backprop_tutor.cli import main as tutor

    return tutor(sys.argv[5:])


if __name__ == "__main__":
    sys.exit(main())
