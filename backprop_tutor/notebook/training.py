"""Training in a notebook: `bt.train(…)` runs `tutor train`'s trainer with a progress line and a live
accuracy plot in the cell's output, and returns a `Run` (its folder, its epochs, `.view()` for a
traced minibatch in the stepper). The kernel's stop button stops the run as Ctrl-C does: after the
minibatch, with a checkpoint, resumable with ``bt.train(resume=FOLDER)``. Reads only the trainer's reports
and the run folder."""

from __future__ import annotations

import time
from html import escape
from pathlib import Path
from typing import Any

from backprop_tutor.errors import UsageError
from backprop_tutor.plural import count

PLOT_WIDTH, PLOT_HEIGHT = 360, 160


def accuracy_svg(history: list[Any]) -> str:
    """Training and validation accuracy per epoch as a small SVG line plot (no matplotlib)."""
    if not history:
        return ""
    n = max(len(history) - 1, 1)
    values = [m.train_accuracy for m in history] + [m.val_accuracy for m in history]
    low, high = min(values), max(values)
    low, high = (low - 0.05, high + 0.05) if high - low < 0.1 else (low, high)

    def points(key: str) -> str:
        xs = [30 + (PLOT_WIDTH - 40) * k / n for k in range(len(history))]
        ys = [10 + (PLOT_HEIGHT - 30) * (high - getattr(m, key)) / (high - low) for m in history]
        return " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))

    return (f'<svg class="bt-plot" width="{PLOT_WIDTH}" height="{PLOT_HEIGHT}" role="img" '
            f'aria-label="accuracy per epoch"><text x="2" y="12" font-size="10">{100 * high:.0f}%</text>'
            f'<text x="2" y="{PLOT_HEIGHT - 20}" font-size="10">{100 * low:.0f}%</text>'
            f'<polyline fill="none" stroke="#1976d2" stroke-width="2" points="{points("train_accuracy")}"/>'
            f'<polyline fill="none" stroke="#e65100" stroke-width="2" points="{points("val_accuracy")}"/>'
            f'<text x="30" y="{PLOT_HEIGHT - 4}" font-size="10" fill="#1976d2">training</text>'
            f'<text x="90" y="{PLOT_HEIGHT - 4}" font-size="10" fill="#e65100">validation</text>'
            f'<text x="{PLOT_WIDTH - 60}" y="{PLOT_HEIGHT - 4}" font-size="10">epoch 1–{len(history)}</text></svg>')


def history_html(history: list[Any]) -> str:
    rows = "".join(f"<tr><td>{m.epoch}</td><td>{m.learning_rate:g}</td><td>{m.train_loss:.4f}</td>"
                   f"<td>{100 * m.train_accuracy:.2f}%</td><td>{m.val_loss:.4f}</td>"
                   f"<td>{100 * m.val_accuracy:.2f}%</td>"
                   f"<td>{m.seconds:.1f} s</td></tr>" for m in history)
    return ("<table><thead><tr><th>epoch</th><th>η</th><th>C train</th><th>train</th><th>C validation</th>"
            f"<th>validation</th><th>time</th></tr></thead><tbody>{rows}</tbody></table>")


class NotebookProgress:
    """The trainer's `TrainProgress` as one output that updates in place (IPython's display handle, from
    the kernel's own thread, which every host repaints), or as a printed line per epoch outside IPython."""

    def __init__(self) -> None:
        self.history: list[Any] = []
        self.line, self.epochs, self.batches, self.last = "", 0, 0, 0.0
        self._handle: Any = None
        self._printing = False

    def _show(self, force: bool = False) -> None:
        now = time.monotonic()
        if self._printing or (not force and now - self.last < 0.5):  # a few updates a second are enough
            return
        self.last = now
        from backprop_tutor.notebook.html import stylesheet
        from backprop_tutor.notebook.results import ipython_display

        page = (f'<div class="bt-sheet"><style>{stylesheet()}</style><div class="bt-status">{escape(self.line)}</div>'
                f"{accuracy_svg(self.history)}{history_html(self.history)}</div>")
        if self._handle is None:
            self._handle = ipython_display(page, self.line)
            self._printing = self._handle is None
        else:
            self._handle.update({"text/html": page, "text/plain": self.line}, raw=True)

    def start(self, config: Any, first_epoch: int, batches_per_epoch: int) -> None:
        self.epochs, self.batches = config.epochs, batches_per_epoch
        self.line = f"epoch {first_epoch}/{self.epochs}: starting"
        self._show(force=True)

    def epoch_start(self, epoch: int, learning_rate: float, first_batch: int) -> None:
        self.line = f"epoch {epoch}/{self.epochs}, η {learning_rate:g}: minibatch {first_batch}/{self.batches}"
        self._show()

    def batch_done(self, epoch: int, batch: int) -> None:
        self.line = f"epoch {epoch}/{self.epochs}: minibatch {batch}/{self.batches}"
        self._show()

    def epoch_end(self, metrics: Any, passes: int = 1) -> None:
        self.history.append(metrics)
        self.line = (f"epoch {metrics.epoch}/{self.epochs} done: training {100 * metrics.train_accuracy:.2f}%, "
                     f"validation {100 * metrics.val_accuracy:.2f}%")
        if self._printing:
            print(self.line)
        self._show(force=True)

    def warn(self, message: str) -> None:
        print(f"warning: {message}")

    def stop(self) -> None:
        self._show(force=True)


class Run:
    """A training run: ``.folder``, ``.status`` (complete | interrupted), ``.history`` (per epoch),
    ``.view(sample)`` (a traced minibatch in the stepper)."""

    def __init__(self, folder: Path, result: Any) -> None:
        self.folder, self.result = folder, result

    @property
    def status(self) -> str:
        return self.result.status

    @property
    def history(self) -> list[Any]:
        return self.result.history

    def traces(self) -> list[str]:
        """The traced minibatches in the run's trace file (epoch1-batch1, …)."""
        import h5py

        from backprop_tutor.trace.store import list_traces

        path = self.folder / "trace.h5"
        if not path.is_file():
            return []
        with h5py.File(path, "r") as f:
            return list_traces(f)

    def view(self, sample: int = 0, trace: str | None = None, digits: int | None = 3) -> Any:
        """The traced minibatch ``trace`` (default: the first) in the stepper, for sample ``sample`` of it."""
        from backprop_tutor.notebook.results import Example
        from backprop_tutor.trace.store import load_trace
        from backprop_tutor.worksheet.model import check_sample

        path = self.folder / "trace.h5"
        if not path.is_file():
            raise UsageError(f"{self.folder}: this run traced no minibatch; train with trace_batch=1 to trace one")
        loaded = load_trace(path, trace)
        check_sample(loaded, sample)
        return Example(loaded, sample, digits)

    def _repr_html_(self) -> str:
        from backprop_tutor.notebook.html import stylesheet

        return (f'<div class="bt-sheet"><style>{stylesheet()}</style><div class="bt-title">{escape(repr(self))}'
                f"</div>{accuracy_svg(self.history)}{history_html(self.history)}</div>")

    def __repr__(self) -> str:
        last = self.history[-1] if self.history else None
        figures = (f": training {100 * last.train_accuracy:.2f}%, validation {100 * last.val_accuracy:.2f}%"
                   if last else "")
        return f"run {self.folder} ({self.status}, {count(len(self.history), 'epoch')}){figures}"
