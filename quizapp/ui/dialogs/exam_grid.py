"""The question grid of a running exam: every question's state at a glance; Enter jumps to one."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from ...study.exam import Exam
from ..widgets.exam_grid import QuestionGrid, legend
from .keys import KEYS_BINDING


def counts_line(exam: Exam) -> str:
    """'7 of 20 answered · 1 incomplete · 2 marked for review' (a count that is zero is left out)."""
    total = len(exam.items)
    answered = total - len(exam.unanswered)
    parts = [f"{answered} of {total} answered"]
    if exam.incomplete:
        parts.append(f"{len(exam.incomplete)} incomplete")
    if exam.flagged:
        parts.append(f"{len(exam.flagged)} marked")
    return " · ".join(parts)


class QuestionGridDialog(ModalScreen[int | None]):
    """Dismisses with the index of the question to go to, or None."""

    BINDINGS = [
        Binding("escape,g", "close", "Back to the question", id="exam-grid.close"),
        Binding("s,ctrl+s", "where_submit", "Submit", show=False, id="exam-grid.submit"),
        KEYS_BINDING,
    ]

    def __init__(self, exam: Exam) -> None:
        super().__init__()
        self.exam = exam

    def compose(self) -> ComposeResult:
        """Heading with the counts, the grid, the legend and a hint."""
        with Vertical(id="exam-grid-dialog", classes="dialog"):
            yield Static(Content.styled("Questions", "bold"), classes="dialog-title")
            yield Static(Content(counts_line(self.exam)), id="exam-grid-counts")
            yield QuestionGrid(self.exam.items, self.exam.current, id="exam-grid")
            yield Static(legend(), id="exam-grid-legend", classes="dim")
            yield Static(self.hint(), id="exam-grid-hint", classes="dim")

    @staticmethod
    def hint() -> Content:
        """What the keys do here."""
        return Content.assemble(("Enter", "bold"), " goes to the question, ", ("esc", "bold"), " goes back")

    def on_mount(self) -> None:
        """Focus the grid."""
        self.query_one(QuestionGrid).focus()

    @on(QuestionGrid.Picked, "#exam-grid")
    def picked(self, event: QuestionGrid.Picked) -> None:
        """Go to the picked question."""
        self.dismiss(event.index)

    def action_close(self) -> None:
        """Back to the question on screen."""
        self.dismiss(None)

    def action_where_submit(self) -> None:
        """s submits from the exam, not from here: say so inside the dialog (a toast would cover it)."""
        line = self.query_one("#exam-grid-hint", Static)
        line.update(
            Content.assemble(
                ("s", "bold"),
                " submits from the exam itself: ",
                ("esc", "bold"),
                " closes the grid, then ",
                ("s", "bold"),
                " reviews and submits",
            )
        )
        line.set_class(False, "dim")
