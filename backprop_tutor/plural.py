"""Counts in words that agree with their number: "1 epoch", "2 epochs", never "1 epochs" or "epoch(s)".

Every message that counts something says it through these two functions (a test reads the package's
f-strings for a number written before a plural noun by hand)."""

from __future__ import annotations


def plural(n: int, noun: str, many: str | None = None) -> str:
    """``noun`` as it reads after the number ``n``: as it is for 1, else ``many`` (``noun`` + "s" unless given)."""
    return noun if n == 1 else many or f"{noun}s"


def count(n: int, noun: str, many: str | None = None) -> str:
    """``n`` and its noun: count(1, "epoch") is "1 epoch", count(3, "minibatch", "minibatches") "3 minibatches"."""
    return f"{n} {plural(n, noun, many)}"
