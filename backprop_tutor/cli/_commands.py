"""The subcommand modules, in the order `tutor --help` lists them."""

from backprop_tutor.cli import data, example, export, infer, sweep, train, view

MODULES = [example, view, data, train, sweep, export, infer]
