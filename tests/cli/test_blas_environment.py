"""`tutor` lets idle OpenBLAS threads sleep soon (issue 23): set before numpy loads, the user's setting kept."""

from __future__ import annotations

import subprocess
import sys

import pytest

from backprop_tutor.cli import OPENBLAS_THREAD_TIMEOUT

SHOW = ("import os, sys; from backprop_tutor.cli import main; loaded = 'numpy' in sys.modules; main(['--version']); "
        "print(os.environ.get('OPENBLAS_THREAD_TIMEOUT'), loaded, file=sys.stderr)")


def _timeout_seen(env: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, "-c", SHOW], capture_output=True, text=True, env=env, check=True)
    return done.stderr.strip()


@pytest.mark.parametrize("user", [{}, {"OPENBLAS_THREAD_TIMEOUT": "26"}, {"GOTO_THREAD_TIMEOUT": "27"}])
def test_the_timeout_is_set_before_numpy_loads_unless_the_user_chose_one(user: dict[str, str]) -> None:
    import os

    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_THREAD_TIMEOUT", "GOTO_THREAD_TIMEOUT")}
    expected = user.get("OPENBLAS_THREAD_TIMEOUT", None if user else OPENBLAS_THREAD_TIMEOUT)
    assert _timeout_seen({**env, **user}) == f"{expected} False"
