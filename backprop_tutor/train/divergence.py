"""Telling a diverging run from a slow one, after each epoch.

Chance level: a network that outputs 1/10 for every class has C = −log(1/10) = ln 10 ≈ 2.30. A loss
far above it (more than `FAR_ABOVE_CHANCE` × ln 10) means the outputs are confidently wrong: the run
has diverged, and it stops with the figures. A loss above chance that has grown for `GROWING_EPOCHS`
epochs in a row, or that stays above twice chance level for the last two or three epochs (or in the
run's last epoch, however short the run), draws a warning (once). A NaN
or infinite loss stops the run, naming the likely cause from what the run knows (η, the initial
weights' scale, a checkpoint it continued from).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

from backprop_tutor.data.formats import NUM_CLASSES
from backprop_tutor.plural import count
from backprop_tutor.train.config import SettingError, TrainConfig
from backprop_tutor.train.metrics import EpochMetrics

CHANCE_LOSS = math.log(NUM_CLASSES)
FAR_ABOVE_CHANCE = 10.0
GROWING_EPOCHS = 3


class DivergenceError(SettingError):
    """The loss became NaN, infinite, or far above chance level: the run stops and says what to try
    (naming settings, which the CLI spells as its flags)."""


@dataclass
class DivergenceWatch:
    """Looks at each epoch's figures; `check` raises DivergenceError or returns a warning (or None)."""

    config: TrainConfig
    resumed_at_epoch: int | None = None  # the first epoch run after continuing from a checkpoint
    warned: set[int] = field(default_factory=set)

    def check(self, history: list[EpochMetrics]) -> str | None:
        m = history[-1]
        if not m.finite:
            raise DivergenceError(f"training diverged in epoch {m.epoch}: the loss became {m.train_loss} "
                                  f"(training) / {m.val_loss} (validation) with η = {m.learning_rate:g}. "
                                  + self.likely_cause(m.epoch))
        if m.train_loss > FAR_ABOVE_CHANCE * CHANCE_LOSS:
            raise DivergenceError(f"training diverged in epoch {m.epoch}: the training loss is {m.train_loss:.4g}, "
                                  f"far above chance level (ln 10 = {CHANCE_LOSS:.2f}, the loss of guessing), "
                                  f"with η = {m.learning_rate:g}. " + self.likely_cause(m.epoch))
        recent = [h.train_loss for h in history[-(GROWING_EPOCHS + 1):]]
        growing = len(recent) == GROWING_EPOCHS + 1 and all(b > a for a, b in itertools.pairwise(recent))
        # stubbornly high: two epochs are enough to tell, and the run's last epoch always tells (a 1–3 epoch run
        # must not finish "complete" at 7× chance without a word)
        window = [h.train_loss for h in history[-GROWING_EPOCHS:]]
        high = (len(window) >= 2 or m.epoch >= self.config.epochs) and all(v > 2 * CHANCE_LOSS for v in window)
        if ((growing and m.train_loss > CHANCE_LOSS) or high) and not self.warned:
            self.warned.add(m.epoch)
            shown = recent if growing else window
            how = "has grown" if growing else f"has stayed above twice chance level ({2 * CHANCE_LOSS:.2f})"
            figures = " → ".join(f"{v:.4g}" for v in shown)
            epochs = len(shown) - growing
            span = f"for {count(epochs, 'epoch')} in a row" if epochs > 1 else "in its only epoch"
            return (f"the training loss {how} {span} ({figures}; chance level is "
                    f"{CHANCE_LOSS:.2f}): η = {m.learning_rate:g} may be too large")
        return None

    def likely_cause(self, epoch: int) -> str:
        c = self.config
        if self.resumed_at_epoch is not None and epoch == self.resumed_at_epoch:
            return ("It happened in the first epoch after continuing from the checkpoint: if the same settings "
                    "trained before, the checkpoint may be damaged; start the run again with {force:name}.")
        scale = _initial_scale(c)
        if scale is not None and scale > 3:
            return (f"The initial weights are large (init {c.init} gives s(1) a spread of ~{scale:.1f} for inputs "
                    "in [0, 1]), which saturates the units: try init he or xavier, or a smaller scale.")
        if c.learning_rate >= 1:
            return (f"η = {c.learning_rate:g} is very large for SGD (typical values are 0.001 to 0.5): try a "
                    f"smaller learning rate, e.g. {{learning_rate}} {c.learning_rate / 100:g}.")
        return (f"Try a smaller learning rate, e.g. {{learning_rate}} {c.learning_rate / 10:g}"
                + (f", or less momentum than μ = {c.momentum:g}" if c.momentum >= 0.9 else "") + ".")


def _initial_scale(c: TrainConfig) -> float | None:
    """The spread of a first-layer unit's s(1) at the start, for an input with all pixels ≈ 0.5."""
    n_in = c.sizes[0]
    if c.init == "normal" and c.init_sigma is not None:
        return c.init_sigma * math.sqrt(n_in) * 0.5
    if c.init == "uniform" and c.init_low is not None and c.init_high is not None:
        return max(abs(c.init_low), abs(c.init_high)) / math.sqrt(3) * math.sqrt(n_in) * 0.5
    return None
