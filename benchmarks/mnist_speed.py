"""This engine beside PyTorch and JAX on the same work: one table, one command.

Run:  PYTHONPATH=. python benchmarks/mnist_speed.py                  (8 epochs each, ~2 minutes quiet)
      PYTHONPATH=. python benchmarks/mnist_speed.py --epochs 3 --only engine-1,torch-1

The work: the homework network 784-100-50-25-10 (tanh, softmax + cross-entropy), float32, minibatch SGD with
B = 500 and η = 0.01 on the first 50,000 Fashion-MNIST training images, each epoch followed by the loss and
accuracy on those 50,000 and on the 10,000 validation images (what `tutor train` measures every epoch). Each
contender is a process of its own, timed by the operating system (wall time, peak memory = max RSS):

  engine-1, engine-2  `tutor train --threads 1` / `--threads 2` (the CLI as a user runs it: it also writes a
                      checkpoint, the metrics and the plot every epoch); epoch times from its metrics.json.
                      Where a run on 1 thread has a core to spare (engine-1 on 2 cores or more), `tutor
                      train` measures each epoch there while the next one trains (`train.behind`): the
                      epoch's time is then its steps', and the threads column says "+ 1 measuring"
  torch-1, torch-N    PyTorch on the CPU, torch.set_num_threads(1) / every core; nn.Sequential, SGD, the
                      framework's own idioms (autograd, no_grad evaluation)
  jax                 JAX on the CPU (every core), the step and the evaluation compiled with jax.jit

Seconds per epoch is the median over epochs 2.. (the first includes warm-up and JAX's compilation); samples/s
is training images per second of that; GFLOP/s counts the matrix products (engine.flops) of the steps and
the measuring passes. PyTorch and JAX are the benchmark's own extras (benchmarks/requirements.txt), never
the package's; a contender that is not installed is listed as such. The BLAS kernel, the environment and the
load are printed with the table.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from machine import SHARED_DATA, blas_kernel, env_label, environment, envs_to_measure, load

SIZES = [784, 100, 50, 25, 10]
B, ETA, N_VALIDATION = 500, 0.01, 10_000
CONTENDERS = ("engine-1", "engine-2", "torch-1", "torch-N", "jax")


# --- the contenders, each run in a child process ---------------------------------------------------
def load_arrays(data: str):
    """(x_train, y_train labels, x_val, y_val labels): float32 images, int labels, as `tutor train` splits them."""
    import numpy as np

    from backprop_tutor.data.splits import load_split

    split = load_split(data, "train")
    x = np.ascontiguousarray(split.x, dtype=np.float32)
    labels = np.argmax(split.y, axis=1)
    n = x.shape[0] - N_VALIDATION
    return x[:n], labels[:n], x[n:], labels[n:]


def torch_epochs(data: str, epochs: int, threads: int) -> tuple[list[float], float]:
    """Seconds of each epoch and the last validation accuracy."""
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(1)
    x, y, xv, yv = (torch.from_numpy(a) for a in load_arrays(data))
    layers = []
    for n_in, n_out in itertools.pairwise(SIZES):  # He initialisation, zero biases, as the engine's --init he
        linear = torch.nn.Linear(n_in, n_out)
        torch.nn.init.normal_(linear.weight, std=(2 / n_in) ** 0.5)
        torch.nn.init.zeros_(linear.bias)
        layers += [linear, torch.nn.Tanh()]
    model = torch.nn.Sequential(*layers[:-1])  # logits; the loss applies the softmax
    opt, loss_fn = torch.optim.SGD(model.parameters(), lr=ETA), torch.nn.CrossEntropyLoss()
    seconds = []
    for _ in range(epochs):
        start = time.perf_counter()
        perm = torch.randperm(x.shape[0])
        for k in range(x.shape[0] // B):
            rows = perm[k * B:(k + 1) * B]
            opt.zero_grad(set_to_none=True)
            loss_fn(model(x[rows]), y[rows]).backward()
            opt.step()
        with torch.no_grad():
            for xs, ys in ((x, y), (xv, yv)):
                logits = model(xs)
                loss_fn(logits, ys).item()
                accuracy = (logits.argmax(1) == ys).float().mean().item()
        seconds.append(time.perf_counter() - start)
    return seconds, accuracy


def jax_epochs(data: str, epochs: int) -> tuple[list[float], float]:
    """Seconds of each epoch and the last validation accuracy."""
    import jax
    import jax.numpy as jnp
    import numpy as np

    x, y, xv, yv = load_arrays(data)
    params = jax_parameters()

    def logits(p, xs):
        for W, b in p[:-1]:
            xs = jnp.tanh(xs @ W + b)
        return xs @ p[-1][0] + p[-1][1]

    def loss(p, xs, ys):
        return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits(p, xs)), ys[:, None], axis=1))

    @jax.jit
    def step(p, xs, ys):
        grads = jax.grad(loss)(p, xs, ys)
        return jax.tree_util.tree_map(lambda v, g: v - ETA * g, p, grads)

    @jax.jit
    def measure(p, xs, ys):
        return loss(p, xs, ys), jnp.mean(jnp.argmax(logits(p, xs), axis=1) == ys)

    rng, seconds = np.random.default_rng(1), []
    for _ in range(epochs):
        start = time.perf_counter()
        perm = rng.permutation(x.shape[0])
        for k in range(x.shape[0] // B):
            rows = perm[k * B:(k + 1) * B]
            params = step(params, x[rows], y[rows])
        for xs, ys in ((x, y), (xv, yv)):
            _, accuracy = (float(v) for v in measure(params, xs, ys))
        seconds.append(time.perf_counter() - start)
    return seconds, accuracy


def jax_parameters() -> list:
    """[(W, b)] per layer, W shaped (in, out): He initialisation, zero biases."""
    import jax
    import jax.numpy as jnp

    key, params = jax.random.PRNGKey(1), []
    for n_in, n_out in itertools.pairwise(SIZES):
        key, sub = jax.random.split(key)
        params.append((jax.random.normal(sub, (n_in, n_out), jnp.float32) * (2 / n_in) ** 0.5,
                       jnp.zeros(n_out, jnp.float32)))
    return params


def engine_command(data: str, epochs: int, threads: int, folder: Path) -> list[str]:
    return [sys.executable, "-m", "backprop_tutor", "train", "--data", data, "--hidden", "100,50,25",
            "--activation", "tanh", "--lr", str(ETA), "--batch-size", str(B), "--epochs", str(epochs),
            "--init", "he", "--seed", "1", "--threads", str(threads), "--quiet", "--force", "--out", str(folder)]


# --- the parent: each contender in a process of its own, the table -------------------------------------
def run_contender(name: str, args: argparse.Namespace, env: dict[str, str]) -> dict | None:
    """{seconds: [per epoch], accuracy, wall, peak_mib} of one contender, or None if its framework is missing."""
    import importlib.util

    framework = name.split("-")[0]
    if framework != "engine" and importlib.util.find_spec(framework) is None:
        return None
    with tempfile.TemporaryDirectory(prefix="mnist-speed-") as tmp:
        folder, result = Path(tmp) / "run", Path(tmp) / "result.json"
        if framework == "engine":
            command = engine_command(args.data, args.epochs, int(name.split("-")[1]), folder)
        else:
            command = [sys.executable, __file__, "--child", name, "--epochs", str(args.epochs), "--data", args.data,
                       "--result", str(result)]
        start = time.perf_counter()
        proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        if status != 0:
            raise SystemExit(f"{name} failed (status {status}): {' '.join(command)}")
        if framework == "engine":
            epochs = json.loads((folder / "metrics.json").read_text())["epochs"]
            seconds, accuracy = [e["seconds"] for e in epochs], epochs[-1]["val_accuracy"]
        else:
            seconds, accuracy = json.loads(result.read_text())
    return {"seconds": seconds, "accuracy": accuracy, "wall": wall, "peak_mib": usage.ru_maxrss / 1024}


def threads_of(name: str) -> str:
    last = name.split("-")[-1]
    return last if last.isdigit() else str(os.cpu_count())


def threads_column(name: str) -> str:
    """The table's threads: a contender's, and the core `tutor train` measures on where it has one to spare."""
    from backprop_tutor.train.resources import measures_behind

    threads = threads_of(name)
    return f"{threads} + 1 measuring" if name.startswith("engine") and measures_behind(int(threads)) else threads


def table(results: dict[str, dict | None], title: str):
    from rich.table import Table

    from backprop_tutor.engine.flops import epoch_flops

    n_train = 60_000 - N_VALIDATION
    flop = epoch_flops(SIZES, B, n_train, n_train + N_VALIDATION)
    t = Table(title=title, title_justify="left")
    for column in ("contender", "threads", "s / epoch", "samples/s", "GFLOP/s", "peak memory", "whole process",
                   "validation"):
        t.add_column(column, justify="left" if column == "contender" else "right")
    for name, r in results.items():
        if r is None:
            t.add_row(name, threads_column(name), "not installed", "", "", "", "", "")
            continue
        per_epoch = statistics.median(r["seconds"][1:] or r["seconds"])
        t.add_row(name, threads_column(name), f"{per_epoch:.3f}", f"{n_train / per_epoch:,.0f}",
                  f"{flop / per_epoch / 1e9:.1f}", f"{r['peak_mib']:.0f} MiB", f"{r['wall']:.1f} s",
                  f"{100 * r['accuracy']:.2f} %")
    return t


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--epochs", type=int, default=8)
    p.add_argument("--only", default=",".join(CONTENDERS), help=f"comma-separated, of {', '.join(CONTENDERS)}")
    p.add_argument("--blas-env", default="both", choices=["both", "as-is", "native"],
                   help="BLAS environment(s): this shell's, native (no OPENBLAS_CORETYPE/L2_SIZE), or both")
    p.add_argument("--data", default=str(SHARED_DATA / "fashion-mnist"))
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--result", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child:  # one framework's epochs, in this process
        run = jax_epochs(args.data, args.epochs) if args.child == "jax" else \
            torch_epochs(args.data, args.epochs, int(threads_of(args.child)))
        Path(args.result).write_text(json.dumps(run))
        return
    from rich.console import Console

    console = Console(highlight=False, width=130)
    for env_name in envs_to_measure(args.blas_env):
        env = environment(env_name)
        console.print(f"{load()} at start")
        results = {name: run_contender(name, args, env) for name in args.only.split(",")}
        console.print(table(results, f"784-100-50-25-10 tanh, B = {B}, {args.epochs} epochs on Fashion-MNIST, "
                                     f"BLAS {env_label(env_name)}"))
        console.print(f"engine's BLAS: {blas_kernel(env)}; {load()} at the end")


if __name__ == "__main__":
    main()
