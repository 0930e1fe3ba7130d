"""A sweep's retraining, epoch by epoch, three ways, alternated: on 2 BLAS threads with each epoch measured in turn
(the retraining before 6 December's fourth pass); on 1 BLAS thread with each epoch measured behind, on the
other core, while the next one trains (`train.behind`, the retraining on a 2-core machine until the seventh pass);
and split over 2 processes of 1 BLAS thread each (`train.processes`, the retraining now). Each way is a
process of its own running the trainer itself on the merged Fashion-MNIST images (60,000), the homework's
784-100-50-25-10 tanh network, batch 500; with the core-to-core round trip (`benchmarks/core_latency.c`)
before each, since the 2-thread epoch depends on where the host puts the two cores.

Run:  PYTHONPATH=. python benchmarks/retraining_behind.py --repeat 3

Printed per process: the median wall time of an epoch on the run's path (the first and the last left out: the
last is measured in turn either way) and the run's final figures, which differ between the ways only because
they round differently (1 or 2 BLAS threads, one minibatch or two halves).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from machine import SHARED_DATA, blas_kernel, environment, load

from backprop_tutor.cli import OPENBLAS_THREAD_TIMEOUT

_RUN = """
import statistics, sys
from backprop_tutor.train import TrainConfig, train
from backprop_tutor.train.sweep.data import training_data
data, threads, way, epochs, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5]
config = TrainConfig(data=data, activation="tanh", learning_rate=0.1, hidden=[100, 50, 25], batch_size=500,
                     epochs=epochs, init="he", seed=1, blas_threads=threads, processes=2 if way == "split" else 1)
result = train(config, training_data(config, merged=True), out, force=True, measure_behind=way == "behind")
seconds = statistics.median(m.seconds for m in result.history[1:-1])
last = result.history[-1]
print(f"epoch {1e3 * seconds:4.0f} ms   last epoch: C {last.train_loss:.6f}, accuracy {last.train_accuracy:.4f}")
"""

_WAYS = {"2 threads, measured in turn": ("2", "turn"), "1 thread, measured behind": ("1", "behind"),
         "2 processes of 1 thread": ("1", "split")}


def core_round_trip() -> str:
    """The core-to-core round trip from benchmarks/core_latency.c, built once into a temporary folder."""
    binary = Path(tempfile.gettempdir()) / "backprop_tutor_core_latency"
    if not binary.exists() and shutil.which("gcc"):
        subprocess.run(["gcc", "-O2", "-pthread", str(Path(__file__).with_name("core_latency.c")), "-o", str(binary)],
                       check=True)
    if not binary.exists():
        return "core round trip not measured (no gcc)"
    return subprocess.run([str(binary)], capture_output=True, text=True, check=True).stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="alternations of the three ways")
    parser.add_argument("--epochs", type=int, default=8, help="epochs per process")
    parser.add_argument("--data", type=Path, default=SHARED_DATA / "fashion-mnist")
    args = parser.parse_args()
    env = environment("native")  # and idle BLAS threads spinning as long as under `tutor`
    env.setdefault("OPENBLAS_THREAD_TIMEOUT", OPENBLAS_THREAD_TIMEOUT)
    print(f"{blas_kernel(env)}; {load()} at start")
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.repeat):
            for way, (threads, behind) in _WAYS.items():
                trip = core_round_trip()
                done = subprocess.run([sys.executable, "-c", _RUN, str(args.data), threads, behind, str(args.epochs),
                                       os.path.join(tmp, behind)], env=env, capture_output=True, text=True,
                                      check=True)
                print(f"  {way:28s} {done.stdout.strip()}   ({trip}; {load()})", flush=True)


if __name__ == "__main__":
    main()
