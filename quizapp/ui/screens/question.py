"""The question screen in study mode: scenario, requirements, prompt and options; after submitting,
the same screen turns into the feedback (verdict, every option's why, explanation, traps)."""

from __future__ import annotations

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
from ...study.choice import ChoiceRefused
from ...study.session import AnswerResult, StudySession
from ..dialogs.keys import SaysWhy
from ..dialogs.summary import RETAKE, SummaryDialog
from ..widgets.feedback import FeedbackPanel, banner
from ..widgets.options import LinkedSimulations, OptionsView, choice_bindings, too_few_options
from ..widgets.question_text import ChoiceStatus, compose_question, prompt_widget

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


class QuestionScreen(SaysWhy, LinkedSimulations, Screen[None]):
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

    app: QuizApp

    def __init__(self, questions: Sequence[Question], *, mode: str = "study", label: str = "") -> None:
        super().__init__()
        self.mode = mode
        self.label = label
        """What kind of session this is, in the header ('Missed', 'Retake'); '' for plain study."""
        self.session_id: int | None = None
        self.session = StudySession(questions, record=self._record)

    def _record(self, result: AnswerResult) -> None:
        """Write the answer to disk before the verdict is shown."""
        self.app.store.record_answer(
            result.question.id,
            result.chosen,
            result.correct,
            result.seconds,
            mode=self.mode,
            session_id=self.session_id,
        )

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
            status.show(self.session.selection, refusal)
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
            self.app.push_screen(SummaryDialog(self.session.results), self._summary_closed)

    def _summary_closed(self, choice: str | None) -> None:
        """Home, or a new session of the questions this one got wrong."""
        wrong = [r.question for r in self.session.results if not r.correct]
        self.dismiss(None)
        if choice == RETAKE and wrong:
            self.app.push_screen(QuestionScreen(wrong, label="Retake"))

    def action_leave(self) -> None:
        """Back to the home screen (every answer is already saved)."""
        self.dismiss(None)
