"""What a student calls in a notebook cell, as `import backprop_tutor as bt` offers it:

    bt.example("hand-backprop")          the stepper: ◀ ▶ and ← →, the step's equation, the network, the worksheet
    bt.example("my_net.toml", exact=True)
    bt.worksheet("hand-backprop")        the filled worksheet as tables
    bt.solution("hand-backprop")         the worked solution, math rendered
    bt.check("my-answers.md")            the checker's verdicts: ✓ / ✗ root / ✗ carried, with working
    bt.check({"s1": [5, -5], "a1": [5, 0]}, spec="hand-backprop")
    bt.practice(seed=17)                 a new hand-computable problem, each value typed and judged at once
    run = bt.train(data="fashion-mnist", hidden=[100, 50, 25], epochs=5, trace_batch=1)
    run.view()                           the traced minibatch in the stepper (images drawn)
    bt.infer(params="mnist_network_params.hdf5", data="mnist_testdata.hdf5").gallery()
    bt.compare(my_step, "hand-backprop")  your own numpy step against the engine's, array by array

The same rules as the CLI: the same spec files, numbers, worksheet model and checker; bad input is a
`TutorError` whose message is what the CLI prints, shown in a notebook as one line (`errors`).
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from backprop_tutor.errors import UsageError
from backprop_tutor.notebook.errors import ArgumentError, show_errors_briefly
from backprop_tutor.notebook.inference import InferenceResult
from backprop_tutor.notebook.practice import Practice
from backprop_tutor.notebook.results import CheckResult, Example, Solution, WorksheetView
from backprop_tutor.notebook.training import NotebookProgress, Run
from backprop_tutor.trace.events import Trace

#: a quantity of a layer in a Python dict of answers: s1, s(1), a_prime2, δ3, grad_W1, W(2), C
_KEY = re.compile(r"^(?P<q>.+?)\(?(?P<l>\d+)\)?$")


def _spec_path(spec: Any, where: str) -> Path:
    from backprop_tutor.spec import resolve_example

    if not isinstance(spec, str | os.PathLike):
        raise ArgumentError(f"{where}: spec must be a built-in example's name (e.g. \"hand-backprop\") or a spec "
                            f"file's path (str or pathlib.Path), not {type(spec).__name__}")
    return resolve_example(os.fspath(spec))


def _options(where: str, exact: Any, dtype: Any, sample: Any, digits: Any) -> str | None:
    """The precision asked for, once the arguments are checked (the CLI's rules)."""
    from backprop_tutor.engine.precision import PRECISIONS

    if not isinstance(exact, bool):
        raise ArgumentError(f"{where}: exact must be True or False, not {exact!r}")
    if dtype is not None and dtype not in PRECISIONS:
        raise ArgumentError(f"{where}: dtype must be one of {', '.join(map(repr, PRECISIONS))} or None, not {dtype!r}")
    if exact and dtype not in (None, "exact"):
        raise UsageError(f"{where}: exact=True and dtype={dtype!r} contradict each other; give one of them")
    if not isinstance(sample, int) or isinstance(sample, bool) or sample < 0:
        raise ArgumentError(f"{where}: sample must be a sample number (0 is the first), not {sample!r}")
    if digits is not None and (not isinstance(digits, int) or isinstance(digits, bool) or not 1 <= digits <= 50):
        raise ArgumentError(f"{where}: digits must be a number of significant digits from 1 to 50, or None for "
                            f"every digit, not {digits!r}")
    return "exact" if exact else dtype


def _trace(where: str, spec: Any, exact: Any, dtype: Any, sample: Any, digits: Any) -> Trace:
    from backprop_tutor.spec import load_spec, run_spec
    from backprop_tutor.worksheet.model import check_sample

    show_errors_briefly()
    precision = _options(where, exact, dtype, sample, digits)
    trace = run_spec(load_spec(_spec_path(spec, where)), precision)
    check_sample(trace, sample)
    return trace


def example(spec: str | os.PathLike[str] = "hand-backprop", *, exact: bool = False, dtype: str | None = None,
            sample: int = 0, digits: int | None = 3) -> Example:
    """One SGD step of ``spec`` (a built-in example's name or a TOML spec file) to step through.

    ``exact``: exact arithmetic (only certain digits shown); ``dtype``: float64, float32 or exact (default:
    the spec's); ``sample``: which sample of a minibatch (from 0); ``digits``: significant digits, None: all."""
    return Example(_trace("bt.example", spec, exact, dtype, sample, digits), sample, digits)


def worksheet(spec: str | os.PathLike[str] = "hand-backprop", *, exact: bool = False, dtype: str | None = None,
              sample: int = 0, digits: int | None = 3) -> WorksheetView:
    """The filled worksheet of ``spec``: feed-forward, backprop and updated-parameter tables."""
    return WorksheetView(_trace("bt.worksheet", spec, exact, dtype, sample, digits), sample, digits)


def solution(spec: str | os.PathLike[str] = "hand-backprop", *, exact: bool = False, dtype: str | None = None,
             sample: int = 0, digits: int | None = 3) -> Solution:
    """The worked solution of ``spec``: what is given, then every step, numbers substituted."""
    return Solution(_trace("bt.solution", spec, exact, dtype, sample, digits), sample, digits)


def check(answers: str | os.PathLike[str] | Mapping[str, Any], spec: str | os.PathLike[str] | None = None, *,
          sample: int = 0) -> CheckResult:
    """Mark a filled-in worksheet (a file from `tutor worksheet`, Markdown, TOML or JSON), or answers as a
    dict {"s1": [5, -5], "a1": [5, 0], "C": 17, "W3": [[…], …], …} with ``spec`` (and ``sample``)."""
    from backprop_tutor.check.checker import check_answers

    show_errors_briefly()
    if isinstance(answers, Mapping):
        if spec is None:
            raise UsageError("bt.check: answers given as a dict need spec=, e.g. spec=\"hand-backprop\"")
        _options("bt.check", False, None, sample, None)
        return CheckResult(_mark_mapping(answers, _spec_path(spec, "bt.check"), sample))
    if not isinstance(answers, str | os.PathLike):
        raise ArgumentError("bt.check: answers must be a worksheet file's path (str or pathlib.Path) or a dict "
                            f"such as {{\"s1\": [5, -5]}}, not {type(answers).__name__}")
    path = Path(answers)
    if not path.is_file():
        raise UsageError(f"bt.check: {path}: no such file (make one with `tutor worksheet hand-backprop`)")
    spec_path = None if spec is None else _spec_path(spec, "bt.check")
    return CheckResult(check_answers(path, spec_path))


def compare(function: Any, spec: str | os.PathLike[str] | None = None, **options: Any) -> Any:
    """Your training step ``function(W, b, x, y, eta) -> dict`` against the engine's, array by array, on ``spec``
    or on ``data=`` (see `backprop_tutor.compare.api.compare` for the options); shown as an HTML table."""
    from backprop_tutor.compare.api import compare as compare_arrays

    show_errors_briefly()
    return compare_arrays(function, spec, **options)


def practice(spec: str | os.PathLike[str] | None = None, *, seed: int | None = None, sizes: str = "3-2-2-3",
             hidden: str = "relu", output: str = "softmax", sample: int = 0) -> Practice:
    """Practice one backprop step: ``spec`` (a built-in example or a spec file), or a new hand-computable
    problem (``seed``: the same seed, the same problem; ``sizes``, ``hidden``, ``output`` as `tutor worksheet
    --random`). Each value is asked in turn and judged as `tutor check` judges it."""
    from backprop_tutor.check.expected import reference_for
    from backprop_tutor.check.practice import PracticeSession
    from backprop_tutor.check.problems import ProblemSettings, parse_sizes, problem_spec, random_problem
    from backprop_tutor.spec import load_spec

    show_errors_briefly()
    _options("bt.practice", False, None, sample, None)
    if spec is not None:
        if seed is not None:
            raise UsageError("bt.practice: seed= chooses a new random problem; give a spec or a seed, not both")
        return Practice(PracticeSession(reference_for(load_spec(_spec_path(spec, "bt.practice")), sample)))
    if seed is None:
        seed = int(np.random.default_rng().integers(10**6))
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ArgumentError(f"bt.practice: seed must be a whole number, not {seed!r}")
    if not isinstance(sizes, str):
        raise ArgumentError(f"bt.practice: sizes must be the units per layer as text, e.g. \"3-2-2-3\", not {sizes!r}")
    settings = ProblemSettings(parse_sizes(sizes), hidden, output)
    problem = problem_spec(random_problem(seed, settings), f"<practice problem {seed}>")
    return Practice(PracticeSession(reference_for(problem, sample)))


def train(data: str = "mnist", *, out: str | os.PathLike[str] | None = None,
          resume: str | os.PathLike[str] | None = None, force: bool = False, trace_batch: int | list[int] | None = None,
          **settings: Any) -> Run:
    """Train as `tutor train` does, with a live progress line and accuracy plot, into the run folder ``out``
    (default runs/DATE-TIME). ``settings`` are `TrainConfig`'s: hidden=[100, 50, 25], epochs, batch_size,
    learning_rate, activation, momentum, l2, seed, subset, n_validation, test, …; ``trace_batch=K`` traces
    minibatch K (1 = the first) for `Run.view`. The stop button stops after the minibatch, with a checkpoint:
    continue with ``bt.train(resume=FOLDER)``."""
    from backprop_tutor.train import open_run, prepare_data
    from backprop_tutor.train import train as run_training
    from backprop_tutor.train.config import TrainConfig
    from backprop_tutor.train.resources import lone_run_threads, measures_behind
    from backprop_tutor.train.trainer import read_run_config

    show_errors_briefly()
    if resume is not None:
        if settings or trace_batch is not None or out is not None:
            raise UsageError("bt.train: resume= continues a run with its own settings; give no other settings")
        folder, config = Path(resume), read_run_config(resume)
    else:
        values = {"data": data, **{k: list(v) if isinstance(v, tuple) else v for k, v in settings.items()}}
        values.setdefault("blas_threads", lone_run_threads(processes=values.get("processes", 1)))  # as `tutor train`
        if trace_batch is not None:
            values["trace_batches"] = [trace_batch] if isinstance(trace_batch, int) else list(trace_batch)
        config = TrainConfig.from_dict(values)
        folder = Path(out) if out is not None else Path("runs") / time.strftime("%Y%m%d-%H%M%S")
    # a bad setting is a SettingError that names it as TrainConfig does: epochs = 0, as the argument is written
    with open_run(config, folder, resume=resume is not None, force=force) as run_folder:
        result = run_training(config, prepare_data(config), run_folder, progress=NotebookProgress(),
                              resume=resume is not None,
                              measure_behind=measures_behind(config.blas_threads, processes=config.processes))
    if result.status == "interrupted":
        print(f"stopped; checkpoint saved in {folder}. Continue with: bt.train(resume={str(folder)!r})")
    return Run(folder, result)


def infer(params: str | os.PathLike[str], data: str | os.PathLike[str], *, split: str = "test",
          activation: str | None = None, class_names: str = "auto") -> InferenceResult:
    """Classify ``data`` (mnist, fashion-mnist, a folder, an .npz or the course's mnist_testdata.hdf5) with the
    parameters ``params`` (a W1, b1, … file or a run folder), as `tutor infer` does: forward passes only."""
    from backprop_tutor.data.splits import load_split
    from backprop_tutor.errors import DataError
    from backprop_tutor.train import infer as inference

    show_errors_briefly()
    for name, value in (("params", params), ("data", data)):
        if not isinstance(value, str | os.PathLike):
            raise ArgumentError(f"bt.infer: {name} must be a file or folder path (str or pathlib.Path), not {value!r}")
    loaded = inference.load_network(Path(params), activation)
    images = load_split(os.fspath(data), split)
    if not len(images):
        raise DataError(f"{images.source}: holds no {split} images to classify")
    inference.check_fits(loaded, images.x, images.y.shape[1], images.source)
    result = inference.run_inference(loaded.network, images.x, images.y)
    return InferenceResult(loaded, images, result, inference.class_names(class_names, images.name, images.y.shape[1]))


def _mark_mapping(answers: Mapping[str, Any], spec_path: Path, sample: int) -> Any:
    """The marking of answers written as Python values, by the checker's own reading and marking."""
    from backprop_tutor.check.answers import AnswerFile, Entry, written_values
    from backprop_tutor.check.expected import reference_for
    from backprop_tutor.check.layout import KEYS
    from backprop_tutor.check.marking import mark
    from backprop_tutor.check.numbers import Tolerance
    from backprop_tutor.spec import load_spec

    entries = []
    for key, value in answers.items():
        where = f"bt.check: answer {key!r}"
        found = _KEY.match(str(key))
        quantity = KEYS.get(str(key)) if found is None else KEYS.get(found["q"].rstrip("_"))
        if quantity is None:
            raise UsageError(f"{where}: not a quantity of a layer; write keys such as \"s1\", \"a1\", \"a_prime1\", "
                             "\"delta2\", \"grad_W2\", \"grad_b2\", \"W3\", \"b3\" and \"C\"")
        layer = None if found is None else int(found["l"])
        plain = np.asarray(value).tolist() if isinstance(value, np.ndarray | np.generic) else value
        entries.append(Entry(quantity, layer, plain, where))
    ref = reference_for(load_spec(spec_path), sample)
    written = written_values(AnswerFile(Path("<answers>"), str(spec_path), sample, entries), ref)
    return mark(ref, written, Tolerance())
