"""`tutor infer`: run given parameters over a data set; result.json, the tally, a confusion matrix, a gallery.

The command only parses and shows; the work is `backprop_tutor.train.infer`.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from rich import box
from rich.columns import Columns
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from backprop_tutor.plural import count, plural

if TYPE_CHECKING:
    from backprop_tutor.data.splits import Split
    from backprop_tutor.train.infer import Inference

EPILOG = """\
examples:
  tutor infer --params mnist_network_params.hdf5 --data mnist_testdata.hdf5 --json result.json
  tutor infer --params mnist_network_params.hdf5 --data mnist --gallery digits.png --show 5
  tutor infer --params runs/tanh-0.01 --data fashion-mnist          a run folder knows its activations
  tutor infer --params runs/hw5 --data fashion-mnist --json result.json      a sweep's retrained choice
  tutor infer --params p.hdf5 --data mnist --activation tanh,tanh,sigmoid    one activation per layer

--params: an HDF5 file with W1, b1, W2, b2, … (W(l) shaped units out × units in, any depth; ReLU hidden
layers and a softmax output unless --activation says otherwise), or a run folder of `tutor train`.
result.json: [{"index": 0, "activations": [a(L)[1], …, a(L)[10]], "classification": 7}, …], index from 0.
"""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "infer", help="classify a data set with given parameters; result.json, tally, confusion matrix",
        description="Feed-forward inference with stored parameters: s(l) = W(l) a(l-1) + b(l), a(l) = h(s(l)); "
                    "the class is argmax a(L).",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--params", type=Path, required=True, metavar="FILE|RUN",
                   help="parameter file (W1, b1, …) or a run folder")
    p.add_argument("--data", required=True, metavar="SPEC",
                   help="mnist, fashion-mnist, an IDX folder, an .npz or the course's mnist_testdata.hdf5")
    p.add_argument("--split", choices=("test", "train"), default="test",
                   help="which images of --data (default test; a course file is read as given)")
    p.add_argument("--activation", metavar="H[,H…]",
                   help="hidden activation (default relu; the output is softmax), or one per layer")
    p.add_argument("--json", type=Path, metavar="FILE", help="write the assignment's result.json here")
    p.add_argument("--gallery", type=Path, metavar="FILE.png",
                   help="a grid of correctly and incorrectly classified images")
    p.add_argument("--gallery-size", type=int, default=16, metavar="N",
                   help="images per group in the gallery (default 16)")
    p.add_argument("--show", type=int, default=0, metavar="N", help="draw the first N mistakes in the terminal")
    p.add_argument("--class-names", choices=("auto", "digits", "fashion-mnist"), default="auto",
                   help="labels for the classes (default: Fashion-MNIST's when the data's name says fashion)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from backprop_tutor.errors import UsageError
    from backprop_tutor.fileio import refuse_replacing_inputs
    from backprop_tutor.train import infer

    if args.show < 0 or args.gallery_size < 1:
        raise UsageError("--show must be ≥ 0 and --gallery-size ≥ 1")
    console = Console(highlight=False, soft_wrap=True)
    loaded = infer.load_network(args.params, args.activation)
    data = _load(args.data, args.split)
    infer.check_fits(loaded, data.x, data.y.shape[1], data.source)
    inputs = {"the parameter file": loaded.source} | {f"the data file {f.name}": f for f in data.files}
    refuse_replacing_inputs({"--json": args.json, "--gallery": args.gallery}, inputs)
    result = infer.run_inference(loaded.network, data.x, data.y)
    names = infer.class_names(args.class_names, data.name, data.y.shape[1])
    console.print(f"network {loaded.describe()} from {loaded.source}")
    console.print(f"{len(data)} {args.split} {plural(len(data), 'image')} from {data.source}")
    if args.json is not None:
        infer.write_result_json(args.json, result)
        console.print(f"wrote {args.json} ({count(len(data), 'entry', 'entries')})")
    if args.gallery is not None:
        from backprop_tutor.train.plots import plot_gallery

        plot_gallery(args.gallery, data.x, result.predicted, result.labels, names, per_group=args.gallery_size)
        console.print(f"wrote {args.gallery}")
    console.print(confusion_table(result.confusion(), names))
    if args.show:
        console.print(mistakes_view(data.x, result, names, args.show))
    console.print(Text(infer.accuracy_text(result), style="bold"))
    return 0


def _load(spec: str, split: str) -> Split:
    from backprop_tutor.data.splits import load_split
    from backprop_tutor.errors import DataError

    data = load_split(spec, split)
    if not len(data):
        raise DataError(f"{data.source}: holds no {split} images to classify")
    return data


def confusion_table(counts: np.ndarray, names: tuple[str, ...]) -> Table:
    """Rows: the true class; columns: the predicted one (by number); the diagonal (correct) in bold."""
    table = Table(title="confusion matrix (rows: true class, columns: predicted class)", title_justify="left",
                  box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 0, 0, 1))
    table.add_column("true", style="bold", no_wrap=True)
    for k in range(len(names)):
        table.add_column(str(k), justify="right")
    table.add_column("correct", justify="right")
    for k, row in enumerate(counts):
        cells = [Text(str(int(v)), style="bold green" if j == k else ("red" if v else "dim"))
                 for j, v in enumerate(row)]
        total = int(row.sum())
        label = names[k] if names[k] == str(k) else f"{k} {names[k]}"
        table.add_row(label, *cells, f"{100 * row[k] / total:.1f} %" if total else "—")
    return table


def mistakes_view(x: np.ndarray, result: Inference, names: tuple[str, ...], n: int) -> Group:
    """The first ``n`` misclassified images, drawn with half blocks, each with its index and labels."""
    from backprop_tutor.tui.halfblock import HalfBlockImage

    rows = result.mistakes[:n]
    if not len(rows):
        return Group(Text("no mistakes to show"))
    side = int(np.sqrt(x.shape[1]))
    cells = [Group(HalfBlockImage(x[i].reshape(side, side)),
                   Text(f"#{i} {names[result.predicted[i]]}\ntrue {names[result.labels[i]]}"))
             for i in rows]
    return Group(Text(f"the first {count(len(rows), 'mistake')} (of {len(result.mistakes)})", style="bold"),
                 Columns(cells, padding=(0, 2)))
