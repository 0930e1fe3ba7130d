"""The run folder's files are all written atomically (`backprop_tutor.fileio`); JSON ones through here."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from backprop_tutor.fileio import atomic_path, write_text_atomic

__all__ = ["atomic_path", "write_json", "write_text_atomic"]


def write_json(path: str | os.PathLike[str], data: Any) -> Path:
    """Strict JSON (no NaN: callers turn non-finite figures into null first)."""
    return write_text_atomic(path, json.dumps(data, indent=2, allow_nan=False) + "\n")
