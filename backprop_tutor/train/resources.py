"""What a run needs before it starts: memory for the network and its work arrays, disk space for its
files. A run that cannot fit is refused with the figures, instead of a MemoryError traceback, an
exhausted machine, or a full disk in the middle of a write."""

from __future__ import annotations

import errno
import math
import shutil
from pathlib import Path

from backprop_tutor.memory import available_bytes
from backprop_tutor.train.config import SettingError, TrainConfig

MB = 1024 * 1024
#: Rows per forward pass when measuring (metrics.EVAL_CHUNK) plus slack for numpy's temporaries.
_EVAL_ROWS = 1000


class NotEnoughMemory(SettingError):
    """The network and its work arrays would not fit in the memory available."""


class NoSpaceLeft(SettingError):
    """A file of the run cannot be written for lack of disk space; the run can continue once there is room."""


def layer_shapes(config: TrainConfig) -> list[tuple[int, int]]:
    """W(l) shapes (units out, units in), l = 1..L."""
    return list(zip(config.sizes[1:], config.sizes[:-1], strict=True))


def memory_needed(config: TrainConfig) -> int:
    """Bytes the network needs while training: W(l), b(l) with their gradient, step and velocity (and
    the float64 draw of the initial weights), the per-minibatch work arrays s, a, a', δ for B rows, and
    the forward passes that measure the sets (1000 rows at a time). Data sets are not included."""
    itemsize = 4 if config.precision == "float32" else 8
    params = sum(o * i + o for o, i in layer_shapes(config))
    per_param = itemsize * (4 + (1 if config.momentum else 0)) + 8  # W, ∇W, step, checkpoint copy, v; + draw
    units = sum(config.sizes)
    work = itemsize * units * (4 * config.batch_size + 3 * _EVAL_ROWS)
    return params * per_param + work


def check_memory(config: TrainConfig, available: int | None = None) -> None:
    needed = memory_needed(config)
    available = available_bytes() if available is None else available  # one reading of the machine: memory.py
    if available is not None and needed > available:
        o, i = max(layer_shapes(config), key=lambda s: s[0] * s[1])
        raise NotEnoughMemory(
            f"the network {'-'.join(map(str, config.sizes))} would need ~{size_text(needed)} of memory to train "
            f"(its largest W is {o} × {i} = {o * i:,} weights, each kept several times: W, ∇W, the step"
            f"{', v' if config.momentum else ''}), but only ~{size_text(available)} is available: choose "
            "narrower hidden layers ({hidden:name})")


def trace_group_bytes(config: TrainConfig) -> int:
    """An upper bound for one traced minibatch in trace.h5 (stored uncompressed): the input and target,
    s, a, a', δ of every layer for B rows, the softmax Jacobian, and per layer ∇W, W before and after
    (and v with momentum)."""
    itemsize = 4 if config.precision == "float32" else 8
    B, sizes = config.batch_size, config.sizes
    rows = B * (sizes[0] + sizes[-1] * (3 + sizes[-1]) + 4 * sum(sizes[1:]))
    weights = sum(o * i + o for o, i in layer_shapes(config)) * (3 + (1 if config.momentum else 0))
    return (rows + weights) * itemsize + 64 * 1024


def free_space(folder: Path) -> int:
    return shutil.disk_usage(folder).free


def check_space(path: Path, needed: int, what: str = "") -> None:
    """Refuse before writing ``needed`` bytes at ``path`` when the disk has not that much room."""
    free = free_space(path.parent)
    if needed > free:
        raise NoSpaceLeft(f"no space left writing {path}{what} (needs ~{size_text(needed)}, ~{size_text(free)} free)")


def is_disk_full(err: BaseException) -> bool:
    """HDF5 reports a full disk as a RuntimeError or an OSError whose text mentions it; Python as ENOSPC."""
    if isinstance(err, OSError) and err.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    text = str(err).lower()
    return isinstance(err, (OSError, RuntimeError)) and ("no space" in text or "write failed" in text
                                                         or "file write failed" in text)


def size_text(n: float) -> str:
    """"12 MB", "3.5 GB": a byte count as shown in messages (rounded up to whole MB)."""
    if n >= 1024 * MB:
        return f"{n / (1024 * MB):.1f} GB"
    return f"{max(1, math.ceil(n / MB))} MB"
