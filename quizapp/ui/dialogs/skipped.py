"""A dialog listing the bank files that were skipped, each with its problems."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from ...bank.problems import Problem
from ...history import plural
from .keys import KEYS_BINDING


def problem_lines(skipped: Mapping[str, Sequence[Problem]]) -> Content:
    """Every problem as `PATH:LINE:COL: message`, grouped by file, a blank line between files."""
    blocks = [Content("\n").join(Content(str(p)) for p in problems) for problems in skipped.values()]
    return Content("\n\n").join(blocks)


class SkippedDialog(ModalScreen[None]):
    """Why some question files were not loaded; dismisses with None."""

    BINDINGS = [
        Binding("escape,enter,p", "dismiss_dialog", "Close", id="skipped.close"),
        KEYS_BINDING,
    ]
    AUTO_FOCUS = "#skipped-list"
    """The list has the focus, so the arrows and PgUp/PgDn scroll it; Enter and esc close."""

    def __init__(self, skipped: Mapping[str, Sequence[Problem]], title: str | None = None) -> None:
        super().__init__()
        self.skipped = skipped
        self.heading = title or f"{plural(len(skipped), 'file')} skipped"

    def compose(self) -> ComposeResult:
        """The heading, a note, the problems (scrolling) and a Close button."""
        with Vertical(id="skipped-dialog", classes="dialog"):
            yield Static(Content.styled(self.heading, "bold"), classes="dialog-title")
            note = "Each file with a problem is skipped whole: fix it and restart."
            yield Static(Content(note), classes="dim")
            with VerticalScroll(id="skipped-list"):
                yield Static(problem_lines(self.skipped), id="skipped-problems")
            with Horizontal(id="skipped-footer"):
                yield Button("Close (esc)", id="skipped-close", variant="primary", compact=True)
                hint = Content.assemble("  ", ("↑↓", "bold"), " and ", ("PgUp PgDn", "bold"), " scroll")
                yield Static(hint, classes="dim")

    def on_resize(self) -> None:
        """The list takes what the dialog's 90% of the terminal leaves (10 lines go to the rest), so
        the Close button and the hint stay in view at 80x24."""
        rest = 10
        self.query_one("#skipped-list").styles.max_height = min(
            20, max(3, int(self.size.height * 0.9) - rest)
        )

    def action_dismiss_dialog(self) -> None:
        """Close the dialog."""
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Close."""
        event.stop()
        self.dismiss(None)
