"""Ctrl-C during a run: the first press asks the run to stop after the current minibatch (it then
writes a checkpoint); a second press stops it at once, except inside a `critical` section (a file
being written), where it waits for the section to end so no file is left half-made."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from typing import Any


class StopRequest:
    """Installs the SIGINT handler for the life of a run (main thread only: signals reach only it)."""

    def __init__(self) -> None:
        self.requested = False
        self._installed = False
        self._previous: Any = None
        self._critical = 0
        self._deferred = False

    def __enter__(self) -> StopRequest:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
            self._installed = True
        return self

    def _handle(self, signum: int, frame: Any) -> None:
        if not self.requested:
            self.requested = True
        elif self._critical:
            self._deferred = True
        else:
            raise KeyboardInterrupt

    @contextlib.contextmanager
    def critical(self) -> Iterator[None]:
        """A section a second Ctrl-C must not cut in two (creating a temporary file and renaming it)."""
        self._critical += 1
        try:
            yield
        finally:
            self._critical -= 1
        if self._deferred and not self._critical:
            self._deferred = False
            raise KeyboardInterrupt

    def __exit__(self, *exc: object) -> None:
        if self._installed:
            signal.signal(signal.SIGINT, self._previous if self._previous is not None else signal.SIG_DFL)
