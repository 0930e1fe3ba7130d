"""`tutor sweep`: train a grid of configurations, choose on validation, retrain the choice, test it once, report.

The command only parses and shows; the workflow is `backprop_tutor.train.sweep.workflow.run_sweep`.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from backprop_tutor.cli._settings import GRID, add_flag, add_grid_flag, grid_values
from backprop_tutor.cli._settings import flag_speller as settings_speller
from backprop_tutor.errors import UsageError
from backprop_tutor.memory import cores_here
from backprop_tutor.plural import count, plural
from backprop_tutor.train.config import SETTINGS, TrainConfig

if TYPE_CHECKING:
    from backprop_tutor.train.sweep.executors import SweepOptions
    from backprop_tutor.train.sweep.grid import SweepGrid
    from backprop_tutor.train.sweep.results import RunOutcome, SweepResult

EPILOG = """\
examples:
  tutor sweep --data mnist --activations tanh,relu --lrs 0.1,0.01,0.001 --hidden 100,50,25 \\
              --batch-size 500 --epochs 50 --decay-at 20,40 --init he --workers 2 --out runs/hw5
  tutor sweep --resume runs/hw5                  after Ctrl-C or a crash: finished runs are not redone
  tutor sweep --resume runs/hw5 --retry-failed   … and run the failed configurations again
  tutor sweep --resume runs/hw5 --cluster tcp://scheduler:8786   the same sweep on a Dask cluster (the cluster
                                                                 extra: pip install 'backprop_tutor[cluster]')
  tutor sweep --resume runs/hw5 --cluster local --workers 2      … on a local Dask cluster
  tutor sweep --data fashion-mnist --hidden 100,50,25 --hidden 200 --seeds 1,2 --subset 6000 \\
              --validation 1000 --epochs 5 --out runs/quick         two networks × two seeds, quickly
  tutor infer --params runs/hw5 --data mnist --json result.json      the retrained choice, on any data

Every setting takes a comma-separated list of values (--hidden and --decay-at: repeat the flag); the sweep
runs every combination, each exactly as `tutor train` would, in runs/<name>/. Then it chooses on validation
accuracy, retrains the choice on training + validation images in final/, opens the test images once, and
writes plots/, overview.png, report.md and report.json. Run it again (or --resume) to continue.
"""

def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "sweep", help="train a grid of configurations; choose on validation, retrain, test once, report",
        description="The homework's workflow: every combination of the listed settings trained as `tutor train` "
                    "would, the best on validation accuracy retrained on training + validation images, the test "
                    "set evaluated once, plots and a report.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_flag(p, SETTINGS["data"])
    grid = p.add_argument_group("the grid (every setting of `tutor train`; defaults as there)")
    for s in GRID:
        add_grid_flag(grid, s)
    split = p.add_argument_group("data split (one per sweep)")
    for name in ("n_validation", "subset"):
        add_flag(split, SETTINGS[name])
    how = p.add_argument_group("selection and running")
    how.add_argument("--select", choices=("final", "best-epoch"),
                     help="choose on validation accuracy after the last epoch (final, the default) or in any epoch")
    how.add_argument("--workers", type=int, metavar="N",
                     help="configurations run at once, in N processes (default 1: in this one; with --cluster "
                          "local: the local cluster's workers, default one per core)")
    how.add_argument("--cluster", metavar="ADDRESS|local",
                     help="run on a Dask scheduler (tcp://host:8786; its own workers), or on a local Dask cluster")
    how.add_argument("--fail-fast", action="store_true", help="stop at the first failing configuration")
    how.add_argument("--retry-failed", action="store_true", help="run failed configurations again")
    out = p.add_argument_group("output")
    out.add_argument("--out", type=Path, metavar="DIR", help="sweep folder (default runs/sweep-<date>-<time>)")
    out.add_argument("--resume", type=Path, metavar="DIR", help="continue the sweep in DIR with its own grid")
    out.add_argument("--force", action="store_true", help="start the sweep in --out over (all runs again)")
    out.add_argument("--quiet", action="store_true", help="no progress display, only the summary")
    p.set_defaults(func=run)


def grid_from_args(args: argparse.Namespace) -> SweepGrid:
    """The grid the flags describe: one value → a shared setting, several → an axis of the product."""
    from backprop_tutor.train.sweep.grid import SweepGrid

    if args.data is None:
        raise UsageError("--data is required: mnist, fashion-mnist, or a path (see `tutor sweep --help`)")
    base: dict[str, Any] = {name: getattr(args, name) for name in ("data", "n_validation", "subset")
                            if getattr(args, name) is not None}
    axes: dict[str, list[Any]] = {}
    for s in GRID:
        given = getattr(args, s.name)
        values = grid_values(s, given) if given is not None else []
        if len(values) == 1:
            base[s.name] = values[0]
        elif values:
            axes[s.name] = values
    return SweepGrid(TrainConfig(**base), axes)


def command_line(grid: SweepGrid, folder: Path, options: SweepOptions) -> list[str]:
    """A command that runs this sweep again as this session ran it: the settings that differ from `tutor
    train`'s defaults, the selection rule, and where the configurations ran (--workers, --cluster)."""
    words = ["tutor", "sweep", "--data", grid.base.data]
    for s in GRID:
        values = grid.axes.get(s.name, [getattr(grid.base, s.name)])
        if values == [s.default]:
            continue
        if s.kind == "ints":
            for v in values:
                words += [s.flag, ",".join(map(str, v)) or "none"]
        else:
            words += [(s.plural or s.flag) if len(values) > 1 else s.flag,
                      ",".join(f"{v:g}" if isinstance(v, float) else str(v) for v in values)]
    for flag, value, default in (("--validation", grid.base.n_validation, SETTINGS["n_validation"].default),
                                 ("--subset", grid.base.subset, None), ("--select", options.select, "final"),
                                 ("--workers", options.workers, 1), ("--cluster", options.cluster, None)):
        if value != default:
            words += [flag, str(value)]
    return [*words, "--out", str(folder)]


def _given_grid_flags(args: argparse.Namespace) -> list[str]:
    given = [s.flag for s in [SETTINGS["data"], *GRID, SETTINGS["n_validation"], SETTINGS["subset"]]
             if getattr(args, s.name) is not None]
    return given + (["--out"] if args.out is not None else [])


def _setup(args: argparse.Namespace) -> tuple[SweepGrid, Path, SweepOptions]:
    from backprop_tutor.train.sweep.executors import SweepOptions
    from backprop_tutor.train.sweep.grid import SweepGrid
    from backprop_tutor.train.sweep.workflow import read_sweep_record

    if args.workers is not None and args.workers < 1:
        raise UsageError(f"--workers must be ≥ 1, got {args.workers}")
    check_cluster_address(args.cluster)
    workers = args.workers or (cores_here() if args.cluster == "local" else 1)
    if args.resume is not None:
        given = _given_grid_flags(args)
        if given:
            raise UsageError(f"--resume takes the grid from {args.resume}/sweep.json; drop {', '.join(given)}")
        record = read_sweep_record(args.resume)
        grid, folder, select = SweepGrid.from_dict(record["grid"]), args.resume, record.get("select", "final")
    else:
        grid = grid_from_args(args)
        folder = args.out or Path("runs") / time.strftime("sweep-%Y%m%d-%H%M%S")
        select = "final"
    options = SweepOptions(select=args.select or select, workers=workers, cluster=args.cluster,
                           retry_failed=args.retry_failed, force=args.force, fail_fast=args.fail_fast)
    return grid, folder, options


def check_cluster_address(cluster: str | None) -> None:
    """--cluster is "local" or a Dask scheduler's address, [tcp://]host:port."""
    from urllib.parse import urlsplit

    if cluster is None or cluster == "local":
        return
    try:
        parts = urlsplit(cluster if "://" in cluster else f"tcp://{cluster}")
        port = parts.port
    except ValueError:
        parts, port = None, None
    if parts is None or not parts.hostname or port is None or " " in cluster or parts.path not in ("", "/"):
        raise UsageError(f"--cluster {cluster!r}: not a Dask scheduler's address; give tcp://HOST:PORT (e.g. "
                         "tcp://10.0.0.5:8786), or local for a cluster on this machine")


def flag_speller(folder: Path) -> Callable[[str], str | None]:
    """How this command spells a setting named in a library message: as its flag."""
    return settings_speller({"out": "--out", "force": "--force", "resume": f"tutor sweep --resume {folder}"})


def run(args: argparse.Namespace) -> int:
    from backprop_tutor.train.config import SettingError

    try:
        return _run(args)
    except SettingError as err:  # the library names settings; say them as this command's flags
        raise UsageError(err.render(flag_speller(args.resume or args.out or Path("runs")))) from None


def _run(args: argparse.Namespace) -> int:
    from backprop_tutor.fileio import refuse_replacing_inputs
    from backprop_tutor.train.sweep.workflow import run_sweep

    console = Console(highlight=False, soft_wrap=True)
    grid, folder, options = _setup(args)
    data = grid.base.data
    refuse_replacing_inputs({"--out": folder}, {"the data": data if Path(data).exists() else None})
    configurations = grid.configurations()
    threads, cores = max(c.config.blas_threads * c.config.processes for c in configurations), cores_here()
    if options.cluster is None and options.workers * threads > cores:
        each = (f"{threads} BLAS {plural(threads, 'thread')}" if all(c.config.processes == 1 for c in configurations)
                else f"{threads} {plural(threads, 'process', 'processes')}")
        console.print(Text.assemble(("note: ", "bold"), f"{count(options.workers, 'worker')} × {each} is "
                                    f"more than the {count(cores, 'core')} here; they will slow each "
                                    "other down"))
    where = (f"Dask cluster at {options.cluster}" if options.cluster not in (None, "local") else
             f"{options.workers} {'Dask ' if options.cluster else ''}{plural(options.workers, 'worker')}")
    console.print(f"{count(len(configurations), 'configuration')} of {grid.base.data} → {folder}  ({where})")
    progress = None if args.quiet else RichSweepProgress(console)
    try:
        result = run_sweep(folder, grid, options, command_line(grid, folder, options), progress)
    except KeyboardInterrupt:
        console.print(f"stopped; the runs under way saved checkpoints. Continue with: tutor sweep --resume {folder}")
        return 130
    show_summary(console, result)
    if result.status == "interrupted":
        console.print(f"stopped before the end. Continue with: tutor sweep --resume {folder}")
        return 130
    return 0 if result.status == "complete" and not any(s.status == "failed" for s in result.summaries) else 1


def show_summary(console: Console, result: SweepResult) -> None:
    """The comparison table, the choice, the retrained run's and the test figures, the report's place."""
    report = result.report or {}
    chosen = (report.get("selection") or {}).get("chosen")
    table = Table(title="configurations", title_justify="left")
    for name, justify in (("configuration", "left"), ("status", "left"), ("training", "right"),
                          ("validation", "right"), ("best validation (epoch)", "right"), ("seconds", "right")):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for r in report.get("runs", []):
        best = f"{_pct(r['best_validation_accuracy'])} ({r['best_epoch']})" if r["best_epoch"] else "—"
        style = "bold" if r["name"] == chosen else ""
        table.add_row(("★ " if r["name"] == chosen else "") + r["name"], r["status"],
                      _pct(r["final_training_accuracy"]), _pct(r["final_validation_accuracy"]), best,
                      f"{r['seconds']:.1f}", style=style)
    console.print(table)
    for failure in report.get("failures", []):
        console.print(Text.assemble(("failed: ", "bold red"), f"{failure['name']}: {failure['error']}"))
    if report.get("selection"):
        sel = report["selection"]
        console.print(f"chosen: {sel['chosen']} ({sel['rule_text']}): validation {_pct(sel['validation_accuracy'])}")
    if report.get("final"):
        final = report["final"]
        console.print(f"retrained on {count(report['data'].get('final_training_images'), 'image')} in "
                      f"{result.folder / final['folder']}: training accuracy {_pct(final['training_accuracy'])}")
    if report.get("test"):
        test = report["test"]
        console.print(Text(f"test accuracy {_pct(test['accuracy'])} ({test['correct']} / {test['n_test']}), "
                           "evaluated once", style="bold"))
    console.print(f"report: {result.folder / 'report.md'} (and report.json, overview.png, plots/)")


def _pct(v: float | None) -> str:
    return "—" if v is None else f"{100 * v:.2f}%"


class RichSweepProgress:
    """`SweepProgress` with Rich: one bar of epochs per configuration, a line when one finishes."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.progress = Progress(TextColumn("{task.description}"), BarColumn(),
                                 TextColumn("{task.completed}/{task.total} epochs"), TextColumn("{task.fields[state]}"),
                                 TimeElapsedColumn(), console=console)
        self.tasks: dict[str, TaskID] = {}

    def plan(self, runs: list[tuple[str, int, int]]) -> None:
        self.progress.start()
        for name, done, epochs in runs:
            state = "[green]done" if done >= epochs else ""
            if name in self.tasks:
                self.progress.update(self.tasks[name], completed=done, total=epochs, state=state)
            else:
                self.tasks[name] = self.progress.add_task(name, total=epochs, completed=done, state=state)

    def update(self, name: str, epochs_done: int) -> None:
        if name in self.tasks:
            self.progress.update(self.tasks[name], completed=epochs_done)

    def finished(self, outcome: RunOutcome) -> None:
        state = {"complete": "[green]done", "failed": "[red]failed", "interrupted": "[yellow]stopped"}[outcome.status]
        if outcome.name in self.tasks:
            task = self.tasks[outcome.name]
            total = self.progress.tasks[task].total if outcome.status == "complete" else None
            self.progress.update(task, state=state, completed=total)
        if outcome.status == "failed":
            self.progress.console.print(Text.assemble(("failed: ", "bold red"), f"{outcome.name}: {outcome.error}"))

    def phase(self, text: str) -> None:
        self.progress.console.print(text)

    def stop(self) -> None:
        self.progress.stop()
