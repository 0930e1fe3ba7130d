"""The subcommand modules, in the order `tutor --help` lists them."""

from backprop_tutor.cli import check, data, example, export, gradcheck, serve, train, view, worksheet

MODULES = [example, view, serve, data, train, export, gradcheck, worksheet, check]
