"""The footer: as many keys as the terminal's width holds, the ones a newcomer needs first, none cut at the edge.

A mode's own keys (practice's ctrl+r, the answer box's esc) come first, then the viewer's in `FOOTER_ORDER`:
→ ←, ? q, e (to hand in), then d, w, :, s, … At 80 columns → ← ? q e d w : s ↓↑ fit; at 100 space too; at
160 every one.
The ? help lists every key (`help_screen.KEYS`), and docs/view.md's table the same keys (a test reads both).
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.widget import Widget
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

#: the viewer's actions in the footer, most needed first; an action not listed (a mode's own) comes before them
FOOTER_ORDER = ("step(1)", "step(-1)", "help", "quit", "export", "digits", "chain", "jump('step')", "neuron_sum",
                "layer(1)", "play", "full_view", "sample(1)", "gradcheck")

#: below this width the footer is compact (no padding around a key); below PALETTE_WIDTH no ctrl+p palette key
COMPACT_BELOW, PALETTE_WIDTH = 120, 100


def key_width(key: FooterKey, compact: bool) -> int:
    """The cells a key takes in the footer: "→ Next" and its padding and margin (Textual's FooterKey CSS)."""
    text = cell_len(key.key_display) + cell_len(key.description)
    return text + (3 if compact else 4) if "-command-palette" in key.classes else text + (2 if compact else 3)


def rank(key: FooterKey) -> int:
    """A mode's own key first (-1), then the viewer's in FOOTER_ORDER."""
    return FOOTER_ORDER.index(key.action) if key.action in FOOTER_ORDER else -1


def fitting(keys: list[FooterKey], width: int, compact: bool) -> list[FooterKey]:
    """The keys that fit in ``width`` cells, by rank (the palette key, docked right, always)."""
    palette = [k for k in keys if "-command-palette" in k.classes]
    room = width - sum(key_width(k, compact) for k in palette)
    kept = []
    for k in sorted((k for k in keys if k not in palette), key=rank):
        if key_width(k, compact) > room:
            break  # never a less needed key in the place of a more needed one
        room -= key_width(k, compact)
        kept.append(k)
    return kept + palette


class KeyFooter(Footer):
    """Textual's footer, trimmed to the width (`fitting`); compact and without the palette key when narrow."""

    def compose(self) -> ComposeResult:
        width = self.app.size.width
        keys: Iterable[Widget] = super().compose()
        yield from fitting([k for k in keys if isinstance(k, FooterKey)], width, self.compact)

    def on_resize(self, event: events.Resize) -> None:
        width = self.app.size.width
        self.compact = width < COMPACT_BELOW
        self.show_command_palette = width >= PALETTE_WIDTH
        if self.app.app_focus:  # as Footer: no keys before the app has the keyboard (a browser page before a click)
            self.refresh(recompose=True)
