"""Holding a test to a number of cores, as `taskset` or a container would, for the code that counts them
(`memory.cores_here`: training's threads, a sweep's and `tutor grade`'s workers)."""

from __future__ import annotations

import os

import pytest


def hold_to_cores(monkeypatch: pytest.MonkeyPatch, cores: int, machine: int | None = None) -> None:
    """This process may run on ``cores`` cores of a machine of ``machine`` (default: as many; `taskset`, a
    container). The system's answer is patched, not `memory.cores_here`, which modules import by name (a
    patched name would stay in the first module to import it, for the rest of the test worker)."""
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(cores)), raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: cores if machine is None else machine)
