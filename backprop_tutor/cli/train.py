"""`tutor train`: minibatch SGD on MNIST-sized data, a run folder, traces of chosen minibatches.

The command only parses and reports; the training itself is `backprop_tutor.train.train`.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from rich.console import Console

from backprop_tutor.errors import UsageError
from backprop_tutor.train.config import HIDDEN_ACTIVATIONS, INIT_SCHEMES, TrainConfig, parse_hidden, parse_int_list
from backprop_tutor.train.progress import RichProgress

EPILOG = """\
examples:
  tutor train --data mnist --hidden 100,50,25 --activation tanh --lr 0.01 --batch-size 500 \\
              --epochs 50 --decay-at 20,40 --init he --seed 1 --trace-batch 1 --out runs/tanh-0.01
  tutor train --data fashion-mnist --activation relu --momentum 0.9 --l2 1e-4 --out runs/relu
  tutor train --data ../shared/data/mnist-t10k --subset 2000 --validation 500 --epochs 5 --out runs/quick
  tutor train --resume runs/tanh-0.01          continue a run stopped with Ctrl-C, to the same result
  tutor export runs/tanh-0.01/trace.h5 --markdown batch1.md      a traced minibatch as Markdown

the run folder: config.json, metrics.json, metrics.csv, params.h5 (W1, b1, …; W(l) is out × in),
accuracy.png, trace.h5 (with --trace-batch), checkpoint.h5 (until the run completes).
"""

#: Training flags and their defaults (None in argparse, so --resume can tell which ones were given).
DEFAULTS = TrainConfig()


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "train", help="train an MLP on MNIST-sized data; trace chosen minibatches to HDF5",
        description="Minibatch SGD with softmax + cross-entropy output: per-epoch training and validation "
                    "accuracy and loss, an η schedule, a run folder with config, metrics, parameters and a plot.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    d = DEFAULTS
    net = p.add_argument_group("network")
    net.add_argument("--data", metavar="SPEC",
                     help="mnist, fashion-mnist, an IDX folder, an .npz or the course's mnist_traindata.hdf5")
    net.add_argument("--hidden", metavar="N,N,…",
                     help=f"hidden layer widths from the input on, or 'none' (default {','.join(map(str, d.hidden))})")
    net.add_argument("--activation", metavar="H",
                     help=f"hidden activation: {', '.join(HIDDEN_ACTIVATIONS)} (default {d.activation}); "
                          "the output is softmax + cross-entropy")
    net.add_argument("--init", metavar="SCHEME", help=f"{', '.join(INIT_SCHEMES)} (default {d.init})")
    net.add_argument("--init-sigma", type=float, metavar="σ", help="σ for --init normal")
    net.add_argument("--init-low", type=float, metavar="LOW", help="lower bound for --init uniform")
    net.add_argument("--init-high", type=float, metavar="HIGH", help="upper bound for --init uniform")
    net.add_argument("--precision", choices=("float32", "float64"), help=f"number type (default {d.precision})")
    sgd = p.add_argument_group("SGD")
    sgd.add_argument("--lr", type=float, metavar="η", help=f"learning rate η (default {d.learning_rate:g})")
    sgd.add_argument("--batch-size", type=int, metavar="B",
                     help=f"minibatch size; must divide the training set (default {d.batch_size})")
    sgd.add_argument("--epochs", type=int, metavar="N", help=f"epochs (default {d.epochs})")
    sgd.add_argument("--decay-at", metavar="E,E,…",
                     help="divide η after these epochs, or 'none' (default "
                          f"{','.join(map(str, d.decay_at))})")
    sgd.add_argument("--decay-factor", type=float, metavar="F", help=f"divide η by F (default {d.decay_factor:g})")
    sgd.add_argument("--momentum", type=float, metavar="μ", help="momentum μ in [0, 1) (default 0)")
    sgd.add_argument("--l2", type=float, metavar="λ", help="L2 penalty (λ/2)‖W‖², adds λW(l) to ∇W(l) (default 0)")
    sgd.add_argument("--seed", type=int, help=f"seed for the weights and the shuffles (default {d.seed})")
    split = p.add_argument_group("data split")
    split.add_argument("--validation", type=int, metavar="N",
                       help=f"hold out the last N training images for validation (default {d.n_validation})")
    split.add_argument("--test", action="store_true",
                       help="evaluate the test set once at the end (for the configuration chosen on validation)")
    split.add_argument("--subset", type=int, metavar="N", help="use only the first N training images (quick runs)")
    tr = p.add_argument_group("tracing")
    tr.add_argument("--trace-batch", action="append", metavar="K[,K…]",
                    help="trace minibatch K (1 = first of the epoch); repeat or give a list")
    tr.add_argument("--trace-epochs", metavar="E,E,…|all", help="epochs in which to trace them (default 1)")
    out = p.add_argument_group("output")
    out.add_argument("--out", type=Path, metavar="DIR", help="run folder (default runs/<date>-<time>)")
    out.add_argument("--force", action="store_true", help="replace a run already in --out")
    out.add_argument("--resume", type=Path, metavar="DIR",
                     help="continue the run in DIR from its checkpoint (its own settings; no other training flags)")
    out.add_argument("--quiet", action="store_true", help="no progress bar, only the summary")
    p.set_defaults(func=run)


_FLAG_NAMES = {"data": "--data", "hidden": "--hidden", "activation": "--activation", "init": "--init",
               "init_sigma": "--init-sigma", "init_low": "--init-low", "init_high": "--init-high",
               "precision": "--precision", "lr": "--lr",
               "batch_size": "--batch-size", "epochs": "--epochs", "decay_at": "--decay-at",
               "decay_factor": "--decay-factor", "momentum": "--momentum", "l2": "--l2", "seed": "--seed",
               "validation": "--validation", "subset": "--subset", "trace_batch": "--trace-batch",
               "trace_epochs": "--trace-epochs", "out": "--out", "force": "--force"}


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    """A TrainConfig from the flags given (defaults for the rest), checked."""
    values: dict[str, Any] = {}
    if args.data is None:
        raise UsageError("--data is required: mnist, fashion-mnist, or a path (see `tutor train --help`)")
    values["data"] = args.data
    if args.hidden is not None:
        values["hidden"] = parse_hidden(args.hidden)
    for flag, key in (("activation", "activation"), ("init", "init"), ("init_sigma", "init_sigma"),
                      ("init_low", "init_low"), ("init_high", "init_high"),
                      ("precision", "precision"), ("lr", "learning_rate"), ("batch_size", "batch_size"),
                      ("epochs", "epochs"), ("decay_factor", "decay_factor"), ("momentum", "momentum"),
                      ("l2", "l2"), ("seed", "seed"), ("validation", "n_validation"), ("subset", "subset")):
        if getattr(args, flag) is not None:
            values[key] = getattr(args, flag)
    if args.decay_at is not None:
        values["decay_at"] = parse_int_list(args.decay_at, "--decay-at", allow_empty=True)
    if args.trace_batch:
        values["trace_batches"] = sorted({k for text in args.trace_batch
                                          for k in parse_int_list(text, "--trace-batch")})
    epochs = values.get("epochs", DEFAULTS.epochs)
    if args.trace_epochs is not None:
        values["trace_epochs"] = (list(range(1, epochs + 1)) if args.trace_epochs.strip().lower() == "all"
                                  else sorted(set(parse_int_list(args.trace_epochs, "--trace-epochs"))))
    config = TrainConfig(**values, test=args.test)
    config.check()
    return config


def run(args: argparse.Namespace) -> int:
    from backprop_tutor.train import prepare_data, read_run_config, train

    console = Console(highlight=False, soft_wrap=True)
    if args.resume is not None:
        given = [_FLAG_NAMES[k] for k in _FLAG_NAMES if k not in ("force",) and getattr(args, k) not in (None, False)]
        if given:
            raise UsageError(f"--resume takes the run's own settings from {args.resume}/config.json; "
                             f"drop {', '.join(given)}")
        folder = args.resume
        config = read_run_config(folder)
    else:
        config = config_from_args(args)
        folder = args.out or Path("runs") / time.strftime("%Y%m%d-%H%M%S")
    with console.status(f"loading {config.data} …"):
        data = prepare_data(config)
    console.print(f"{data.name}: {data.x_train.shape[0]} training, {data.x_val.shape[0]} validation, "
                  f"{data.x_test.shape[0]} test images  ({data.source})")
    console.print(f"network {'-'.join(map(str, config.sizes))}, {config.activation} + softmax, η = "
                  f"{config.learning_rate:g}, B = {config.batch_size}, {config.epochs} epochs → {folder}")
    progress = None if args.quiet else RichProgress(console)
    result = train(config, data, folder, progress=progress, resume=args.resume is not None, force=args.force)
    if result.status == "interrupted":
        epoch, batch = result.stopped_at or (0, 0)
        console.print(f"stopped after minibatch {batch} of epoch {epoch}; checkpoint saved in {folder}. "
                      f"Continue with: tutor train --resume {folder}")
        return 130
    last = result.history[-1]
    console.print(f"done: training accuracy {100 * last.train_accuracy:.2f}%, validation "
                  f"{100 * last.val_accuracy:.2f}%"
                  + (f", test {100 * result.test_accuracy:.2f}%" if config.test and data.x_test.shape[0] else "")
                  + f"  ({sum(m.seconds for m in result.history):.1f} s)")
    console.print(f"run folder: {folder}  (config.json, metrics.json/.csv, params.h5, accuracy.png"
                  + (", trace.h5)" if config.trace_batches else ")"))
    return 0
