"""Review before submitting: every question with its state, then the submission (confirmed when
some are unanswered). Shown over the exam, whose clock keeps running."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, OptionList, Static
from textual.widgets.option_list import Option

from ...history import clock_text
from ...study.exam import Exam
from ...text import plain
from ..dialogs.confirm import ConfirmDialog
from ..dialogs.exam_grid import counts_line
from ..dialogs.keys import KEYS_BINDING
from ..widgets.exam_grid import item_marks

SUBMIT = "submit"
"""What this screen dismisses with when the learner submits."""


def item_line(exam: Exam, index: int) -> Content:
    """' 3  ● answered    ⚑  Title of the question'."""
    item = exam.items[index]
    answered, flag = item_marks(item)
    if index in exam.incomplete:
        state, style = "incomplete", "$text-warning"
    else:
        state, style = ("answered  ", "") if item.answered else ("unanswered", "$text-muted")
    return Content.assemble(
        (f"{index + 1:>3}  ", "bold"),
        answered,
        " ",
        (state, style),
        "  ",
        flag,
        "  ",
        plain(exam.questions[index].title),
    )


def unanswered_question(exam: Exam) -> str:
    """'3 unanswered, 1 incomplete, 2 marked: submit anyway?' (the counts that are not zero)."""
    counts = [
        (len(exam.unanswered), "unanswered"),
        (len(exam.incomplete), "incomplete"),
        (len(exam.flagged), "marked"),
    ]
    return ", ".join(f"{n} {what}" for n, what in counts if n) + ": submit anyway?"


class SubmitReviewScreen(ModalScreen[int | str | None]):
    """Dismisses with a question index to go back to, SUBMIT once submission is confirmed, or None."""

    BINDINGS = [
        Binding("s,ctrl+s", "submit", "Submit exam", id="exam-submit.submit"),
        Binding("escape", "back", "Back to the exam", id="exam-submit.back"),
        KEYS_BINDING,
    ]

    def __init__(self, exam: Exam) -> None:
        super().__init__()
        self.exam = exam

    def compose(self) -> ComposeResult:
        """Heading, counts and time left, the list of questions, and the buttons."""
        with Vertical(id="exam-submit-dialog", classes="dialog"):
            yield Static(Content.styled("Review before submitting", "bold"), classes="dialog-title")
            yield Static(id="exam-submit-counts")
            options = [Option(item_line(self.exam, i), id=str(i)) for i in range(len(self.exam.items))]
            yield OptionList(*options, id="exam-submit-list")
            hint = Content.assemble(("Enter", "bold"), " goes to the question, ", ("s", "bold"), " submits")
            yield Static(hint, classes="dim")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Submit exam (s)", id="exam-submit-go", variant="primary", compact=True)
                yield Button("Back to the exam (esc)", id="exam-submit-back", compact=True)

    def on_mount(self) -> None:
        """Show the counts, keep the time left current, focus the list on the question on screen."""
        self.show_counts()
        self.set_interval(1.0, self.show_counts)
        questions = self.query_one("#exam-submit-list", OptionList)
        questions.highlighted = self.exam.current
        questions.focus()

    def on_resize(self) -> None:
        """The list takes what the dialog's 90% of the terminal leaves (11 lines go to the rest)."""
        rest = 11
        self.query_one("#exam-submit-list").styles.max_height = max(3, int(self.size.height * 0.9) - rest)

    def show_counts(self) -> None:
        """Answered, unanswered, marked, and the time left."""
        line = Content.assemble(
            counts_line(self.exam), " · ", (f"{clock_text(self.exam.remaining)} left", "bold")
        )
        self.query_one("#exam-submit-counts", Static).update(line)

    @on(OptionList.OptionSelected, "#exam-submit-list")
    def go_to(self, event: OptionList.OptionSelected) -> None:
        """Enter on a question: back to the exam, on that question."""
        self.dismiss(event.option_index)

    def action_submit(self) -> None:
        """Submit; ask first when some questions are unanswered, incomplete or marked."""
        if not (self.exam.unanswered or self.exam.incomplete or self.exam.flagged):
            self.dismiss(SUBMIT)
            return

        def answered(sure: bool | None) -> None:
            if sure:
                self.dismiss(SUBMIT)

        rule = "Unanswered questions score 0; an incomplete 'choose N' scores " + (
            "0 (all or nothing)."
            if self.exam.scoring == "all-or-nothing"
            else "its right picks less its wrong ones."
        )
        dialog = ConfirmDialog(
            unanswered_question(self.exam),
            rule,
            yes="Submit",
            no="Keep going",
        )
        self.app.push_screen(dialog, answered)

    def action_back(self) -> None:
        """Back to the exam, on the question it was on."""
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Submit or go back."""
        event.stop()
        if event.button.id == "exam-submit-go":
            self.action_submit()
        else:
            self.action_back()
