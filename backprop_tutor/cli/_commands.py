"""The subcommand modules, in the order `tutor --help` lists them."""

from backprop_tutor.cli import data, example, export, serve, train, view

MODULES = [example, view, serve, data, train, export]
