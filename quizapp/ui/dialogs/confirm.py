"""A yes/no question that dismisses with a bool (like frogmouth's YesNoDialog)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from .keys import KEYS_BINDING


class ConfirmDialog(ModalScreen[bool]):
    """Asks one question; y / the first button says yes, n / Escape / the second says no."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
        KEYS_BINDING,
    ]

    def __init__(
        self, question: str, detail: str = "", *, yes: str = "Yes", no: str = "No", default: bool = True
    ) -> None:
        super().__init__()
        self.question = question
        self.detail = detail
        self.yes_label = yes
        self.no_label = no
        self.default = default

    def compose(self) -> ComposeResult:
        """The question, an optional line of detail, and the two buttons."""
        with Vertical(classes="dialog confirm-dialog"):
            yield Static(Content.styled(self.question, "bold"), id="confirm-question", classes="dialog-title")
            if self.detail:
                yield Static(Content(self.detail), id="confirm-detail", classes="dim")
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"{self.yes_label} (y)", id="confirm-yes", variant="primary", compact=True)
                yield Button(f"{self.no_label} (n)", id="confirm-no", compact=True)

    def on_mount(self) -> None:
        """Focus the default answer, so Enter gives it."""
        self.query_one("#confirm-yes" if self.default else "#confirm-no", Button).focus()

    def action_answer(self, value: bool) -> None:
        """Dismiss with the answer."""
        self.dismiss(value)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """A button gives its answer."""
        event.stop()
        self.dismiss(event.button.id == "confirm-yes")
