"""The subcommand modules, in the order `tutor --help` lists them."""

from backprop_tutor.cli import check, data, example, export, gradcheck, infer, serve, sweep, train, view, worksheet

MODULES = [example, view, serve, data, train, sweep, export, infer, gradcheck, worksheet, check]
