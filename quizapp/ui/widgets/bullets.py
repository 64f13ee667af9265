"""A bulleted list in one widget, each item wrapping under its own text (a hanging indent).

A row of two widgets per item (mark and text) does the same but costs four widgets a line to build,
style and lay out; the feedback panel shows a dozen such lines the moment Enter reveals it, so this
widget wraps the items itself at the width it is given and draws them as one block of text."""

from __future__ import annotations

from collections.abc import Iterable

from textual.content import Content
from textual.geometry import Size
from textual.widget import Widget

MARK_WIDTH = 2
"""Cells for the mark and the space after it; wrapped lines are indented as far."""

BULLET = Content("•")


def as_content(text: Content | str) -> Content:
    """Text as Content, never parsed for markup."""
    return text if isinstance(text, Content) else Content(text)


class BulletList(Widget):
    """Items under a mark each ('•' by default, or one given per item), wrapped with a hanging indent."""

    DEFAULT_CSS = """
    BulletList {
        height: auto;
    }
    """

    def __init__(
        self,
        items: Iterable[Content | str | tuple[Content | str, Content | str]],
        *,
        id: str | None = None,
        classes: str = "",
    ) -> None:
        super().__init__(id=id, classes=classes)
        self.items: list[tuple[Content, Content]] = [
            (as_content(item[0]), as_content(item[1]))
            if isinstance(item, tuple)
            else (BULLET, as_content(item))
            for item in items
        ]

    def item_lines(self, width: int) -> list[list[Content]]:
        """Each item's lines at ``width`` cells: the mark before the first, an indent before the rest."""
        room = max(1, width - MARK_WIDTH)
        indent = Content(" " * MARK_WIDTH)
        found = []
        for mark, text in self.items:
            lead = Content.assemble(mark, " " * max(0, MARK_WIDTH - mark.cell_length))
            wrapped = text.wrap(room) or [Content("")]
            found.append(
                [Content.assemble(lead if i == 0 else indent, line) for i, line in enumerate(wrapped)]
            )
        return found

    def lines(self, width: int) -> list[Content]:
        """Every line of the list at ``width`` cells."""
        return [line for item in self.item_lines(width) for line in item]

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """As many rows as the wrapped items take at this width."""
        return len(self.lines(width))

    def render(self) -> Content:
        """The wrapped items, one line per row."""
        return Content("\n").join(self.lines(self.content_size.width))
