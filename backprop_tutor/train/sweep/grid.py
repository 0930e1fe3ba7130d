"""The grid a sweep trains: the settings shared by every configuration, the values listed for the others, and
the configurations (with their folder names) as the product of those values."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from backprop_tutor.errors import UsageError
from backprop_tutor.train.config import GRID_SETTINGS, SETTINGS, TrainConfig


# --- the grid -------------------------------------------------------------------------------------
@dataclass
class Configuration:
    """One point of the grid: its folder name, the listed settings' values there, the full settings."""

    name: str
    settings: dict[str, Any]
    config: TrainConfig


@dataclass
class SweepGrid:
    """``base``: the settings every configuration shares; ``axes``: setting → the values listed for it, in
    the order given. The configurations are their product (the first axis varies slowest)."""

    base: TrainConfig
    axes: dict[str, list[Any]] = field(default_factory=dict)

    def configurations(self) -> list[Configuration]:
        names = list(self.axes)
        found = []
        for values in itertools.product(*(self.axes[n] for n in names)):
            settings = dict(zip(names, values, strict=True))
            config = TrainConfig(**{**self.base.to_dict(), **settings})
            found.append(Configuration(config_name(settings), settings, config))
        return found

    def check(self) -> None:
        """Every configuration's settings valid, no value listed twice, the test set left alone."""
        unknown = sorted(set(self.axes) - set(GRID_SETTINGS))
        if unknown:
            raise UsageError(f"cannot list several values of {', '.join(unknown)}; a sweep can list "
                             f"{', '.join(GRID_SETTINGS)}")
        for name, values in self.axes.items():
            if not values:
                raise UsageError(f"{name}: give at least one value")
            if len({json.dumps(v) for v in values}) != len(values):
                raise UsageError(f"{name}: a value is listed twice in {values}")
        if self.base.test:
            raise UsageError("a sweep tests only its retrained choice; the configurations never see the test set")
        if self.base.trace_batches:
            raise UsageError("a sweep does not trace minibatches; trace one configuration with `tutor train`")
        for configuration in self.configurations():
            configuration.config.check()

    def to_dict(self) -> dict[str, Any]:
        return {"base": self.base.to_dict(), "axes": self.axes}

    @classmethod
    def from_dict(cls, values: dict[str, Any]) -> SweepGrid:
        return cls(TrainConfig.from_dict(values["base"]), {k: list(v) for k, v in values["axes"].items()})


def _label(setting: str, value: Any) -> str:
    text = ("none" if not value else "x".join(map(str, value))) if isinstance(value, list) else (
        f"{value:g}" if isinstance(value, float) else str(value))
    return f"{SETTINGS[setting].label}{text}"


def config_name(settings: dict[str, Any]) -> str:
    """A folder name from the listed settings' values, e.g. ``tanh-lr0.01`` ("run" if nothing is listed)."""
    return "-".join(_label(k, v) for k, v in settings.items()) or "run"


def describe_config(config: TrainConfig) -> str:
    """The configuration in one line, for plot titles: layers, h, η₀, B, init, and μ, λ when used."""
    text = (f"{'-'.join(map(str, config.sizes))} {config.activation}, η₀ = {config.learning_rate:g}, "
            f"B = {config.batch_size}, {config.init} init")
    if config.momentum:
        text += f", μ = {config.momentum:g}"
    if config.l2:
        text += f", λ = {config.l2:g}"
    return text
