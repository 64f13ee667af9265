"""The simulation screen's title bar: the simulation's title and the label of the question's link.

The label says why the learner is here ("Reach after 25 layers passes 100,000"), so it is never the
part that is cut: when title and label do not fit on one line, the title is shortened (while enough
of it is left to recognise), else the label goes on a line of its own (wrapping if it must).
"""

from __future__ import annotations

from textual import events
from textual.content import Content
from textual.widgets import Static

from ...text import plain

PREFIX = "Simulation  "
SEPARATOR = "  ·  "
MIN_TITLE = 28
"""The title is shortened on one line only while at least this many of its cells are left."""


def header_lines(title: str, label: str | None, width: int) -> list[Content]:
    """The header's lines at this width: one when everything fits or a shortened title does, else two.

    Only the title is ever shortened (with an ellipsis); a label wider than the line wraps.
    """
    prefix = Content.styled(PREFIX, "dim")
    name = Content.styled(title, "bold")
    if not label:
        return [(prefix + name).truncate(width, ellipsis=True) if width > 0 else prefix + name]
    tail = Content.assemble((SEPARATOR, "dim"), (label, "italic"))
    one_line = prefix + name + tail
    if width <= 0 or one_line.cell_length <= width:
        return [one_line]
    room = width - prefix.cell_length - tail.cell_length
    if room >= MIN_TITLE:
        return [prefix + name.truncate(room, ellipsis=True) + tail]
    second = Content.assemble(("· ", "dim"), (label, "italic"))
    return [(prefix + name).truncate(width, ellipsis=True), second]  # a label wider still wraps


class SimHeader(Static):
    """The title bar: relaid out for its width whenever it is resized (one line or two)."""

    def __init__(self, title: str, label: str | None = None, *, id: str | None = None) -> None:
        self.title_text = plain(title)
        self.label = plain(label) if label else None
        super().__init__(Content("\n").join(header_lines(self.title_text, self.label, 0)), id=id)

    def on_resize(self, event: events.Resize) -> None:
        """Lay the title and label out again for the new width."""
        self.update(Content("\n").join(header_lines(self.title_text, self.label, self.content_size.width)))
