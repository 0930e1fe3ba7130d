"""The subcommand modules, in the order `tutor --help` lists them."""

from backprop_tutor.cli import data, example

MODULES = [example, data]
