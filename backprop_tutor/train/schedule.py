"""Learning-rate schedule: η divided by a factor after chosen epochs (the homework's step decay).

With η = 0.01, factor 2 and ``decay_at = [20, 40]``: epochs 1–20 use η, 21–40 use η/2, 41–50 use η/4.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class LearningRateChange:
    """η changed after epoch ``after_epoch``: epoch ``after_epoch + 1`` is the first to use ``learning_rate``."""

    after_epoch: int
    learning_rate: float

    def to_dict(self) -> dict[str, float | int]:
        return {"after_epoch": self.after_epoch, "first_epoch": self.after_epoch + 1,
                "learning_rate": self.learning_rate}


@dataclass(frozen=True)
class StepDecay:
    """η(epoch) = η₀ / factor^(number of decay epochs before ``epoch``); epochs count from 1."""

    initial: float
    factor: float = 2.0
    decay_at: tuple[int, ...] = field(default=(20, 40))

    def learning_rate(self, epoch: int) -> float:
        """η used for every minibatch of ``epoch`` (1-based)."""
        eta = self.initial
        for after in sorted(self.decay_at):
            if epoch > after:
                eta /= self.factor
        return eta

    def changes(self, epochs: int) -> list[LearningRateChange]:
        """The changes that happen within a run of ``epochs`` epochs (a decay after the last epoch is none)."""
        return [LearningRateChange(after, self.learning_rate(after + 1))
                for after in sorted(set(self.decay_at)) if after < epochs]
