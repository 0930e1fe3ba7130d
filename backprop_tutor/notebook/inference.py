"""Inference in a notebook: `bt.infer(params=…, data=…)` classifies a data set as `tutor infer` does and
shows its accuracy and confusion matrix; ``.gallery()`` draws correctly and wrongly classified images
with their labels (inline PNGs, no matplotlib); ``.write_json(path)`` writes the assignment's result.json."""

from __future__ import annotations

import os
from html import escape
from pathlib import Path
from typing import Any

import numpy as np

from backprop_tutor.notebook import html
from backprop_tutor.plural import plural


class Gallery:
    """Images with their predicted and true labels: the first ``n`` mistakes, then the first ``n`` right ones."""

    def __init__(self, images: np.ndarray, predicted: np.ndarray, labels: np.ndarray, names: tuple[str, ...],
                 n: int) -> None:
        self.images, self.predicted, self.labels, self.names, self.n = images, predicted, labels, names, n

    def _group(self, title: str, rows: np.ndarray) -> str:
        side = int(np.sqrt(self.images.shape[1]))
        cells = "".join(
            f'<figure class="bt-figure"><img class="bt-image" alt="image {i}" '
            f'src="{html.png_data_uri(self.images[i].reshape(side, side))}"><figcaption>#{i} '
            f"{escape(self.names[self.predicted[i]])}<br>true {escape(self.names[self.labels[i]])}"
            "</figcaption></figure>"
            for i in rows[:self.n])
        return f'<div class="bt-caption">{escape(title)}</div><div class="bt-gallery">{cells or "none"}</div>'

    def _repr_html_(self) -> str:
        wrong = np.flatnonzero(self.predicted != self.labels)
        right = np.flatnonzero(self.predicted == self.labels)
        return (f'<div class="bt-sheet"><style>{html.stylesheet()}</style>'
                f"{self._group(f'misclassified ({len(wrong)})', wrong)}"
                f"{self._group(f'classified right ({len(right)})', right)}</div>")

    def __repr__(self) -> str:
        wrong = np.flatnonzero(self.predicted != self.labels)[:self.n]
        return "misclassified: " + ", ".join(f"#{i} {self.names[self.predicted[i]]} (true {self.names[self.labels[i]]})"
                                             for i in wrong)


class InferenceResult:
    """``.result`` (a(L) of every image, predicted and true classes), ``.accuracy``, ``.gallery()``."""

    def __init__(self, loaded: Any, data: Any, result: Any, names: tuple[str, ...]) -> None:
        self.loaded, self.data, self.result, self.names = loaded, data, result, names

    @property
    def accuracy(self) -> float:
        return self.result.n_correct / max(1, self.result.labels.shape[0])

    def gallery(self, n: int = 16) -> Gallery:
        return Gallery(self.data.x, self.result.predicted, self.result.labels, self.names, n)

    def write_json(self, path: str | os.PathLike[str]) -> Path:
        """The assignment's result.json (one entry per image), written whole or not at all."""
        from backprop_tutor.fileio import refuse_replacing_inputs
        from backprop_tutor.train.infer import write_result_json

        inputs = {"the parameter file": self.loaded.source} | {f"the data file {f.name}": f for f in self.data.files}
        refuse_replacing_inputs({"write_json": Path(path)}, inputs)
        return write_result_json(path, self.result)

    def _confusion_html(self) -> str:
        counts = self.result.confusion()
        head = "".join(f"<th>{k}</th>" for k in range(len(counts)))
        rows = "".join(f"<tr><th>{escape(self.names[k])}</th>"
                       + "".join(f'<td{" class=bt-right" if j == k else ""}>{int(v)}</td>' for j, v in enumerate(row))
                       + "</tr>" for k, row in enumerate(counts))
        return (f"<table><caption>confusion matrix (rows: true class, columns: predicted)</caption>"
                f"<thead><tr><th>true</th>{head}</tr></thead><tbody>{rows}</tbody></table>")

    def _repr_html_(self) -> str:
        return (f'<div class="bt-sheet"><style>{html.stylesheet()}</style><div class="bt-title">{escape(repr(self))}'
                f"</div>{self._confusion_html()}</div>")

    def __repr__(self) -> str:
        from backprop_tutor.train.infer import accuracy_text

        return (f"network {self.loaded.describe()} on {len(self.data)} {self.data.split} "
                f"{plural(len(self.data), 'image')} of {self.data.source}: "
                f"{accuracy_text(self.result)}")
