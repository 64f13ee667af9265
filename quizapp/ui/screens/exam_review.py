"""Reviewing a submitted exam, one question at a time: what you chose, the answer, every option's
why and the explanation (the study screen's option cards and feedback panel), and its simulations."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static

from ...bank.models import Question
from ...history import clock_text
from ...study.choice import Shown
from ...study.exam import Exam
from ...study.session import AnswerResult
from ..dialogs.keys import SaysWhy
from ..widgets.exam_grid import MARK_FLAG
from ..widgets.feedback import FeedbackPanel, banner
from ..widgets.options import LinkedSimulations, OptionsView
from ..widgets.question_text import compose_question, prompt_widget
from .question import scroll_to_verdict

if TYPE_CHECKING:
    from ..app import QuizApp


class ExamReviewScreen(SaysWhy, LinkedSimulations, Screen[None]):
    """One exam question after submission; n/p move through the reviewed list, s opens a simulation."""

    BINDINGS = [
        Binding("n", "next", "Next", id="review.next"),
        Binding("p", "previous", "Prev", id="review.previous"),
        Binding("s", "simulate", "Simulation", id="review.simulate"),
        Binding("escape", "back", "Results", id="review.back"),
    ]

    AUTO_FOCUS = ""

    app: QuizApp

    def __init__(self, exam: Exam, positions: Sequence[int], start: int = 0, label: str = "all") -> None:
        super().__init__()
        self.exam = exam
        self.positions = list(positions)
        self.index = start
        self.label = label

    @property
    def position(self) -> int:
        """The exam position of the question on screen."""
        return self.positions[self.index]

    @property
    def question(self) -> Question:
        """The question on screen."""
        return self.exam.questions[self.position]

    @property
    def shown(self) -> Shown:
        """The question on screen in the order the exam showed it."""
        return Shown(self.question, self.exam.items[self.position].order)

    @property
    def answer(self) -> AnswerResult:
        """The learner's answer to it, judged."""
        item = self.exam.items[self.position]
        return AnswerResult(self.question, item.chosen, self.question.is_correct(item.chosen), item.seconds)

    def compose(self) -> ComposeResult:
        """Header; the question, verdict, option cards with their why; the feedback panel."""
        q, result, item = self.question, self.answer, self.exam.items[self.position]
        domain = self.app.bank.manifest.domain(q.domain) if self.app.bank else None
        header = Content.assemble(
            (f"Review {self.index + 1}/{len(self.positions)}", "bold"),
            f" ({self.label})",
            (" · ", "dim"),
            f"Q{self.position + 1} of {len(self.exam.items)}",
            (" · ", "dim"),
            f"{clock_text(item.seconds)} spent",
            (f" · {MARK_FLAG} marked", "bold $text-warning") if item.flagged else "",
            (" · ", "dim"),
            domain.title if domain else q.domain,
        )
        yield Static(header, id="review-header", classes="title-bar")
        with VerticalScroll(id="q-body", can_focus=False):
            yield from compose_question(q)
            with Vertical(id="q-choice"):
                credit = self.exam.result.scores.get(q.id) if self.exam.result else None
                yield Static(
                    banner(result, self.shown, credit),
                    id="q-banner",
                    classes="-correct" if result.correct else "-wrong",
                )
                yield prompt_widget(q)
                yield OptionsView(self.shown, id="q-options")
            yield FeedbackPanel(q, id="q-feedback")
        yield Footer()

    def on_mount(self) -> None:
        """Show the options with the verdict."""
        self._show_state()

    def _show_state(self) -> None:
        """The options as judged, the cursor on (the first of) the learner's choices, the verdict in view."""
        options = self.query_one(OptionsView)
        result = self.answer
        chosen = [i for i, option_id in enumerate(self.shown.order) if option_id in result.chosen]
        options.set_state(result.chosen, result)
        options.place_cursor(chosen[0] if chosen else 0)
        options.focus(scroll_visible=False)
        self.refresh_bindings()
        self.call_after_refresh(scroll_to_verdict, self)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """n/p within the reviewed list."""
        if action == "next":
            return self.index + 1 < len(self.positions) or None
        if action == "previous":
            return self.index > 0 or None
        return True

    def why_not(self, action: str, parameters: tuple[object, ...] = ()) -> str | None:
        """Why n or p does nothing (said when it is pressed)."""
        if action == "next" and self.index + 1 >= len(self.positions):
            return f"this is the last question of the list ({self.label}); esc goes back to the results"
        if action == "previous" and self.index == 0:
            return f"this is the first question of the list ({self.label})"
        return None

    async def action_next(self) -> None:
        """The next reviewed question."""
        await self.move(1)

    async def action_previous(self) -> None:
        """The previous reviewed question."""
        await self.move(-1)

    async def move(self, step: int) -> None:
        """The next or previous reviewed question."""
        if 0 <= self.index + step < len(self.positions):
            self.index += step
            await self.recompose()
            self._show_state()

    def action_back(self) -> None:
        """Back to the results."""
        self.dismiss(None)
