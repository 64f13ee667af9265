"""The question screen in study mode: scenario, requirements, prompt and options; after submitting,
the same screen turns into the feedback (verdict, every option's why, explanation, traps)."""

from __future__ import annotations

import time
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
from ...memory import Recorded
from ...store import StoreError
from ...study.choice import ChoiceRefused
from ...study.session import AnswerResult, StudySession
from ..dialogs.keys import SaysWhy
from ..dialogs.summary import RETAKE, SummaryDialog
from ..widgets.feedback import FeedbackPanel, banner, rating_line
from ..widgets.options import LinkedSimulations, OptionsView, choice_bindings, too_few_options
from ..widgets.question_text import ChoiceStatus, compose_question, next_confidence, prompt_widget

if TYPE_CHECKING:
    from ..app import QuizApp


def header(session: StudySession, domain_title: str) -> Content:
    """'1 / 12 · Domain title · difficulty ●●○○○'."""
    q = session.current
    dots = "●" * q.difficulty + "○" * (5 - q.difficulty)
    return Content.assemble(
        (session.position, "bold"), ("  ·  ", "dim"), domain_title, ("  ·  difficulty ", "dim"), dots
    )


def scroll_to_verdict(screen: Screen[None]) -> None:
    """Make the verdict banner the first thing seen: from the top of the question when the banner sits
    in the upper half of the first screen (the explanations still fit under it), else with the banner,
    the prompt and the explained options at the top of the view."""
    body = screen.query_one("#q-body", VerticalScroll)
    choice = screen.query_one("#q-choice")
    banner_bottom = choice.virtual_region.y + screen.query_one("#q-banner").outer_size.height + 1
    if banner_bottom <= body.scrollable_content_region.height // 2:
        body.scroll_home(animate=False)
    else:
        body.scroll_to_widget(choice, animate=False, top=True)


RATINGS = {1: "again", 2: "hard", 3: "good", 4: "easy"}


def rating_bindings(scope: str) -> list[Binding]:
    """1-4 rate the answer just given (Again, Hard, Good, Easy), on the feedback only: before
    submitting the same digits choose options. Only the first shows in the footer, as '1-4'."""
    return [
        Binding(
            str(level),
            f"rate({level})",
            "Rate" if level == 1 else f"Rate {name.capitalize()}",
            show=level == 1,
            key_display="1-4" if level == 1 else None,
            id=f"{scope}.rate-{name}",
        )
        for level, name in RATINGS.items()
    ]


class QuestionScreen(SaysWhy, LinkedSimulations, Screen[None]):
    """One study session: a question, then its feedback, then the next, then a summary."""

    BINDINGS = [
        *choice_bindings("question"),
        Binding("u", "confidence", "Sure?", id="question.confidence"),
        Binding("enter", "submit", "Submit", id="question.submit"),
        Binding("enter,n", "next", "Next", id="question.next"),
        *rating_bindings("question"),
        Binding("s", "simulate", "Simulation", id="question.simulate"),
        Binding("escape", "leave", "Home", id="question.leave"),
    ]

    AUTO_FOCUS = ""
    """The options take focus without scrolling the scenario out of view."""

    app: QuizApp

    def __init__(
        self, questions: Sequence[Question], *, mode: str = "study", label: str = "", scheduled: bool = False
    ) -> None:
        super().__init__()
        self.mode = mode
        self.label = label
        """What kind of session this is, in the header ('Due', 'Missed', 'Retake'); '' for plain study."""
        self.scheduled = scheduled
        """A session in the schedule's order (`study --due`, d on home): its answers are reviews the
        schedule asked for; any other session's are practice."""
        self.session_id: int | None = None
        self.session = StudySession(questions, record=self._record, clock=self.app.clock or time.monotonic)
        self.recorded: Recorded | None = None
        """The answer on screen as recorded (its rating and card); None before submitting."""
        self.override: int | None = None
        """The learner's own rating of the answer on screen (1-4), or None for the automatic one."""

    def _record(self, result: AnswerResult) -> None:
        """Write the answer to disk, rated, and update its question's card, before the verdict shows."""
        self.recorded = self.app.memory.record_result(
            result, scheduled=self.scheduled, mode=self.mode, session_id=self.session_id
        )
        self.override = None

    @property
    def question(self) -> Question:
        """The question on screen."""
        return self.session.current

    def compose(self) -> ComposeResult:
        """The current question, not yet answered (submitting turns it into its feedback in place)."""
        q = self.question
        domain = self.app.bank.manifest.domain(q.domain) if self.app.bank else None
        title = header(self.session, domain.title if domain else q.domain)
        if self.label:
            title = Content.assemble((self.label, "bold $text-accent"), ("  ·  ", "dim"), title)
        yield Static(title, id="q-header", classes="title-bar")
        with VerticalScroll(id="q-body", can_focus=False):
            yield from compose_question(q)
            with Vertical(id="q-choice"):
                yield prompt_widget(q)
                yield ChoiceStatus(q, self.app.scoring)
                yield OptionsView(self.session.shown, id="q-options")
        yield Footer()

    def on_mount(self) -> None:
        """Open a study session in the store and show the options."""
        self.session_id = self.app.store.start_session(self.mode, self.app.bank_title)
        self._show_state()
        self.call_after_refresh(self._prepare_feedback)

    def _feedback_panel(self) -> FeedbackPanel:
        """The current question's feedback panel (hidden until submitting), built now if it is not yet."""
        for panel in self.query(FeedbackPanel):
            if panel.question is self.question:
                return panel
        panel = FeedbackPanel(self.question, id="q-feedback")
        panel.display = False
        self.query_one("#q-body").mount(panel)
        return panel

    def _prepare_feedback(self) -> None:
        """Build the feedback (its markdown is most of the work) while the learner reads the question,
        hidden, so that Enter only has to reveal it."""
        if self.is_attached and self.session.submitted is None:
            self._feedback_panel()

    def on_unmount(self) -> None:
        """Mark the study session as ended."""
        if self.session_id is not None:
            self.app.store.end_session(self.session_id)

    def _show_state(self, refusal: str | None = None) -> None:
        """Push the session's selection/result into the options and the count line; refresh the footer."""
        options = self.query_one(OptionsView)
        options.set_state(self.session.selection, self.session.submitted)
        options.focus(scroll_visible=False)
        for status in self.query(ChoiceStatus):
            status.show(self.session.selection, refusal, self.session.confidence)
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Choosing, saying how sure and submitting before the answer; next, simulation and rating
        after it (the digits choose before and rate after, so each is hidden when the other acts)."""
        submitted = self.session.submitted is not None
        if action == "choose":
            index = parameters[0]
            return not submitted and isinstance(index, int) and index < len(self.question.options)
        if action in ("submit", "confidence"):
            return not submitted
        if action == "rate":
            return submitted and self.recorded is not None
        if action in ("next", "simulate"):
            return submitted
        return True

    def why_not(self, action: str, parameters: tuple[object, ...] = ()) -> str | None:
        """What a key that does nothing now would need (said when it is pressed)."""
        submitted = self.session.submitted is not None
        if action == "choose":
            if submitted:
                return "your answer is submitted: Enter or n goes to the next question"
            return too_few_options(self.question, parameters)
        if action == "next" and not submitted:
            return "n goes on after the feedback: Enter submits your choice first"
        if action == "simulate" and not submitted:
            return "the simulations open after you submit (Enter), so they cannot give the answer away"
        if action == "confidence" and submitted:
            return "say how sure you are before submitting; 1-4 rate the answer now"
        return None

    def action_choose(self, index: int) -> None:
        """Choose the option shown at ``index`` (toggle on 'choose N') and put the cursor on it."""
        options = self.query_one(OptionsView)
        options.cursor = index
        self._toggle(options.cursor_id)

    @on(OptionsView.Toggled, "#q-options")
    def toggled(self, event: OptionsView.Toggled) -> None:
        """Space (or a click) on an option."""
        self._toggle(event.option_id)

    def _toggle(self, option_id: str) -> None:
        """Choose an option (a tick past N is refused on the count line) and keep the options in view."""
        try:
            self.session.toggle(option_id)
        except ChoiceRefused as refused:
            self._show_state(str(refused))
            return
        self._show_state()
        self.query_one("#q-choice").scroll_visible(animate=False)

    def action_confidence(self) -> None:
        """u: how sure the learner is of the choice, cycling unsure, fairly sure, sure, not said."""
        self.session.set_confidence(next_confidence(self.session.confidence))
        self._show_state()

    def action_rate(self, level: int) -> None:
        """1-4 on the feedback: the learner's own rating of the answer (the automatic one again when
        it is the same); the card is replayed with it and the line shows the new interval."""
        recorded, result = self.recorded, self.session.submitted
        if recorded is None or result is None:
            return
        override = None if level == int(recorded.rating) else level
        try:
            card = self.app.memory.override(recorded.answer_id, override)
        except StoreError as exc:
            self.notify(str(exc), title="Your rating was not saved", severity="error", markup=False)
            return
        self.override = override
        self.query_one("#q-rating", Static).update(
            rating_line(result, recorded, card, override, self.app.memory.typical)
        )

    async def action_submit(self) -> None:
        """Enter: submit the choice; one of the wrong size is refused on the count line, ungraded."""
        try:
            self.session.submit()
        except ChoiceRefused as refused:
            self._show_state(str(refused))
            return
        except StoreError as exc:  # not judged, so it can be submitted again
            self.notify(str(exc), title="Your answer was not saved", severity="error", markup=False)
            return
        await self._show_feedback()

    async def _show_feedback(self) -> None:
        """Turn the question into its feedback in place: the verdict above the prompt, the options
        explained, the analysis below; the cursor on (the first of) the learner's choices, and the
        verdict at the top of the view. Only what changes is built: recomposing the whole screen
        (scenario, footer) took most of the time between Enter and the verdict."""
        result = self.session.submitted
        assert result is not None
        chosen = [
            i for i, option_id in enumerate(self.session.shown.order) if option_id in self.session.selection
        ]
        verdict = "-correct" if result.correct else "-wrong"
        with self.app.batch_update():
            await self.query(ChoiceStatus).remove()
            await self.query_one("#q-choice").mount(
                Static(banner(result, self.session.shown), id="q-banner", classes=verdict), before=0
            )
            if self.recorded is not None:
                line = rating_line(result, self.recorded, self.recorded.card, None, self.app.memory.typical)
                await self.query_one("#q-choice").mount(
                    Static(line, id="q-rating", classes=verdict), after="#q-banner"
                )
            self._feedback_panel().display = True
            self.query_one(OptionsView).place_cursor(chosen[0] if chosen else 0)
            self._show_state()
        self.call_after_refresh(scroll_to_verdict, self)

    async def action_next(self) -> None:
        """The next question, or the summary after the last one."""
        if self.session.advance():
            await self.recompose()
            self._show_state()
            self.call_after_refresh(self.query_one("#q-body", VerticalScroll).scroll_home, animate=False)
            self.call_after_refresh(self._prepare_feedback)
        else:
            self.app.push_screen(SummaryDialog(self.session.results, cbm=self.app.cbm), self._summary_closed)

    def _summary_closed(self, choice: str | None) -> None:
        """Home, or a new session of the questions this one got wrong."""
        wrong = [r.question for r in self.session.results if not r.correct]
        self.dismiss(None)
        if choice == RETAKE and wrong:
            self.app.push_screen(QuestionScreen(wrong, label="Retake"))

    def action_leave(self) -> None:
        """Back to the home screen (every answer is already saved)."""
        self.dismiss(None)
