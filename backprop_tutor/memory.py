"""How much memory a network and a minibatch need, and how long exact mode would take: both checked before
anything big is allocated or computed; and what this machine has for them (free memory, the cores a process may
use).

`units = 1e9` in a spec, or `--hidden 10000000`, would otherwise fill the machine's memory (or end in a
MemoryError traceback) before one number is computed. The estimate counts the arrays the engine keeps
(see engine/network.py): per parameter W(l), b(l), the step and ∇W(l), ∇b(l) (and the velocity with
momentum); per minibatch value s(l), a(l), a'(l), δ(l); and, when a step is recorded, the trace's copies.
"""

from __future__ import annotations

import os
from decimal import Decimal
from itertools import pairwise
from pathlib import Path

from backprop_tutor.errors import MemoryNeedError, WorkLimitError

#: Bytes per number: exact mode holds an mpmath.mpf object per value (measured: ~250 bytes with its digits).
BYTES_PER_VALUE = {"float32": 4, "float64": 8, "exact": 250}


def estimate_bytes(sizes: list[int], batch_size: int, precision: str, *, momentum: bool = False,
                   recorded: bool = False, drawn: bool = True, checkpointed: bool = False,
                   evaluated_rows: int = 0) -> int:
    """Bytes for a network of ``sizes`` = [n_0, …, n_L] taking minibatches of ``batch_size`` in ``precision``.

    ``recorded``: a trace keeps copies of every step's values (tutor example, traced minibatches);
    ``drawn``: the initial W(l) are drawn in float64 first (an [init] scheme), then converted;
    ``checkpointed``: a copy of W(l), b(l) is made for each checkpoint (training);
    ``evaluated_rows``: forward passes that measure a data set take this many rows at a time (s, a, a')."""
    per_value = BYTES_PER_VALUE[precision]
    P = sum(n_out * n_in + n_out for n_in, n_out in pairwise(sizes))  # W(l), b(l)
    A = batch_size * sum(sizes)  # one value per unit and sample, l = 0..L
    J = batch_size * sizes[-1] ** 2  # the output's ∂a/∂s, per sample (recorded only)
    params = P * (3 + momentum + checkpointed)  # W, b; the step η∇; ∇W, ∇b; (v); (the checkpoint's copy)
    batch = A * 4 + evaluated_rows * sum(sizes) * 3  # s, a, a', δ; (s, a, a' of the measuring passes)
    if recorded:
        params += P * (3 + 2 * momentum)  # ∇ copies, W and b before and after (and v)
        batch += A * 4 + J * 2
    return (params + batch) * per_value + (8 * P if drawn else 0)


#: Exact mode's cost of one SGD step per parameter and sample (100-digit intervals, recorded): measured 3.6e-4 s
#: (run_spec of a 50-200-200-3 network, one sample: 18 s of CPU for 50,600 parameters).
EXACT_SECONDS_PER_PARAMETER = 3.6e-4
#: Exact mode refuses work estimated beyond this (a worked example should answer within a minute).
EXACT_LIMIT_SECONDS = 60.0


def exact_seconds(sizes: list[int], batch_size: int, passes: float = 1.0) -> float:
    """Estimated seconds for ``passes`` SGD steps' worth of exact arithmetic on ``sizes`` with ``batch_size``."""
    P = sum(n_out * n_in + n_out for n_in, n_out in pairwise(sizes))
    return float(Decimal(P) * max(1, batch_size) * Decimal(passes) * Decimal(EXACT_SECONDS_PER_PARAMETER))


def check_exact_work(sizes: list[int], batch_size: int, what: str, passes: float = 1.0,
                     advice: str = "compute in float64 instead (--dtype float64), or use a smaller network") -> None:
    """Refuse exact-mode work estimated beyond EXACT_LIMIT_SECONDS, with the figure and the way out."""
    seconds = exact_seconds(sizes, batch_size, passes)
    if seconds > EXACT_LIMIT_SECONDS:
        raise WorkLimitError(f"{what} in exact mode would take about {format_seconds(seconds)} (100-digit "
                             f"intervals cost ~{EXACT_SECONDS_PER_PARAMETER * 1e6:.0f} µs per parameter and sample; "
                             f"exact mode's limit is {format_seconds(EXACT_LIMIT_SECONDS)}); {advice}")


def format_seconds(seconds: float) -> str:
    """"40 s", "25 min", "3.1 h", "2.0e+05 days"."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    if seconds < 172800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.2g} days"


def available_bytes() -> int | None:
    """Memory this process may still use: the smaller of the system's available memory and what its
    cgroup (container) limit leaves; None when neither can be read."""
    figures = []
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                figures.append(int(line.split()[1]) * 1024)
    except (OSError, ValueError, IndexError):
        pass
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        if limit != "max":
            used = int(Path("/sys/fs/cgroup/memory.current").read_text())
            figures.append(int(limit) - used)
    except (OSError, ValueError):
        pass
    if not figures and hasattr(os, "sysconf"):
        try:
            figures.append(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
        except (ValueError, OSError):
            pass
    return min(figures) if figures else None


def cores_here() -> int:
    """The cores this process may run on: its CPU affinity where the system keeps one (a container or `taskset`
    may allow fewer than the machine has, and a thread more than those waits for a core), else the machine's
    count; at least 1."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def check_memory(need: int, what: str, advice: str = "use fewer units or a smaller minibatch") -> None:
    """Refuse, with the figures, when ``need`` bytes exceed what is available. ``what`` names the network,
    e.g. "net.toml: the network 3-1000000000-3 with a minibatch of 1 in float64"."""
    free = available_bytes()
    if free is not None and need > free:
        raise MemoryNeedError(f"{what} needs ~{format_bytes(need)} of memory, but only {format_bytes(free)} is "
                              f"available; {advice}")


def format_bytes(n: float) -> str:
    if n >= 10**15:  # units = 1e400 is a whole number too: too big for a float
        return f"{Decimal(int(n)):.1e} bytes"
    for unit in ("bytes", "kB", "MB", "GB"):
        if n < 1000:
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} TB"


def format_sizes(sizes: list[int]) -> str:
    """"784-100-10"; a size too long to read (units = 1e400) as a power of ten, "3-1e+400-3"."""
    return "-".join(str(n) if n < 10**12 else f"{Decimal(n):.0e}" for n in sizes)
