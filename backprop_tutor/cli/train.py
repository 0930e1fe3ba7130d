"""`tutor train`: minibatch SGD on MNIST-sized data, a run folder, traces of chosen minibatches.

The command only parses and reports; the training itself is `backprop_tutor.train.train`.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.text import Text

from backprop_tutor.cli._settings import add_flag, value_of
from backprop_tutor.cli._settings import flag_speller as settings_speller
from backprop_tutor.errors import UsageError
from backprop_tutor.memory import cores_here
from backprop_tutor.plural import count
from backprop_tutor.train.config import SETTINGS, SettingError, TrainConfig
from backprop_tutor.train.metrics import EpochMetrics
from backprop_tutor.train.resources import LONE_RUN_THREADS, lone_run_threads, measures_behind

if TYPE_CHECKING:
    from backprop_tutor.train.training_data import TrainingData

EPILOG = """\
examples:
  tutor train --data mnist --hidden 100,50,25 --activation tanh --lr 0.01 --batch-size 500 \\
              --epochs 50 --decay-at 20,40 --init he --seed 1 --trace-batch 1 --out runs/tanh-0.01
  tutor train --data fashion-mnist --activation relu --momentum 0.9 --l2 1e-4 --out runs/relu
  tutor train --data mnist --subset 2000 --validation 500 --epochs 5 --out runs/quick     a quick try
  tutor train --resume runs/tanh-0.01          continue a run stopped with Ctrl-C, to the same result
  tutor train --resume runs/tanh-0.01 --test   … and evaluate the test set at its end
  tutor train --data mnist --threads 1 --out runs/t1   1 BLAS thread (runs side by side; bit-identical only to 1)
  tutor export runs/tanh-0.01/trace.h5 --markdown batch1.md      a traced minibatch as Markdown

the run folder: config.json, metrics.json, metrics.csv, params.h5 (W1, b1, …; W(l) is out × in),
accuracy.png, trace.h5 (with --trace-batch), checkpoint.h5 (until the run completes), complete.json
(written last, when the run has finished). While a run writes its folder it holds the folder's lock
(.lock): a second run or --resume into the same folder is refused until it ends.
"""

def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "train", help="train an MLP on MNIST-sized data; trace chosen minibatches to HDF5",
        description="Minibatch SGD with softmax + cross-entropy output: per-epoch training and validation "
                    "accuracy and loss, an η schedule, a run folder with config, metrics, parameters and a plot.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    groups = {name: p.add_argument_group(name) for name in ("network", "SGD", "data split", "tracing")}
    for s in SETTINGS.values():  # each as its TrainConfig field declares it
        action = add_flag(groups[s.group], s)
        if s.name == "blas_threads":  # a lone run's own default, not a sweep's one-per-worker
            action.help = (f"{s.help} (default {lone_run_threads()} here: {LONE_RUN_THREADS} on a machine of "
                           f"{2 * LONE_RUN_THREADS} cores or more, else 1)")
    out = p.add_argument_group("output")
    out.add_argument("--out", type=_folder_name, metavar="DIR", help="run folder (default runs/<date>-<time>)")
    out.add_argument("--force", action="store_true",
                     help="replace a run already in --out (only a run folder of ours; other files are never touched)")
    out.add_argument("--resume", type=_folder_name, metavar="DIR",
                     help="continue the run in DIR from its checkpoint (its own settings: no other training "
                          "flags; --test may be added)")
    out.add_argument("--quiet", action="store_true", help="no progress bar, only the summary")
    # issue 10: a gradient check before the first step (the work is in cli/gradcheck.py, engine/gradcheck.py)
    out.add_argument("--gradcheck", action="store_true",
                     help="first check backprop against finite differences on the first minibatch (float64, a "
                          "sample of the parameters) and stop if they disagree")
    p.set_defaults(func=run)


def _folder_name(text: str) -> Path:
    """A folder argument: an empty one would silently mean the current folder."""
    if not text.strip():
        raise argparse.ArgumentTypeError("give a folder name (an empty one would mean the current folder)")
    return Path(text)


def flag_speller(folder: Path) -> Callable[[str], str | None]:
    """How this command spells a setting named in a library message: as its flag."""
    return settings_speller({"out": "--out", "force": "--force", "resume": f"tutor train --resume {folder}"})


def config_from_args(args: argparse.Namespace) -> TrainConfig:
    """A TrainConfig from the flags given (defaults for the rest)."""
    if args.data is None:
        raise UsageError("--data is required: mnist, fashion-mnist, or a path (see `tutor train --help`)")
    given = {s.name: getattr(args, s.name) for s in SETTINGS.values()}
    values: dict[str, Any] = {name: value_of(SETTINGS[name], value) for name, value in given.items()
                              if value is not None and value is not False and name != "trace_epochs"}
    values.setdefault("blas_threads", lone_run_threads(processes=values.get("processes", 1)))  # recorded in
    # config.json: --resume keeps it
    if args.trace_epochs is not None:  # "all" needs the number of epochs
        epochs = values.get("epochs", SETTINGS["epochs"].default)
        values["trace_epochs"] = (list(range(1, epochs + 1)) if args.trace_epochs.strip().lower() == "all"
                                  else sorted(set(value_of(SETTINGS["trace_epochs"], args.trace_epochs))))
    return TrainConfig(**values)  # checked once, by open_run


def resumed_config(args: argparse.Namespace) -> TrainConfig:
    """The settings of the run in ``args.resume``; --test (an evaluation choice, not a training setting)
    may be added, any other training flag is an error."""
    given = [s.flag for s in SETTINGS.values() if s.kind != "bool" and getattr(args, s.name) is not None]
    if args.out is not None:
        given.append("--out")
    if given:
        raise UsageError(f"--resume takes the run's own settings from {args.resume}/config.json; "
                         f"drop {', '.join(given)} (only --test, --quiet and --force may be added)")
    from backprop_tutor.train import read_run_config

    config = read_run_config(args.resume)
    if args.test:
        config = dataclasses.replace(config, test=True)
    return config


def run(args: argparse.Namespace) -> int:
    resume = args.resume is not None
    folder = args.resume if resume else (args.out or Path("runs") / time.strftime("%Y%m%d-%H%M%S"))
    try:
        return _run(args, folder, resume)
    except SettingError as err:  # the library names settings; say them as this command's flags
        raise UsageError(err.render(flag_speller(folder))) from None


def _run(args: argparse.Namespace, folder: Path, resume: bool) -> int:
    from backprop_tutor.fileio import refuse_replacing_inputs
    from backprop_tutor.train import open_run, prepare_data, train

    console = Console(highlight=False, soft_wrap=True)
    config = resumed_config(args) if resume else config_from_args(args)
    refuse_replacing_inputs({"--out": folder}, {"the data": config.data if Path(config.data).exists() else None})
    with open_run(config, folder, resume=resume, force=args.force) as run_folder:
        with console.status(f"loading {config.data} …"):
            data = prepare_data(config)
        behind = measures_behind(config.blas_threads, processes=config.processes)  # a lone run: each epoch
        # measured on a spare core
        _print_setup(console, config, data, folder, behind)
        if args.gradcheck:  # issue 10: backprop vs finite differences before any step; raises if they disagree
            from backprop_tutor.cli.gradcheck import check_first_minibatch
            check_first_minibatch(config, data, console)
        progress = None if args.quiet else RichProgress(console)
        result = train(config, data, run_folder, progress=progress, resume=resume, measure_behind=behind)
    if args.quiet:
        for warning in result.warnings:
            console.print(Text.assemble(("warning: ", "bold"), warning))
    if result.status == "interrupted":
        console.print(_stopped_message(result.stopped_at or (1, 0), folder))
        return 130
    last = result.history[-1]
    test = ""
    if config.test:
        test = f", test {100 * result.test_accuracy:.2f}%" if data.x_test.shape[0] else ", no test images"
    console.print(f"done: training accuracy {100 * last.train_accuracy:.2f}%, validation "
                  f"{100 * last.val_accuracy:.2f}%{test}"
                  + f"  ({sum(m.seconds for m in result.history):.1f} s)")
    console.print(f"run folder: {folder}  (config.json, metrics.json/.csv, params.h5, accuracy.png"
                  + (", trace.h5" if config.trace_batches else "") + ", complete.json)")
    return 0


def _print_setup(console: Console, config: TrainConfig, data: TrainingData, folder: Path, behind: bool) -> None:
    """What the run trains on and with, before its first step (``behind``: its epochs are measured on a second
    core, so an epoch's line has the time of its steps, and comes once the figures are in)."""
    console.print(f"{data.name}: {data.x_train.shape[0]} training, {data.x_val.shape[0]} validation, "
                  f"{data.x_test.shape[0]} test images  ({data.source})")
    for note in data.notes:  # e.g. which pixel scale the loader found and what it did about it
        console.print(Text(f"  {note}"))
    if config.test and not data.x_test.shape[0]:
        console.print(Text.assemble(("warning: ", "bold"), f"--test, but {data.name} has no test images "
                                    f"({data.source}): the run will report no test figures"))
    console.print(f"network {'-'.join(map(str, config.sizes))}, {config.activation} + softmax, η = "
                  f"{config.learning_rate:g}, B = {config.batch_size}, {count(config.epochs, 'epoch')}, "
                  f"{count(config.blas_threads, 'BLAS thread')}"
                  f"{f' in each of {config.processes} processes' if config.processes > 1 else ''} → {folder}")
    if behind:
        console.print(Text("  epochs measured on a second core while the next one trains (the last in turn)"))
    if config.processes > cores_here():  # each waits for the others at every step
        console.print(Text.assemble(("note: ", "bold"), f"{count(config.processes, 'process', 'processes')} is more "
                                    f"than the {count(cores_here(), 'core')} here; they will slow each other down"))


def _stopped_message(stopped_at: tuple[int, int], folder: Path) -> str:
    epoch, batch = stopped_at
    if batch == 0:
        return (f"stopped before the first checkpoint. Start it again (same settings, same result) with: "
                f"tutor train --resume {folder}")
    return (f"stopped after minibatch {batch} of epoch {epoch}; checkpoint saved in {folder}. "
            f"Continue with: tutor train --resume {folder}")


# --- the live view ------------------------------------------------------------------------------
def epoch_line(m: EpochMetrics, epochs: int, samples: int = 0, flop: int = 0) -> str:
    """One finished epoch; with the training ``samples`` and the ``flop`` done in its wall time ``m.seconds``
    (`RichProgress.work`), also the throughput over that time: its steps and measuring pass, or, for an epoch
    measured behind on another core (`train.behind`), its steps and any wait for the figures of the epoch before
    it, while that epoch was measured."""
    line = (f"epoch {m.epoch:>{len(str(epochs))}}/{epochs}  η {m.learning_rate:<8g}  "
            f"train {100 * m.train_accuracy:6.2f}% (C {m.train_loss:.4f})  "
            f"validation {100 * m.val_accuracy:6.2f}% (C {m.val_loss:.4f})  {m.seconds:5.1f} s")
    if samples and m.seconds > 0:
        line += f"  {samples / m.seconds:8,.0f} samples/s  {flop / m.seconds / 1e9:5.1f} GFLOP/s"
    return line


class RichProgress:
    """`TrainProgress` shown with Rich on ``console``: a progress bar over the epoch's minibatches, the
    figures of the last epoch beside it, one printed line per finished epoch, warnings as they come."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.progress = Progress(
            TextColumn("[bold]epoch {task.fields[epoch]}/{task.fields[epochs]}"),
            TextColumn("η {task.fields[eta]}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[figures]}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self.task: TaskID | None = None
        self.config: TrainConfig | None = None
        self.epochs = self.batches = 0
        self.resumed_at = (0, 0)  # (epoch, minibatches it had done) where this session began
        self.figures = "—"

    def start(self, config: TrainConfig, first_epoch: int, batches_per_epoch: int) -> None:
        self.config, self.epochs, self.batches = config, config.epochs, batches_per_epoch
        self.resumed_at = (first_epoch, 0)
        self.task = self.progress.add_task("train", total=batches_per_epoch, epoch=first_epoch, epochs=config.epochs,
                                           eta="", figures=self.figures)
        self.progress.start()

    def epoch_start(self, epoch: int, learning_rate: float, first_batch: int) -> None:
        assert self.task is not None
        if epoch == self.resumed_at[0]:
            self.resumed_at = (epoch, first_batch)
        self.progress.update(self.task, completed=first_batch, epoch=epoch, eta=f"{learning_rate:g}")

    def work(self, epoch: int, passes: int = 1) -> tuple[int, int]:
        """(training samples, FLOP) of ``epoch``'s wall time in this session, for the throughput in its line: its
        steps (an epoch resumed mid-way trains only the minibatches it had left) and ``passes`` measuring passes
        over every image (`TrainProgress.epoch_end`: 0, 1 or 2 when epochs are measured behind)."""
        from backprop_tutor.engine.flops import epoch_flops

        assert self.config is not None
        B = self.config.batch_size
        steps = self.batches - (self.resumed_at[1] if epoch == self.resumed_at[0] else 0)
        measured = passes * (self.batches * B + self.config.n_validation)
        return steps * B, epoch_flops(self.config.sizes, B, steps * B, measured)

    def batch_done(self, epoch: int, batch: int) -> None:
        assert self.task is not None
        self.progress.update(self.task, completed=batch)

    def epoch_end(self, metrics: EpochMetrics, passes: int = 1) -> None:
        assert self.task is not None
        self.figures = (f"train {100 * metrics.train_accuracy:.2f}%  validation {100 * metrics.val_accuracy:.2f}%  "
                        f"C {metrics.train_loss:.4f}")
        self.progress.update(self.task, figures=self.figures)
        self.progress.console.print(epoch_line(metrics, self.epochs, *self.work(metrics.epoch, passes)),
                                    highlight=False)

    def warn(self, message: str) -> None:
        self.progress.console.print(Text.assemble(("warning: ", "bold"), message))

    def stop(self) -> None:
        self.progress.stop()
