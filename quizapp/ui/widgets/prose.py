"""Question text as terminal text: always literal, never parsed as Rich or Textual markup.

Question text is data. Everything here builds :class:`~textual.content.Content` objects (whose
strings are never parsed for markup) or returns Markdown source for Textual's Markdown widget.
"""

from __future__ import annotations

import re

from textual.content import Content
from textual.widgets import Markdown

from ...text import clean, plain, render

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")


def paragraphs(markdown: str) -> str:
    """Markdown as plain paragraphs (math in Unicode, emphasis marks dropped), blank line between."""
    return "\n\n".join(p for p in (plain(part) for part in _PARAGRAPH_BREAK.split(markdown)) if p)


def literal(text: str, style: str = "") -> Content:
    """A string shown exactly as written (control characters stripped), optionally styled."""
    text = clean(text)
    return Content.styled(text, style) if style else Content(text)


def markdown(source: str, *, id: str | None = None, classes: str = "") -> Markdown:
    """A Markdown widget for a markdown field: math converted, control characters stripped."""
    return Markdown(render(source), id=id, classes=f"prose {classes}".strip(), open_links=False)
