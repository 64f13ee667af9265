"""What to do about an unfinished exam when a new one is asked for: resume, discard, or cancel."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from ...exams import OpenExam
from .keys import KEYS_BINDING


class OpenExamDialog(ModalScreen[str | None]):
    """Dismisses with 'resume', 'new' (discard it and start a new exam) or None (cancel)."""

    BINDINGS = [
        Binding("r", "choose('resume')", "Resume it", id="open-exam.resume"),
        Binding("n", "choose('new')", "Discard, new exam", id="open-exam.new"),
        Binding("escape", "choose(None)", "Cancel", id="open-exam.cancel"),
        KEYS_BINDING,
    ]

    def __init__(self, open_exam: OpenExam) -> None:
        super().__init__()
        self.open_exam = open_exam

    def compose(self) -> ComposeResult:
        """The unfinished exam in one line, and three buttons."""
        exam = self.open_exam
        with Vertical(classes="dialog confirm-dialog"):
            yield Static(Content.styled("An exam is still open", "bold"), classes="dialog-title")
            line = f"Started {exam.started_text}: {exam.summary}."
            if exam.missing:
                count = len(exam.missing)
                line += f" {count} of its questions {'is' if count == 1 else 'are'} no longer in the bank:"
                line += " it cannot be resumed."
            yield Static(Content(line), id="open-exam-summary")
            yield Static(id="open-exam-message")
            with Horizontal(classes="dialog-buttons"):
                if not exam.missing:
                    yield Button("Resume it (r)", id="open-exam-resume", variant="primary", compact=True)
                yield Button("Discard it, new exam (n)", id="open-exam-new", compact=True)
                yield Button("Cancel (esc)", id="open-exam-cancel", compact=True)

    def on_mount(self) -> None:
        """Focus the first button."""
        self.query(Button).first().focus()

    def action_choose(self, choice: str | None) -> None:
        """Dismiss with the choice (resuming is refused when questions are missing)."""
        if choice == "resume" and self.open_exam.missing:  # said inside: a toast would cover the buttons
            line = self.query_one("#open-exam-message", Static)
            line.update(Content.styled("It cannot be resumed: n discards it and starts a new exam.", "bold"))
            line.display = True
            return
        self.dismiss(choice)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """A button gives its choice."""
        event.stop()
        choice = {"open-exam-resume": "resume", "open-exam-new": "new"}.get(event.button.id or "")
        self.dismiss(choice)
