"""What every benchmark states beside its figures: the BLAS kernel numpy runs, the environment it ran in, the
load, and the machine's own matrix-multiply rate measured in the same run; and where the real data sets are.

Two BLAS environments are measured. "as-is" is this shell's environment. "native" is the same without
OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE: a development machine may set them (e.g. OPENBLAS_CORETYPE=Haswell, for
older OpenBLAS builds that misbehave on its processor), which forces an older, slower kernel on a current
numpy; a user's machine sets neither, so OpenBLAS picks its own kernel for the processor (SkylakeX on an
AVX-512 processor). OpenBLAS reads them when it loads, so each environment is a process of its own. Tests and
CI never change them: only these benchmarks do, for the command they start.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

#: The course's and the named data sets, in ../shared/data beside the repository (as the tests find them).
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"

#: Variables that override OpenBLAS's own choice of kernel and cache sizes.
TUNING = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
BLAS_ENVS = ("as-is", "native")

_KERNEL = """
import json, numpy, threadpoolctl
print(json.dumps([i for i in threadpoolctl.threadpool_info() if i.get("user_api") == "blas"]))
"""

_SQUARE = """
import sys, time, numpy as np
from threadpoolctl import threadpool_limits
n, threads, reps = (int(v) for v in sys.argv[1:4])
a = np.random.default_rng(0).random((n, n), dtype=np.float32)
with threadpool_limits(threads, "blas"):
    a @ a
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        a @ a
        times.append(time.perf_counter() - start)
print(2 * n**3 / sorted(times)[len(times) // 2] / 1e9)
"""


def environment(name: str) -> dict[str, str]:
    """The process environment for BLAS environment ``name`` ("as-is" or "native")."""
    if name not in BLAS_ENVS:
        raise SystemExit(f"unknown BLAS environment {name!r}; choose one of {', '.join(BLAS_ENVS)}")
    env = dict(os.environ)
    if name == "native":
        for var in TUNING:
            env.pop(var, None)
    return env


def envs_to_measure(asked: str) -> list[str]:
    """The environments in ``asked`` ("both", "as-is", "native"); "both" is one when this shell sets no tuning
    variable (the two would be the same)."""
    if asked != "both":
        environment(asked)
        return [asked]
    return list(BLAS_ENVS) if any(var in os.environ for var in TUNING) else ["native"]


def env_label(name: str) -> str:
    """E.g. "as-is (OPENBLAS_CORETYPE=Haswell)" or "native (OPENBLAS_CORETYPE, OPENBLAS_L2_SIZE unset)"."""
    if name == "native":
        return f"native ({', '.join(TUNING)} unset)"
    set_here = [f"{var}={os.environ[var]}" for var in TUNING if var in os.environ]
    return f"as-is ({', '.join(set_here) or 'neither tuning variable set'})"


def blas_kernel(env: dict[str, str] | None = None) -> str:
    """numpy's BLAS in a fresh process with ``env``, as threadpoolctl reports it, e.g.
    "openblas 0.3.31 SkylakeX, 2 threads"."""
    done = subprocess.run([sys.executable, "-c", _KERNEL], env=env, capture_output=True, text=True, check=True)
    return _describe(json.loads(done.stdout))


def blas_kernel_here() -> str:
    """The same for this process (after any threadpool_limits in force)."""
    from threadpoolctl import threadpool_info

    return _describe([i for i in threadpool_info() if i.get("user_api") == "blas"])


def _describe(infos: list[dict]) -> str:
    return "; ".join(f"{i.get('internal_api')} {i.get('version')} {i.get('architecture', '?')}, "
                     f"{i.get('num_threads')} thread{'s' if i.get('num_threads') != 1 else ''}"
                     for i in infos) or "no BLAS found"


def square_rate(env: dict[str, str] | None = None, threads: int | None = None, n: int = 2048, reps: int = 7) -> float:
    """GFLOP/s of a square n × n float32 matrix product in a fresh process with ``env`` on ``threads`` BLAS
    threads (default: every core): the machine's limit for the arithmetic the benchmarks count."""
    threads = threads or os.cpu_count() or 1
    done = subprocess.run([sys.executable, "-c", _SQUARE, str(n), str(threads), str(reps)], env=env,
                          capture_output=True, text=True, check=True)
    return float(done.stdout)


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.2f} (5 min {five:.2f}) on {os.cpu_count()} cores"
