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


def counts_line(exam: Exam) -> str:
    """'7 of 20 answered · 13 unanswered · 2 marked' (and '· 1 incomplete' when a 'choose N' is)."""
    total = len(exam.items)
    answered = total - len(exam.unanswered)
    incomplete = f" · {len(exam.incomplete)} incomplete" if exam.incomplete else ""
    return f"{answered} of {total} answered{incomplete} · {total - answered} unanswered · {len(exam.flagged)} marked"


class QuestionGridDialog(ModalScreen[int | None]):
    """Dismisses with the index of the question to go to, or None."""

    BINDINGS = [Binding("escape,g", "close", "Back to the question", id="exam-grid.close")]

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
            hint = Content.assemble(
                ("Enter", "bold"), " goes to the question, ", ("Esc", "bold"), " goes back"
            )
            yield Static(hint, classes="dim")

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
