"""The live view of a run: a Rich progress bar over the epoch's minibatches, the figures of the last
epoch beside it, and one printed line per finished epoch."""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

from backprop_tutor.train.config import TrainConfig
from backprop_tutor.train.metrics import EpochMetrics


def epoch_line(m: EpochMetrics, epochs: int) -> str:
    return (f"epoch {m.epoch:>{len(str(epochs))}}/{epochs}  η {m.learning_rate:<8g}  "
            f"train {100 * m.train_accuracy:6.2f}% (C {m.train_loss:.4f})  "
            f"validation {100 * m.val_accuracy:6.2f}% (C {m.val_loss:.4f})  {m.seconds:5.1f} s")


class RichProgress:
    """`TrainProgress` shown with Rich on ``console``."""

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
        self.epochs = 0
        self.figures = "—"

    def start(self, config: TrainConfig, first_epoch: int, batches_per_epoch: int) -> None:
        self.epochs = config.epochs
        self.task = self.progress.add_task("train", total=batches_per_epoch, epoch=first_epoch, epochs=config.epochs,
                                           eta="", figures=self.figures)
        self.progress.start()

    def epoch_start(self, epoch: int, learning_rate: float, first_batch: int) -> None:
        assert self.task is not None
        self.progress.update(self.task, completed=first_batch, epoch=epoch, eta=f"{learning_rate:g}")

    def batch_done(self, epoch: int, batch: int) -> None:
        assert self.task is not None
        self.progress.update(self.task, completed=batch)

    def epoch_end(self, metrics: EpochMetrics) -> None:
        assert self.task is not None
        self.figures = (f"train {100 * metrics.train_accuracy:.2f}%  validation {100 * metrics.val_accuracy:.2f}%  "
                        f"C {metrics.train_loss:.4f}")
        self.progress.update(self.task, figures=self.figures)
        self.progress.console.print(epoch_line(metrics, self.epochs), highlight=False)

    def stop(self) -> None:
        self.progress.stop()
