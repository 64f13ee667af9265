"""Pick a tag to study: every tag in the bank with how many questions carry it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ...history import plural
from .keys import KEYS_BINDING

ANY_TAG = ""
"""What the dialog dismisses with for 'no tag filter'."""


def tag_counts(tags_per_question: Sequence[Sequence[str]]) -> dict[str, int]:
    """Each tag and how many questions carry it, alphabetically."""
    counts = Counter(tag for tags in tags_per_question for tag in set(tags))
    return dict(sorted(counts.items()))


class TagDialog(ModalScreen[str | None]):
    """Dismisses with the tag picked, ANY_TAG for no filter, or None (cancelled)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="tags.cancel"), KEYS_BINDING]

    def __init__(self, counts: dict[str, int], current: str | None = None) -> None:
        super().__init__()
        self.counts = counts
        self.current = current

    def compose(self) -> ComposeResult:
        """The heading and the list of tags."""
        with Vertical(id="tags-dialog", classes="dialog"):
            yield Static(Content.styled("Study by tag", "bold"), classes="dialog-title")
            options = [Option(Content.assemble(("Any tag", "italic"), ("  (no filter)", "dim")), id="\0any")]
            width = max((len(t) for t in self.counts), default=0)
            options += [
                Option(
                    Content.assemble(tag.ljust(width), (f"  {plural(n, 'question')}", "dim")),
                    id=tag,
                )
                for tag, n in self.counts.items()
            ]
            yield OptionList(*options, id="tags-list")
            hint = Content.assemble(
                ("Enter", "bold"),
                " studies the tag and keeps it as the filter of the domain rows; ",
                ("Esc", "bold"),
                " cancels",
            )
            yield Static(hint, classes="dim")

    def on_mount(self) -> None:
        """Highlight the current filter."""
        tags = self.query_one("#tags-list", OptionList)
        if self.current in self.counts:
            tags.highlighted = list(self.counts).index(self.current) + 1
        tags.focus()

    @on(OptionList.OptionSelected, "#tags-list")
    def picked(self, event: OptionList.OptionSelected) -> None:
        """Enter on a tag."""
        option_id = event.option.id or ""
        self.dismiss(ANY_TAG if option_id == "\0any" else option_id)

    def action_cancel(self) -> None:
        """Close without changing the filter."""
        self.dismiss(None)
