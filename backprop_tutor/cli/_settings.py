"""The training settings as flags, made from their declarations (`train.config.SETTINGS`): `tutor train` takes
one value of each, `tutor sweep` a list of values of each grid setting, and both spell a setting named in a
library message as its flag."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from backprop_tutor.errors import UsageError
from backprop_tutor.train.config import GRID_SETTINGS, SETTINGS, Setting

#: The settings a sweep lists values of, in the order its folder names show them.
GRID = [SETTINGS[name] for name in GRID_SETTINGS]
#: TrainConfig field → its flag, for messages from the library (which name settings).
FLAGS = {s.name: s.flag for s in SETTINGS.values()}
_TYPES: dict[str, Callable[[str], Any]] = {"int": int, "float": float}


def flag_speller(extra: dict[str, str]) -> Callable[[str], str | None]:
    """How a command spells a setting named in a library message: as its flag (``extra``: the command's own
    words for the run-folder choices: out, force, resume)."""
    return lambda name: FLAGS.get(name) or extra.get(name)


def default_text(s: Setting) -> str:
    value = s.default
    if isinstance(value, list):
        return ",".join(map(str, value)) or "none"
    return "none" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


def _help(s: Setting) -> str:
    shown = s.shows_default and s.default is not None and s.default is not False and s.default != []
    return f"{s.help} (default {default_text(s)})" if shown else s.help


def add_flag(group: argparse._ActionsContainer, s: Setting) -> argparse.Action:
    """``s``'s flag taking one value (typed by argparse; lists are text, parsed by `value_of`)."""
    if s.kind == "bool":
        return group.add_argument(s.flag, dest=s.name, action="store_true", help=s.help)
    return group.add_argument(s.flag, dest=s.name, metavar=s.metavar, help=_help(s),
                              type=_TYPES.get(s.kind.rstrip("?")), action="append" if s.repeatable else None)


def value_of(s: Setting, given: Any) -> Any:
    """The value of a flag added by `add_flag`, as given (and not None)."""
    if s.repeatable:
        return sorted({v for text in given for v in s.parse_text(text)})
    return s.parse_text(given) if s.kind == "ints" else given


def add_grid_flag(group: argparse._ActionsContainer, s: Setting) -> None:
    """``s``'s flags (singular and plural) taking a list of values: comma-separated, or (a list setting such
    as --hidden) one value per flag, repeated."""
    group.add_argument(*filter(None, (s.flag, s.plural)), dest=s.name, action="append",
                       metavar="N,N,…" if s.kind == "ints" else "V,V,…", help=_help(s))


def grid_values(s: Setting, given: list[str]) -> list[Any]:
    """The values a flag added by `add_grid_flag` lists."""
    flag = s.plural or s.flag
    if s.kind != "ints" and len(given) > 1:  # `--epochs 2 … --epochs 3` would silently make a grid of two
        raise UsageError(f"{s.flag} is given {len(given)} times ({', '.join(given)}); give its value once, or "
                         f"several values at once, comma-separated: {flag} {','.join(given)}")
    texts = given if s.kind == "ints" else [t.strip() for g in given for t in g.split(",") if t.strip()]
    if not texts:
        raise UsageError(f"{flag} {given[0]!r}: no value given; give one or more, e.g. {flag} {default_text(s)}")
    values = []
    for text in texts:
        try:
            values.append(s.parse_text(text))
        except ValueError:
            raise UsageError(f"{flag}: {text!r} is not a valid value (e.g. {flag} {default_text(s)})") from None
    return values
