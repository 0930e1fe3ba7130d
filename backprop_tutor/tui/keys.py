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
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from backprop_tutor.tui.sizing import SizedByLayout

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


def key_names(keys: Iterable[FooterKey]) -> tuple[tuple, ...]:
    """What the footer draws of each key, to tell whether it would draw anything new."""
    return tuple((k.key, k.key_display, k.description, k.action, str(k.tooltip), tuple(sorted(k.classes)))
                 for k in keys)


class ShownKey(SizedByLayout, FooterKey):
    """A key of the footer that can show another key in its place (`show_key`), so that a change of focus
    repaints the footer's keys rather than mounting them all again."""

    @classmethod
    def like(cls, key: FooterKey, compact: bool) -> ShownKey:
        """``key`` as a ShownKey of a footer that is ``compact`` or not."""
        palette = "-command-palette" in key.classes
        # the class the key's `compact` gives it, given now: added once mounted, it would style the key again
        classes = key.classes - {"-disabled"} | ({"-compact"} if compact or palette else set())
        shown = cls(key.key, key.key_display, key.description, key.action, disabled="-disabled" in key.classes,
                    tooltip=str(key.tooltip or ""), classes=" ".join(sorted(classes)))
        # as Footer.compose: the palette key keeps FooterKey's own compact style at every width
        return shown if palette else shown.data_bind(compact=Footer.compact)

    def show_key(self, key: FooterKey) -> None:
        self.key, self.key_display, self.description = key.key, key.key_display, key.description
        self.action = key.action
        disabled = "-disabled" in key.classes
        self._disabled = disabled  # FooterKey's: a click on a disabled key rings the bell
        self.set_class(disabled, "-disabled")
        self.tooltip = key.tooltip
        self.refresh(layout=True)


class KeyFooter(Footer):
    """Textual's footer, trimmed to the width (`fitting`); compact and without the palette key when narrow."""

    _shown: tuple[tuple, ...] | None = None  # `key_names` of the keys composed last
    _width: int | None = None  # the terminal's width they were fitted to
    _made_from: tuple | None = None  # `_sources` of the keys on screen

    @staticmethod
    def style_for(width: int) -> tuple[bool, bool]:
        """(compact, with the palette key) for a terminal ``width`` cells wide."""
        return width < COMPACT_BELOW, width >= PALETTE_WIDTH

    @classmethod
    def for_width(cls, width: int) -> KeyFooter:
        """A footer for a terminal ``width`` cells wide, styled for it from the start (see `on_resize`)."""
        compact, palette = cls.style_for(width)
        return cls(compact=compact, show_command_palette=palette)

    def compose(self) -> ComposeResult:
        self._made_from = self._sources()
        keys = self._fitting_keys()
        self._shown = key_names(keys)
        yield from keys

    def _sources(self) -> tuple:
        """All that Footer.compose makes the keys from: the screen's bindings (enabled or not, tooltips), the
        width and the footer's style. The same sources give the same keys."""
        bindings = tuple((binding, enabled, tooltip) for _, binding, enabled, tooltip
                         in self.screen.active_bindings.values())
        return bindings, self.app.size.width, self.compact, self.show_command_palette, self._bindings_ready

    def _fitting_keys(self) -> list[ShownKey]:
        keys: Iterable[Widget] = super().compose()
        self._width = self.app.size.width
        fit = fitting([k for k in keys if isinstance(k, FooterKey)], self._width, self.compact)
        return [ShownKey.like(k, self.compact) for k in fit]

    def bindings_changed(self, screen: Screen) -> None:
        """As Footer's, but the keys on screen show the new ones in their place: Textual's footer mounts every
        key again at each change of focus (practice moves the focus in and out of the answer box at each step)."""
        self._bindings_ready = True
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            self.call_after_refresh(self._show_keys)

    async def _show_keys(self) -> None:
        sources = self._sources()
        if sources == self._made_from:
            return  # most changes of focus leave the bindings as they were: no keys are made to compare
        self._made_from = sources
        wanted = self._fitting_keys()
        if key_names(wanted) == self._shown:
            return
        shown = list(self.query_children(ShownKey))
        palette = [k for k in shown if "-command-palette" in k.classes]
        same_palette = bool(wanted) and bool(palette) == ("-command-palette" in wanted[-1].classes)
        if not shown or not same_palette or palette != shown[-1:]:
            await self.recompose()  # the palette key came or went (its place is docked at the right)
            return
        keys, new = shown[:len(shown) - len(palette)], wanted[:len(wanted) - len(palette)]
        for widget, key in zip(keys, new, strict=False):
            widget.show_key(key)
        if palette:
            palette[0].show_key(wanted[-1])
        if len(keys) > len(new):
            await self.remove_children(keys[len(new):])
        elif len(new) > len(keys):
            await self.mount_all(new[len(keys):], before=palette[0] if palette else None)
        self._shown = key_names(wanted)

    def on_resize(self, event: events.Resize) -> None:
        width = self.app.size.width
        compact, palette = self.style_for(width)
        if (compact, palette, width) == (self.compact, self.show_command_palette, self._width):
            return  # the keys fitted to this width (the first resize: the footer was made `for_width` the terminal)
        self.compact, self.show_command_palette = compact, palette
        if self.app.app_focus:  # as Footer: no keys before the app has the keyboard (a browser page before a click)
            self.refresh(recompose=True)
