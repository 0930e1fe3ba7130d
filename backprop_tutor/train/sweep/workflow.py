"""The whole workflow: record the session in sweep.json, run the grid, choose on validation, retrain the choice
on training + validation images, test it once, and write the report."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import filelock

from backprop_tutor.errors import TutorError, UsageError
from backprop_tutor.plural import count
from backprop_tutor.train.config import SettingError, TrainConfig
from backprop_tutor.train.plots import load_matplotlib
from backprop_tutor.train.resources import measures_behind, retraining_processes, retraining_threads
from backprop_tutor.train.run_folder import CONFIG_FILE, LOCK_FILE, is_temporary, release_lock, write_json
from backprop_tutor.train.sweep.data import SealedTestSet, forget_loaded_data, training_data, training_split
from backprop_tutor.train.sweep.executors import Runner, SweepOptions, SweepProgress, task_for
from backprop_tutor.train.sweep.grid import Configuration, SweepGrid
from backprop_tutor.train.sweep.results import (
    FINAL_DIR,
    RUNS_DIR,
    SELECT_RULES,
    STOP_FILE,
    SWEEP_FILE,
    TEST_FILE,
    RunOutcome,
    RunSummary,
    SweepResult,
    read_metrics,
    run_state,
    select,
    summarize,
)

#: when a session started, in sweep.json (local time with its UTC offset)
TIME_FORMAT = "%Y-%m-%dT%H:%M:%S%z"


def start_sweep(folder: Path, grid: SweepGrid, options: SweepOptions, command_line: list[str]) -> dict[str, Any]:
    """Check the grid and ``folder`` and record this session in sweep.json: a folder holding another grid is an
    error (unless ``force``), one holding this grid is continued."""
    grid.check()
    if options.select not in SELECT_RULES:
        raise UsageError(f"unknown selection rule {options.select!r}; choose one of {', '.join(SELECT_RULES)}")
    record = read_sweep_record(folder) if (folder / SWEEP_FILE).exists() else None
    if record is not None and record["grid"] != grid.to_dict() and not options.force:
        raise UsageError(f"{folder}: holds a sweep of another grid ({SWEEP_FILE}); continue it with --resume "
                         f"{folder}, replace it with --force, or choose another --out")
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder}: is a file; --out must be a folder")
    if record is None or options.force:
        record = {"grid": grid.to_dict(), "configurations": [c.name for c in grid.configurations()],
                  "sessions": []}
    record["select"] = options.select
    close_killed_sessions(folder, record)
    record["sessions"].append({"command_line": command_line, "started": time.strftime(TIME_FORMAT),
                               "workers": options.workers, "cluster": options.cluster})
    folder.mkdir(parents=True, exist_ok=True)
    (folder / STOP_FILE).unlink(missing_ok=True)
    write_json(folder / SWEEP_FILE, record)
    return record


def close_killed_sessions(folder: Path, record: dict[str, Any]) -> None:
    """A session that never closed itself was killed (SIGKILL, a power cut): status "killed", and its wall
    time up to the last file the sweep wrote (the best figure left of it)."""
    open_sessions = [s for s in record["sessions"] if "status" not in s]
    if not open_sessions:
        return
    written = [p.stat().st_mtime for p in folder.rglob("*") if p.is_file() and p.name != SWEEP_FILE]
    for session in open_sessions:
        try:
            began = datetime.strptime(session["started"], TIME_FORMAT).timestamp()
        except (KeyError, TypeError, ValueError):
            began = None
        last = max((t for t in written if began is not None and t >= began), default=began)
        session.update(status="killed", seconds=None if began is None else round(last - began, 3))


def close_session(folder: Path, record: dict[str, Any], started: float, status: str) -> None:
    """This session's wall time and how it ended, in sweep.json."""
    record["sessions"][-1].update(seconds=round(time.perf_counter() - started, 3), status=status)
    write_json(folder / SWEEP_FILE, record)


def read_sweep_record(folder: Path) -> dict[str, Any]:
    path = folder / SWEEP_FILE
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        SweepGrid.from_dict(record["grid"])
        return record
    except FileNotFoundError:
        raise UsageError(f"{folder}: no {SWEEP_FILE} here, so no sweep to resume") from None
    except (ValueError, KeyError, TypeError) as err:
        raise UsageError(f"{path}: damaged sweep record ({err})") from None


def check_sizes(grid: SweepGrid) -> None:
    """Before any run: each configuration's batch size must divide its training images and the final run's
    training + validation images (read from the training split alone)."""
    for configuration in grid.configurations():
        config = configuration.config
        n = available = len(training_split(config.data))
        if config.subset is not None:
            if config.subset > available:
                raise SettingError(f"{{subset}} {config.subset}: the training file has only "
                                   f"{count(available, 'image')}")
            n = config.subset
        config.check_split(n)
        config.check_data(n - config.n_validation)
        try:
            config.check_data(n)
        except SettingError as err:
            raise SettingError(f"the chosen configuration is retrained on all {n} training + validation images: "
                               f"{err.template}") from None


def run_sweep(folder: str | os.PathLike[str], grid: SweepGrid, options: SweepOptions, command_line: list[str],
              progress: SweepProgress | None = None) -> SweepResult:
    """The workflow: run the configurations not yet complete, choose on validation, retrain the choice on
    training + validation, test it once, draw the plots and write the report."""
    folder = Path(folder)
    started = time.perf_counter()
    forget_loaded_data()
    try:
        with claim_sweep_folder(folder):
            record = start_sweep(folder, grid, options, command_line)
            try:
                with contextlib.ExitStack() as stack:  # its end stops the workers, before the session is closed
                    runner = Runner(options, progress, stack, folder / STOP_FILE)
                    if any(_to_run(_state(folder / RUNS_DIR / c.name, options), options)
                           for c in grid.configurations()):
                        runner.warm_up(grid.base.data)  # the workers start while the sizes are checked
                    check_sizes(grid)
                    return _workflow(folder, grid, options, record, runner, started)
            except BaseException as err:  # Ctrl-C, or an error: the session still gets its wall time
                close_session(folder, record, started, "interrupted" if isinstance(err, KeyboardInterrupt) else
                              "failed")
                raise
    finally:
        if progress is not None:
            progress.stop()


@contextlib.contextmanager
def claim_sweep_folder(folder: Path) -> Iterator[None]:
    """The sweep folder for this process alone, for the whole workflow (an OS lock on DIR/.lock, as a run
    folder has): a second `tutor sweep` into it is refused while the first runs. A folder holding anything
    but a sweep of ours is never written to (the rule `tutor train` follows for run folders)."""
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder}: is a file; --out must be a folder")
    foreign = [] if (folder / SWEEP_FILE).exists() or not folder.exists() else \
        sorted(p.name for p in folder.iterdir() if p.name != LOCK_FILE and not is_temporary(p.name))
    if foreign:
        shown = ", ".join(foreign[:5]) + (", …" if len(foreign) > 5 else "")
        raise UsageError(f"{folder}: holds files that are not a backprop_tutor sweep ({shown}); a sweep never "
                         "replaces files it did not write: choose a new or empty --out")
    folder.mkdir(parents=True, exist_ok=True)
    lock = filelock.FileLock(folder / LOCK_FILE, thread_local=False)
    try:
        lock.acquire(blocking=False)
    except filelock.Timeout:
        raise UsageError(f"{folder}: another tutor sweep is using this sweep folder right now; wait for it to "
                         "finish (or stop it), or choose another --out") from None
    try:
        yield
    finally:
        release_lock(lock)


def _workflow(folder: Path, grid: SweepGrid, options: SweepOptions, record: dict[str, Any], runner: Runner,
              started: float) -> SweepResult:
    test_set = SealedTestSet(grid.base.data)
    configurations = grid.configurations()
    prep = RetrainingPrep(grid.base)
    try:
        outcomes = _run_grid(folder, configurations, runner, prep)
    finally:
        prep.wait()
    runner.close_pool()  # the retraining runs alone, in this process
    summaries = [summarize(c, folder / RUNS_DIR / c.name) for c in configurations]
    if options.fail_fast and any(o.status == "failed" for o in outcomes):
        return _finish(folder, record, SweepResult("failed", folder, summaries), started)
    if any(s.status not in ("complete", "failed") for s in summaries):
        return _finish(folder, record, SweepResult("interrupted", folder, summaries), started)
    if not any(s.status == "complete" for s in summaries):  # every one failed: say each cause, exit 1
        return _finish(folder, record, SweepResult("failed", folder, summaries), started)
    chosen = select(summaries, options.select)
    final = _retrain(folder, chosen, runner)
    if final.status != "complete":
        return _finish(folder, record, SweepResult(final.status, folder, summaries, chosen, final), started)
    test = _test_once(folder, chosen, test_set, runner.progress)
    return _finish(folder, record, SweepResult("complete", folder, summaries, chosen, final, test), started)


class RetrainingPrep:
    """What the retraining needs whatever the choice, made ready by a thread of this process once fewer runs are
    left than workers (a worker's core is idle then, until the grid's last run ends): matplotlib's modules for
    its plot (~0.35 s CPU to load) and the training + validation images of ``config``'s data settings with their
    fingerprint (~0.1 s). Nothing it makes changes a result; if it fails, the retraining does the same and
    reports the error."""

    def __init__(self, config: TrainConfig) -> None:
        self.config = config
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        if self.thread is None:
            self.thread = threading.Thread(target=self._load, name="backprop_tutor: retraining prep", daemon=True)
            self.thread.start()

    def wait(self) -> None:
        if self.thread is not None:
            self.thread.join()

    def _load(self) -> None:
        with contextlib.suppress(Exception):
            load_matplotlib()
            training_data(self.config, merged=True).fingerprint  # noqa: B018 (computed once, then cached)


def _run_grid(folder: Path, configurations: list[Configuration], runner: Runner,
              prep: RetrainingPrep | None = None) -> list[RunOutcome]:
    """Run every configuration not yet complete (nor failed, unless ``retry_failed``); the outcomes. ``prep``
    starts when a worker has no run left to take."""
    options, progress = runner.options, runner.progress
    states = {c.name: _state(folder / RUNS_DIR / c.name, options) for c in configurations}
    side_by_side = min(options.workers, sum(_to_run(state, options) for state in states.values()))
    tasks, plan = [], []
    for c in configurations:
        run_folder, state = folder / RUNS_DIR / c.name, states[c.name]
        if _to_run(state, options):
            tasks.append(task_for(c.name, c.config, run_folder, force=options.force, sweep=folder,
                                  measure_behind=_measures_behind(c.config, options, side_by_side)))
        done = len(read_metrics(run_folder).get("epochs", [])) if state != "new" else 0
        plan.append((c.name, done, c.config.epochs))
    outcomes: list[RunOutcome] = []
    if progress is not None:
        progress.plan(plan)

    def finished(outcome: RunOutcome) -> None:
        outcomes.append(outcome)
        if prep is not None and 0 < len(tasks) - len(outcomes) < options.workers:
            prep.start()
        if progress is not None:
            progress.finished(outcome)

    runner.run(tasks, finished)
    return outcomes


def _measures_behind(config: TrainConfig, options: SweepOptions, runs: int) -> bool:
    """Whether a run of the sweep measures its epochs behind: when this machine's cores leave one free for each of
    the ``runs`` side by side (the grid's workers: 1 on a 2-core machine, `tutor sweep`'s default; the retraining
    alone); never on a Dask cluster, whose cores are its own (the retraining runs there too)."""
    return options.cluster is None and measures_behind(config.blas_threads, runs=runs, processes=config.processes)


def _state(run_folder: Path, options: SweepOptions) -> str:
    """A configuration's `run_state`, as this session treats it (--force: every run starts anew)."""
    return "new" if options.force else run_state(run_folder)


def _to_run(state: str, options: SweepOptions) -> bool:
    """Whether this session runs a configuration in ``state``: one not yet complete nor failed, or a failed one
    with --retry-failed."""
    return state not in ("complete", "failed") or (state == "failed" and options.retry_failed)


def _retrain(folder: Path, chosen: RunSummary, runner: Runner) -> RunSummary:
    """The chosen configuration trained again, with the same schedule, on training + validation images."""
    options, progress = runner.options, runner.progress
    final = folder / FINAL_DIR
    recorded = _recorded_config(final)
    config = _final_config(chosen.config, recorded, local=options.cluster is None)
    choice = Configuration(chosen.name, chosen.settings, config)
    if options.force or recorded not in (None, config):  # another choice's run: replace
        (final / TEST_FILE).unlink(missing_ok=True)
        force = True
    else:
        force = False
    if force or run_state(final) != "complete":
        if progress is not None:
            progress.phase(f"retraining {chosen.name} on training + validation images")
            progress.plan([(FINAL_DIR, 0 if force else len(read_metrics(final).get("epochs", [])), config.epochs)])
        task = task_for(FINAL_DIR, config, final, merged=True, force=force,
                        measure_behind=_measures_behind(config, options, 1))
        runner.run([task], progress.finished if progress is not None else lambda outcome: None, pool=False)
    return summarize(choice, final)


def _final_config(chosen: TrainConfig, recorded: TrainConfig | None, local: bool = True) -> TrainConfig:
    """The retraining's settings: the choice's, split over `retraining_processes` on this machine (``local``: not on
    a Dask cluster) or else on `retraining_threads` (it runs alone: the grid is done); or those of a retraining of
    this choice begun before (so it continues bit-identically)."""
    if recorded is not None and dataclasses.replace(recorded, blas_threads=chosen.blas_threads,
                                                    processes=chosen.processes) == chosen:
        return recorded
    if chosen.processes == 1 and chosen.blas_threads == 1 and local and retraining_processes() > 1:
        return dataclasses.replace(chosen, processes=retraining_processes())
    return dataclasses.replace(chosen, blas_threads=max(chosen.blas_threads, retraining_threads()))


def _recorded_config(folder: Path) -> TrainConfig | None:
    try:
        return TrainConfig.from_dict(json.loads((folder / CONFIG_FILE).read_text(encoding="utf-8"))["config"])
    except (OSError, ValueError, KeyError, TypeError, TutorError):
        return None


def _test_once(folder: Path, chosen: RunSummary, test_set: SealedTestSet,
               progress: SweepProgress | None) -> dict[str, Any]:
    """The test figures of the retrained choice: evaluated now, the first time the test images are opened, or
    read from test.json if this choice was tested before (a test set is looked at once)."""
    from backprop_tutor.train.infer import check_fits, load_network
    from backprop_tutor.train.metrics import evaluate

    path = folder / FINAL_DIR / TEST_FILE
    with contextlib.suppress(OSError, ValueError, AttributeError):
        record = json.loads(path.read_text(encoding="utf-8"))
        if record.get("configuration") == chosen.name and record.get("checksum") == _checksum(record):
            return record  # (a hand-edited figure no longer matches its checksum: measured again)
    if progress is not None:
        progress.phase("testing the retrained choice, once")
    test_set.unseal()
    split = test_set.load()
    if not len(split):
        raise UsageError(f"{split.source}: holds no test images")
    loaded = load_network(folder / FINAL_DIR)
    check_fits(loaded, split.x, split.y.shape[1], split.source)
    loss, accuracy = evaluate(loaded.network, split.x, split.y)
    record = {"configuration": chosen.name, "accuracy": accuracy, "loss": loss, "n_test": len(split),
              "correct": round(accuracy * len(split)), "source": split.source,
              "evaluated": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    record["checksum"] = _checksum(record)
    write_json(path, record)
    return record


def _checksum(record: dict[str, Any]) -> str:
    """A hash of what was measured (every field but the checksum): a resumed sweep reports test.json's figures
    only if they are the ones it wrote."""
    measured = {k: v for k, v in record.items() if k != "checksum"}
    return hashlib.sha256(json.dumps(measured, sort_keys=True).encode()).hexdigest()[:16]


def _finish(folder: Path, record: dict[str, Any], result: SweepResult, started: float) -> SweepResult:
    """Close the session in sweep.json, draw the plots (those the workers did not draw), write report.md and
    .json."""
    from backprop_tutor.train.report import write_report

    close_session(folder, record, started, result.status)
    result.report = write_report(result, record)
    return result
