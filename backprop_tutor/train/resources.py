"""What a run needs before it starts: memory for the network and its work arrays, disk space for its
files. A run that cannot fit is refused with the figures, instead of a MemoryError traceback, an
exhausted machine, or a full disk in the middle of a write. (The free space is read, and a full disk
reported, by `fileio`, which writes every file.)"""

from __future__ import annotations

from backprop_tutor.memory import available_bytes, cores_here, estimate_bytes, format_bytes
from backprop_tutor.plural import plural
from backprop_tutor.train.config import SettingError, TrainConfig, split_problem
from backprop_tutor.train.metrics import EVAL_CHUNK

#: The most BLAS threads a run takes unless told otherwise. Decided by measurement (benchmarks/README.md,
#: "Threads of a lone run"); recorded in config.json like any thread count, so --resume stays bit-identical.
LONE_RUN_THREADS = 2


def lone_run_threads(cores: int | None = None, processes: int = 1) -> int:
    """BLAS threads of `tutor train` without --threads on a machine of ``cores`` cores (default: this one's):
    LONE_RUN_THREADS when as many cores stay free for everything else, else 1; 1 for a run split over
    ``processes`` > 1 (each takes one). A BLAS thread waiting for a busy core spins, so a 2-thread run on a
    2-core machine is several times slower the moment anything else runs there."""
    return 1 if processes > 1 else max(1, min(LONE_RUN_THREADS, _cores(cores) // 2))


def retraining_threads(cores: int | None = None) -> int:
    """BLAS threads of a sweep's final retraining: it runs when the grid is done, alone on the cores the
    grid's workers had, so up to LONE_RUN_THREADS, one per core but one (the same whatever --workers was:
    results stay the same in every mode). On 2 cores that is 1 thread, measuring behind on the other core
    (`measures_behind`): 2 threads wait for each other at every product, and on a virtual machine whose cores
    the host places far apart their epoch took 0.38 s where 1 thread measured behind takes 0.29 s. On 3 cores
    or more, 2 threads, measured in turn."""
    return max(1, min(LONE_RUN_THREADS, _cores(cores) - 1))


def retraining_processes(cores: int | None = None) -> int:
    """Processes a sweep's final retraining splits every minibatch over (`train.processes`), each on one BLAS thread:
    2 where the machine has 2 cores or more and the platform allows it (`config.split_problem`: Linux on x86-64),
    else 1 (on `retraining_threads`). Python runs a step's numpy calls one thread at a time, so two processes
    step where two threads could not: on machine A's 2 cores a retraining epoch took 0.23–0.27 s split, against
    0.30–0.33 s on one BLAS thread measured behind and 0.28–0.29 s on 2 BLAS threads in turn, alternated
    (benchmarks/README.md, seventh pass). Measured on 2 cores only; on more, the same reasons hold."""
    return 2 if _cores(cores) >= 2 and split_problem(2) is None else 1


def measures_behind(blas_threads: int, cores: int | None = None, runs: int = 1, processes: int = 1) -> bool:
    """Whether each of ``runs`` runs side by side (one alone; a sweep's workers) measures each epoch on a core
    of its own that the runs' BLAS threads leave free, while its next epoch trains (`train.behind`). Only a run
    on one BLAS thread: the BLAS libraries hold one thread count for the whole process, so a pass beside 2-thread
    steps splits its products over 2 threads too, where a pass in turn (`metrics.Evaluator`) takes each chunk on
    one, and its figures came out with other last digits; and OpenBLAS's threaded products called from two
    threads at once have given wrong results (OpenBLAS issue 5836, numpy issue 29391). Never a run split over
    ``processes`` > 1: its cores are all stepping, and it measures each epoch split in turn."""
    return blas_threads == 1 and processes == 1 and _cores(cores) >= 2 * runs


def _cores(cores: int | None) -> int:
    """``cores``, or `cores_here` if None (at least 1)."""
    return cores_here() if cores is None else max(cores, 1)


class NotEnoughMemory(SettingError):
    """The network and its work arrays would not fit in the memory available."""


def layer_shapes(config: TrainConfig) -> list[tuple[int, int]]:
    """W(l) shapes (units out, units in), l = 1..L."""
    return list(zip(config.sizes[1:], config.sizes[:-1], strict=True))


def memory_needed(config: TrainConfig) -> int:
    """Bytes the network needs while training (`memory.estimate_bytes`): W(l), b(l) with their gradient,
    step, checkpoint copy and velocity (and the float64 draw of the initial weights), the per-minibatch work
    arrays s, a, a', δ for B rows, and the forward passes that measure the sets. Data sets are not included."""
    return estimate_bytes(config.sizes, config.batch_size, config.precision, momentum=bool(config.momentum),
                          checkpointed=True, evaluated_rows=EVAL_CHUNK)


def check_memory(config: TrainConfig, available: int | None = None) -> None:
    needed = memory_needed(config)
    available = available_bytes() if available is None else available  # one reading of the machine: memory.py
    if available is not None and needed > available:
        o, i = max(layer_shapes(config), key=lambda s: s[0] * s[1])
        raise NotEnoughMemory(
            f"the network {'-'.join(map(str, config.sizes))} would need ~{format_bytes(needed)} of memory to train "
            f"(its largest W is {o} × {i} = {o * i:,} {plural(o * i, 'weight')}, each kept several times: W, "
            "∇W, the step"
            f"{', v' if config.momentum else ''}), but only ~{format_bytes(available)} is available: choose "
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
