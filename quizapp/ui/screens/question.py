"""The question screen in study mode: scenario, requirements, prompt and options; after submitting,
the same screen turns into the feedback (verdict, every option's why, explanation, traps)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static

from ...bank.models import Question
from ...store import StoreError
from ...study.session import AnswerResult, StudySession
from ..dialogs.summary import SummaryDialog
from ..widgets.feedback import FeedbackPanel, banner
from ..widgets.options import LinkedSimulations, OptionsView, choice_bindings
from ..widgets.question_text import compose_question, prompt_widget

if TYPE_CHECKING:
    from ..app import QuizApp



def header(session: StudySession, domain_title: str) -> Content:
    """'1 / 12 · Domain title · difficulty ●●○○○'."""
    q = session.current
    dots = "●" * q.difficulty + "○" * (5 - q.difficulty)
    return Content.assemble(
        (session.position, "bold"), ("  ·  ", "dim"), domain_title, ("  ·  difficulty ", "dim"), dots
    )


class QuestionScreen(LinkedSimulations, Screen[None]):
    """One study session: a question, then its feedback, then the next, then a summary."""

    BINDINGS = [
        *choice_bindings("question"),
        Binding("enter", "submit", "Submit", id="question.submit"),
        Binding("enter,n", "next", "Next", id="question.next"),
        Binding("s", "simulate", "Simulation", id="question.simulate"),
        Binding("escape", "leave", "Home", id="question.leave"),
    ]

    AUTO_FOCUS = ""
    """The options take focus without scrolling the scenario out of view."""

    app: QuizApp  # type: ignore[assignment]

    def __init__(self, questions: Sequence[Question], *, mode: str = "study") -> None:
        super().__init__()
        self.mode = mode
        self.session_id: int | None = None
        self.session = StudySession(questions, record=self._record)

    def _record(self, result: AnswerResult) -> None:
        """Write the answer to disk before the verdict is shown."""
        self.app.store.record_answer(
            result.question.id, result.chosen, result.correct, result.seconds, mode=self.mode,
            session_id=self.session_id,
        )

    @property
    def question(self) -> Question:
        """The question on screen."""
        return self.session.current

    def compose(self) -> ComposeResult:
        """The question (and, once submitted, the feedback) from the session's state."""
        q = self.question
        result = self.session.submitted
        domain = self.app.bank.manifest.domain(q.domain) if self.app.bank else None
        title = header(self.session, domain.title if domain else q.domain)
        yield Static(title, id="q-header", classes="title-bar")
        with VerticalScroll(id="q-body", can_focus=False):
            yield from compose_question(q)
            with Vertical(id="q-choice"):
                yield prompt_widget(q)
                if result is not None:
                    verdict = "-correct" if result.correct else "-wrong"
                    yield Static(banner(result), id="q-banner", classes=verdict)
                yield OptionsView(q, id="q-options")
            if result is not None:
                yield FeedbackPanel(q, id="q-feedback")
        yield Footer()

    def on_mount(self) -> None:
        """Open a study session in the store and show the options."""
        self.session_id = self.app.store.start_session(self.mode, self.app.bank_title)
        self._show_state()

    def on_unmount(self) -> None:
        """Mark the study session as ended."""
        if self.session_id is not None:
            self.app.store.end_session(self.session_id)

    def _show_state(self) -> None:
        """Push the session's selection/result into the options and refresh the footer."""
        options = self.query_one(OptionsView)
        options.set_state(self.session.selection, self.session.submitted)
        options.focus(scroll_visible=False)
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Choosing and submitting before the answer; next and simulation after it."""
        submitted = self.session.submitted is not None
        if action == "choose":
            index = parameters[0]
            return not submitted and isinstance(index, int) and index < len(self.question.options)
        if action == "submit":
            return not submitted
        if action in ("next", "simulate"):
            return submitted
        return True

    def action_choose(self, index: int) -> None:
        """Choose option number ``index`` (toggle on 'choose N') and put the cursor on it."""
        options = self.query_one(OptionsView)
        options.cursor = index
        self._toggle(self.question.option_ids[index])

    @on(OptionsView.Toggled, "#q-options")
    def toggled(self, event: OptionsView.Toggled) -> None:
        """Space (or a click) on an option."""
        self._toggle(event.option_id)

    def _toggle(self, option_id: str) -> None:
        """Choose an option and keep the prompt and options in view."""
        self.session.toggle(option_id)
        self._show_state()
        self.query_one("#q-choice").scroll_visible(animate=False)

    async def action_submit(self) -> None:
        """Enter: choose the option under the cursor if it is not chosen yet, else submit."""
        options = self.query_one(OptionsView)
        if options.cursor_id not in self.session.selection:
            self._toggle(options.cursor_id)
            return
        try:
            self.session.submit()
        except (StoreError, sqlite3.Error) as exc:  # not judged, so it can be submitted again
            self.notify(str(exc), title="Your answer was not saved", severity="error", markup=False)
            return
        await self._show_feedback()

    async def _show_feedback(self) -> None:
        """Rebuild the screen as feedback, the cursor on (the first of) the learner's choices."""
        ids = self.question.option_ids
        chosen = [i for i, option_id in enumerate(ids) if option_id in self.session.selection]
        await self.recompose()
        options = self.query_one(OptionsView)
        options.cursor = chosen[0] if chosen else 0
        self._show_state()
        self.call_after_refresh(self._scroll_to_verdict)

    def _scroll_to_verdict(self) -> None:
        """Put the prompt and the verdict banner at the top of the view."""
        body = self.query_one("#q-body", VerticalScroll)
        body.scroll_to_widget(self.query_one("#q-choice"), animate=False, top=True)

    async def action_next(self) -> None:
        """The next question, or the summary after the last one."""
        if self.session.advance():
            await self.recompose()
            self._show_state()
            self.call_after_refresh(self.query_one("#q-body", VerticalScroll).scroll_home, animate=False)
        else:
            self.app.push_screen(SummaryDialog(self.session.results), lambda _: self.dismiss(None))

    def action_leave(self) -> None:
        """Back to the home screen (every answer is already saved)."""
        self.dismiss(None)
