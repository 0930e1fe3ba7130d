"""`tutor data`: list, download, convert and inspect image data sets.

The command is thin: loading, checking, converting and downloading live in `backprop_tutor.data`.
"""

from __future__ import annotations

import argparse

from rich.console import Console
from rich.table import Table
from rich.text import Text

from backprop_tutor.data.datasets import (
    DATA_ENV,
    NAMED_SETS,
    class_counts,
    convert_to_course,
    load_dataset,
    named_set_status,
)
from backprop_tutor.data.download import MIRROR_ENV, download_dataset

EXAMPLES = """\
examples:
  tutor data list                                   which named sets are on this machine, and where
  tutor data download mnist                         fetch MNIST (checksums verified) into the cache
  tutor data convert fashion-mnist --out course/    write mnist_traindata.hdf5 + mnist_testdata.hdf5
  tutor data info ../shared/data/mnist-t10k         shapes, pixel scale and class counts
"""

_HELP = {
    "list": (
        "Show the named sets (mnist, fashion-mnist): where each was found, image counts, size on disk.",
        f"example:\n  tutor data list\n\nplaces looked in: ${DATA_ENV}/NAME/, "
        "${XDG_CACHE_HOME:-~/.cache}/backprop_tutor/NAME/, /usr/share/datasets/fashion-mnist/\n",
    ),
    "download": (
        "Download a named set's four IDX .gz files, verifying each file's SHA-256.",
        "examples:\n  tutor data download mnist\n"
        "  tutor data download fashion-mnist --dest data/fashion-mnist\n"
        f"  {MIRROR_ENV}=http://127.0.0.1:8000/ tutor data download mnist   (use another mirror)\n",
    ),
    "convert": (
        "Write a data set in the course layout: mnist_traindata.hdf5 and mnist_testdata.hdf5 "
        "(xdata N×784 in [0, 1], ydata N×10 one-hot).",
        "examples:\n  tutor data convert mnist --out course/\n"
        "  tutor data convert ../shared/data/fashion-mnist --out course/\n"
        "  tutor data convert mnist.npz --out course/\n",
    ),
    "info": (
        "Load a data set (name or path) and show its shapes, pixel scale and class counts.",
        "examples:\n  tutor data info fashion-mnist\n  tutor data info course/mnist_traindata.hdf5\n"
        "  tutor data info mnist.npz\n",
    ),
}


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register `tutor data` and its subcommands."""
    parser = subparsers.add_parser(
        "data",
        help="list, download, convert and inspect image data sets (MNIST, Fashion-MNIST)",
        description="Image data sets: MNIST and Fashion-MNIST by name, or IDX folders, .npz files and "
        "the course's HDF5 files by path.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(func=run, data_parser=parser)
    sub = parser.add_subparsers(dest="data_command", metavar="DATA_COMMAND", parser_class=type(parser))

    def add(name: str) -> argparse.ArgumentParser:
        description, epilog = _HELP[name]
        return sub.add_parser(
            name,
            help=description,
            description=description,
            epilog=epilog,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )

    add("list")

    download = add("download")
    download.add_argument("name", choices=NAMED_SETS, help="the set to download")
    download.add_argument("--dest", metavar="DIR", help="folder to write into (default: the cache)")
    download.add_argument("--mirror", metavar="URL", action="append", help="base URL to download from")

    convert = add("convert")
    convert.add_argument("src", metavar="SRC", help="a named set, an IDX folder, an .npz or a course file")
    convert.add_argument("--out", metavar="DIR", required=True, help="folder for the two course files")

    info = add("info")
    info.add_argument("spec", metavar="PATH_OR_NAME", help="a named set or a path")


def _console() -> Console:
    return Console(highlight=False, soft_wrap=True, markup=False)  # paths and names are text, never markup


def _megabytes(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


def run_list(args: argparse.Namespace) -> int:
    """`tutor data list`: a table of the named sets and where they are."""
    table = Table(title="named data sets")
    for column in ("name", "where", "train", "test", "size"):
        table.add_column(column, justify="left" if column in ("name", "where") else "right", overflow="fold")
    missing = []
    for name in NAMED_SETS:
        status = named_set_status(name)
        if status.folder is None:
            missing.append(name)
            looked = ", ".join(str(p) for p in status.looked_in)
            table.add_row(name, Text(f"not found (looked in {looked})", style="yellow"), "-", "-", "-")
        else:
            table.add_row(
                name,
                Text(str(status.folder)),
                f"{status.train_images:,}",
                f"{status.test_images:,}",
                _megabytes(status.size_bytes),
            )
    console = _console()
    console.print(table)
    for name in missing:
        console.print(Text(f"get {name}: tutor data download {name}"))
    return 0


def run_download(args: argparse.Namespace) -> int:
    """`tutor data download NAME`: fetch and verify the four IDX files."""
    folder = download_dataset(args.name, dest_dir=args.dest, mirrors=args.mirror, progress=True)
    _console().print(Text(f"{args.name}: the four IDX files are in {folder} (SHA-256 verified)"))
    return 0


def run_convert(args: argparse.Namespace) -> int:
    """`tutor data convert SRC --out DIR`: write the course's two HDF5 files."""
    dataset, written = convert_to_course(args.src, args.out)
    console = _console()
    for note in dataset.notes:
        console.print(Text(f"note: {note}"))
    for path in written:
        console.print(Text(f"wrote {path}"))
    return 0


def run_info(args: argparse.Namespace) -> int:
    """`tutor data info PATH_OR_NAME`: shapes, pixel scale and class counts."""
    dataset = load_dataset(args.spec)
    table = Table(title=Text(f"{dataset.name}: {dataset.source}"))
    table.add_column("")
    table.add_column("train", justify="right")
    table.add_column("test", justify="right")
    splits = ((dataset.x_train, dataset.y_train), (dataset.x_test, dataset.y_test))
    table.add_row("x", *(f"{x.shape} {x.dtype}" for x, _ in splits))
    table.add_row("y", *(f"{y.shape} {y.dtype}" for _, y in splits))
    table.add_row("pixels", *(f"{x.min():.3g} .. {x.max():.3g}" if x.size else "-" for x, _ in splits))
    counts = [class_counts(y) for _, y in splits]
    for digit in range(counts[0].shape[0]):
        table.add_row(f"class {digit}", *(f"{c[digit]:,}" for c in counts))
    console = _console()
    console.print(table)
    for note in dataset.notes:
        console.print(Text(f"note: {note}"))
    return 0


def run(args: argparse.Namespace) -> int:
    """Run the `tutor data` subcommand chosen in `args`; without one, print the help (exit code 2)."""
    handlers = {"list": run_list, "download": run_download, "convert": run_convert, "info": run_info}
    if args.data_command is None:
        args.data_parser.print_help()
        return 2
    return handlers[args.data_command](args)
