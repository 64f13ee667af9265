"""A dialog listing the bank files that were skipped, each with its problems."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from ...bank.problems import Problem


def problem_lines(skipped: Mapping[str, Sequence[Problem]]) -> Content:
    """Every problem as `PATH:LINE:COL: message`, grouped by file, a blank line between files."""
    blocks = [Content("\n").join(Content(str(p)) for p in problems) for problems in skipped.values()]
    return Content("\n\n").join(blocks)


class SkippedDialog(ModalScreen[None]):
    """Why some question files were not loaded; dismisses with None."""

    BINDINGS = [
        Binding("escape,enter,p", "dismiss_dialog", "Close", id="skipped.close"),
    ]

    def __init__(self, skipped: Mapping[str, Sequence[Problem]], title: str | None = None) -> None:
        super().__init__()
        self.skipped = skipped
        self.heading = title or f"{len(skipped)} file{'s' if len(skipped) != 1 else ''} skipped"

    def compose(self) -> ComposeResult:
        """The heading, a note, the problems (scrolling) and a Close button."""
        with Vertical(id="skipped-dialog", classes="dialog"):
            yield Static(Content.styled(self.heading, "bold"), classes="dialog-title")
            note = "A file with any problem is skipped as a whole; fix these and restart."
            yield Static(Content(note), classes="dim")
            with VerticalScroll(id="skipped-list"):
                yield Static(problem_lines(self.skipped), id="skipped-problems")
            yield Button("Close", id="skipped-close", variant="primary", compact=True)

    def on_mount(self) -> None:
        """Focus the button so Enter closes the dialog."""
        self.query_one("#skipped-close", Button).focus()

    def action_dismiss_dialog(self) -> None:
        """Close the dialog."""
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Close."""
        event.stop()
        self.dismiss(None)
