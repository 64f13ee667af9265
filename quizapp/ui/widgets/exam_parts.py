"""The parts of the exam screen: its header (position, answered count, review mark, countdown)
and the pane with the question on screen."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Static

from ...bank.models import Question, Scoring
from ...history import clock_text
from ...study.choice import Shown
from ...study.exam import Exam
from .exam_grid import MARK_FLAG
from .options import OptionsView
from .question_text import ChoiceStatus, compose_question, prompt_widget

URGENT_SECONDS = 5 * 60
"""In the last five minutes the countdown turns urgent."""


def position(exam: Exam) -> Content:
    """'Question 3 / 20  ·  7 answered'."""
    incomplete = len(exam.incomplete)
    answered = len(exam.items) - len(exam.unanswered) - incomplete
    return Content.assemble(
        (f"Question {exam.current + 1} / {len(exam.items)}", "bold"),
        ("  ·  ", "dim"),
        f"{answered} answered",
        f" · {incomplete} incomplete" if incomplete else "",
    )


def flag(exam: Exam) -> Content:
    """'⚑ marked for review' when the question on screen is marked."""
    if exam.items[exam.current].flagged:
        return Content.styled(f"{MARK_FLAG} marked for review", "bold $text-warning")
    return Content("")


class ExamHeader(Horizontal):
    """One line: position and answered count, the review mark, and the time left."""

    def __init__(self, exam: Exam) -> None:
        super().__init__(id="exam-header", classes="title-bar")
        self.exam = exam

    def compose(self) -> ComposeResult:
        """Drawn with content from the start (a first paint never shows it empty)."""
        yield Static(position(self.exam), id="exam-position")
        yield Static(flag(self.exam), id="exam-flag")
        yield Static(f"{clock_text(self.exam.remaining)} left", id="exam-clock")

    def show(self, exam: Exam) -> None:
        """Redraw all three."""
        self.query_one("#exam-position", Static).update(position(exam))
        self.query_one("#exam-flag", Static).update(flag(exam))
        self.show_clock(exam)

    def show_clock(self, exam: Exam) -> None:
        """The time left; urgent (the -urgent class) in the last five minutes."""
        remaining = exam.remaining
        clock = self.query_one("#exam-clock", Static)
        clock.update(Content(f"{clock_text(remaining)} left"))
        clock.set_class(remaining <= URGENT_SECONDS, "-urgent")


class QuestionPane(VerticalScroll, can_focus=False):
    """The question on screen: its texts and its option cards; rebuilt for each question while the
    header (and its running clock) stays put."""

    def __init__(self, shown: Shown, scoring: Scoring) -> None:
        super().__init__(id="q-body")
        self.shown = shown
        self.scoring: Scoring = scoring

    @property
    def question(self) -> Question:
        """The question on screen."""
        return self.shown.question

    def compose(self) -> ComposeResult:
        """Title, scenario, requirements, prompt, the count line and the options in the exam's order."""
        yield from compose_question(self.question)
        with Vertical(id="q-choice"):
            yield prompt_widget(self.question)
            yield ChoiceStatus(self.question, self.scoring)
            yield OptionsView(self.shown, id="q-options")

    async def show(self, shown: Shown) -> None:
        """Show another question, from the top."""
        self.shown = shown
        await self.recompose()
        self.scroll_home(animate=False)
