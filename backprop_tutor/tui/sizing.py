"""Redrawing a widget without laying out the whole screen again when its size cannot have changed.

A layout places every widget on the screen and is the largest part of a key press's cost. Textual asks for
one on each `Static.update` and, while laying out, again for each widget whose size the layout changed (it
sets the widget's `virtual_size`, a reactive that asks for a layout). Both are needless here:
`update_in_place` asks for a layout only when the new content measures differently, and `SizedByLayout`
keeps the layout's own result from asking for a second one.
"""

from __future__ import annotations

from textual.geometry import Size
from textual.reactive import Reactive
from textual.visual import VisualType
from textual.widget import Widget
from textual.widgets import Static


class SizedByLayout:
    """Mixed into a widget whose virtual size is only ever set by the layout (not a scrolling view that sizes its
    own content, such as the worksheet): the layout that sets it has already placed everything by that size."""

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False, repaint=False)


def _measure(widget: Widget) -> tuple[int | None, int | None]:
    """The content's width and height where CSS sizes the widget by its content ("auto"), else None."""
    styles, container, viewport = widget.styles, widget.container_size, widget.app.size
    width = styles.width is not None and styles.width.is_auto
    height = styles.height is not None and styles.height.is_auto
    return (widget.get_content_width(container, viewport) if width else None,
            widget.get_content_height(container, viewport, widget.content_size.width) if height else None)


def same_content(old: object, new: VisualType) -> bool:
    """Rich texts equal with their styles (`Text.__eq__` leaves out the base style)."""
    return (isinstance(old, str) and old == new) or (
        hasattr(old, "plain") and hasattr(new, "plain") and old.plain == new.plain  # type: ignore[union-attr]
        and old.style == new.style and old.spans == new.spans)  # type: ignore[union-attr]


def update_in_place(widget: Static, content: VisualType) -> None:
    """``widget.update(content)``: nothing when the content is the same, a repaint alone when the new content
    measures as the old did at the widget's present width, a layout only otherwise."""
    if same_content(widget.content, content):
        return
    if not widget.is_mounted or not widget.content_size or not widget.display:
        widget.update(content)
        return
    before = _measure(widget)
    widget.update(content, layout=False)
    if _measure(widget) != before:
        widget.refresh(layout=True)


def set_border_title(widget: Widget, title: str) -> None:
    """``widget.border_title = title``, unless it is already (setting one repaints the whole widget)."""
    if widget.border_title != title:
        widget.border_title = title
