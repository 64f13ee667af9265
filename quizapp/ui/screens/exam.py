"""The exam screen: one question at a time under a header with its number, the countdown and its
review mark. No feedback until the exam is submitted; answers can change until then, and every
change is saved the moment it is made (the exam's persist callback)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer

from ...bank.models import Question
from ...history import clock_text
from ...store import StoreError
from ...study.choice import ChoiceRefused, Shown, check_complete, toggled
from ...study.exam import Exam
from ..dialogs.confirm import ConfirmDialog
from ..dialogs.exam_grid import QuestionGridDialog
from ..dialogs.keys import SaysWhy
from ..widgets.exam_parts import ExamHeader, QuestionPane
from ..widgets.options import OptionsView, choice_bindings, too_few_options
from ..widgets.question_text import ChoiceStatus, next_confidence
from .exam_submit import SUBMIT, SubmitReviewScreen

if TYPE_CHECKING:
    from ..app import QuizApp

TICK_SECONDS = 1.0
GRID_LETTER = 6
"""'g' opens the grid, except on a question with a 7th option (G), where ctrl+g does."""


class ExamScreen(SaysWhy, Screen[None]):
    """A running exam. It ends in the results screen: submitted by the learner, or by the clock."""

    BINDINGS = [
        *choice_bindings("exam"),
        Binding("enter", "enter", "Answer / next", show=False, id="exam.enter"),
        Binding("n", "next", "Next", id="exam.next"),
        Binding("p", "previous", "Prev", id="exam.previous"),
        Binding("m", "mark", "Mark", id="exam.mark"),
        Binding("u", "confidence", "Sure?", show=False, id="exam.confidence"),
        Binding("g", "grid", "Grid", id="exam.grid"),
        Binding("ctrl+g", "open_grid", "Grid", show=False, id="exam.grid-always"),
        Binding("s,ctrl+s", "review", "Submit", id="exam.submit"),
        Binding("escape,q", "leave", "Pause", id="exam.leave"),
    ]

    AUTO_FOCUS = ""
    """The options take focus without scrolling the scenario out of view."""

    app: QuizApp

    def __init__(self, exam: Exam) -> None:
        super().__init__()
        self.exam = exam
        self.timer: Timer | None = None
        self.ended = False
        self._save_failed = False

    @property
    def question(self) -> Question:
        """The question on screen."""
        return self.exam.questions[self.exam.current]

    @property
    def shown(self) -> Shown:
        """The question on screen, its options in the exam's order."""
        return Shown(self.question, self.exam.items[self.exam.current].order)

    def compose(self) -> ComposeResult:
        """Header (position, answered count and mark, countdown), the question and its options."""
        yield ExamHeader(self.exam)
        yield QuestionPane(self.shown, self.exam.scoring)
        yield Footer(compact=True, show_command_palette=False)  # every exam key fits in 80 columns

    def on_mount(self) -> None:
        """Show the question and start the clock (a resumed exam whose time is up ends at once)."""
        self._show_state()
        self.call_after_refresh(self._on_screen)

    def _on_screen(self) -> None:
        """The question is on screen: the clock runs from now (a resumed exam whose time is up ends)."""
        self.exam.start_clock()
        self.timer = self.set_interval(TICK_SECONDS, self.tick_clock)
        self.tick_clock()

    def on_unmount(self) -> None:
        """Stop the clock (time so far was saved by the last tick)."""
        if self.timer is not None:
            self.timer.stop()

    # -- drawing -----------------------------------------------------------------------------------

    def _show_state(self, refusal: str | None = None) -> None:
        """Push the item's choice into the options and the count line, and redraw the header."""
        options = self.query_one(OptionsView)
        item = self.exam.items[self.exam.current]
        options.set_state(item.chosen, None)
        options.focus(scroll_visible=False)
        self.query_one(ChoiceStatus).show(item.chosen, refusal, item.confidence)
        self._show_header()
        self.refresh_bindings()

    def _show_header(self) -> None:
        """The position, the mark and the countdown."""
        self.query_one(ExamHeader).show(self.exam)

    def _show_clock(self) -> None:
        """The time left; urgent in the last five minutes."""
        self.query_one(ExamHeader).show_clock(self.exam)

    # -- time ----------------------------------------------------------------------------------------

    def tick_clock(self) -> None:
        """Every second: account the time (saved at once); the clock submits when it runs out."""
        if self.ended:
            return
        try:
            self.exam.tick()
        except StoreError as exc:
            self._not_saved(exc)
        if self.exam.result is not None:
            self.finish()
        else:
            self._show_clock()

    def _not_saved(self, exc: Exception) -> None:
        """Say once that the store cannot be written (the exam goes on in memory)."""
        if not self._save_failed:
            self._save_failed = True
            self.notify(str(exc), title="The exam could not be saved", severity="error", markup=False)

    def finish(self) -> None:
        """The exam was submitted (by the learner or the clock): close anything over it, show results.

        Nothing here is awaited: this screen is being replaced from inside its own handler."""
        from .exam_results import ExamResultsScreen

        if self.ended or self.exam.result is None:
            return
        self.ended = True
        if self.timer is not None:
            self.timer.stop()
        while self.app.screen is not self and len(self.app.screen_stack) > 1:
            self.app.pop_screen()  # the grid, the review list, a question: the stack changes at once
        self.app.switch_screen(ExamResultsScreen(self.exam))
        if self.exam.result.timed_out:  # one message, after the switch (which clears the toasts)
            self.app.notify(
                "Time is up: the exam was submitted with the answers given so far.",
                severity="warning",
                markup=False,
                timeout=8,
            )

    # -- answering -------------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Choosing needs the option; 'g' is the 7th option's letter on questions that have one."""
        options = len(self.question.options)
        if action == "choose":
            index = parameters[0]
            return isinstance(index, int) and index < options
        if action == "grid":
            return options <= GRID_LETTER
        if action == "next":
            return None if self.exam.current == len(self.exam.items) - 1 else True
        if action == "previous":
            return None if self.exam.current == 0 else True
        return True

    def why_not(self, action: str, parameters: tuple[object, ...] = ()) -> str | None:
        """What a key that does nothing now would need (said when it is pressed)."""
        if action == "choose":
            return too_few_options(self.question, parameters)
        if action == "next" and self.exam.current == len(self.exam.items) - 1:
            return "this is the last question: s reviews your answers and submits, g opens the grid"
        if action == "previous" and self.exam.current == 0:
            return "this is the first question"
        return None

    def action_choose(self, index: int) -> None:
        """Choose the option shown at ``index`` (toggle on 'choose N') and put the cursor on it."""
        options = self.query_one(OptionsView)
        options.cursor = index
        self._toggle(options.cursor_id)

    @on(OptionsView.Toggled, "#q-options")
    def option_toggled(self, event: OptionsView.Toggled) -> None:
        """Space (or a click) on an option."""
        self._toggle(event.option_id)

    def _toggle(self, option_id: str) -> None:
        """Change the answer; saved before the screen shows it."""
        item = self.exam.items[self.exam.current]
        try:
            self.exam.answer(toggled(self.question, item.chosen, option_id))
        except ChoiceRefused as refused:  # a tick past N: nothing changes
            self._show_state(str(refused))
            return
        except StoreError as exc:
            self._not_saved(exc)
        if self.exam.result is not None:  # the engine checks the clock on every change
            self.finish()
            return
        self._show_state()
        self.query_one("#q-choice").scroll_visible(animate=False)

    async def action_enter(self) -> None:
        """Enter: give this answer and go on (to the next question, or the review after the last).
        A choice of the wrong size is refused on the count line; n moves on without answering."""
        try:
            check_complete(self.question, self.exam.items[self.exam.current].chosen)
        except ChoiceRefused as refused:
            self._show_state(f"{refused} (n moves on without answering)")
            return
        if self.exam.current < len(self.exam.items) - 1:
            await self.go(self.exam.current + 1)
        else:
            self.action_review()

    def action_confidence(self) -> None:
        """u: how sure the learner is of this answer (unsure, fairly sure, sure, not said), saved at
        once; certainty-based marks score it when the exam is submitted."""
        try:
            self.exam.set_confidence(next_confidence(self.exam.items[self.exam.current].confidence))
        except StoreError as exc:
            self._not_saved(exc)
        self._show_state()

    def action_mark(self) -> None:
        """Mark (or unmark) the question for review."""
        try:
            self.exam.toggle_flag()
        except StoreError as exc:
            self._not_saved(exc)
        self._show_header()

    # -- moving ------------------------------------------------------------------------------------------

    async def go(self, index: int) -> None:
        """Show question ``index`` from the top."""
        try:
            self.exam.go(index)
        except StoreError as exc:
            self._not_saved(exc)
        if self.exam.result is not None:
            self.finish()
            return
        await self.query_one(QuestionPane).show(self.shown)
        self._show_state()

    async def action_next(self) -> None:
        """The next question."""
        if self.exam.current < len(self.exam.items) - 1:
            await self.go(self.exam.current + 1)

    async def action_previous(self) -> None:
        """The previous question."""
        if self.exam.current > 0:
            await self.go(self.exam.current - 1)

    def action_open_grid(self) -> None:
        """ctrl+g: the grid, whatever the question's options."""
        self.action_grid()

    def action_grid(self) -> None:
        """The question grid; Enter there jumps to a question."""

        async def picked(index: int | None) -> None:
            if index is not None and not self.ended:
                await self.go(index)

        self.app.push_screen(QuestionGridDialog(self.exam), picked)

    # -- submitting and leaving -----------------------------------------------------------------------------

    def action_review(self) -> None:
        """The list of every question before submitting."""

        async def reviewed(choice: int | str | None) -> None:
            if self.ended:
                return
            if choice == SUBMIT:
                try:
                    self.exam.submit()
                except StoreError as exc:
                    self._not_saved(exc)
                self.finish()
            elif isinstance(choice, int):
                await self.go(choice)

        self.app.push_screen(SubmitReviewScreen(self.exam), reviewed)

    def action_leave(self) -> None:
        """Escape or q: ask, then pause the exam and go home; it is resumed from there."""

        def answered(leave: bool | None) -> None:
            if not leave or self.ended:
                return
            try:
                self.exam.tick()  # the time so far, saved
                if self.exam.result is None:
                    self.app.exams.pause(self.exam)
            except StoreError as exc:
                self._not_saved(exc)
            if self.exam.result is not None:  # the time ran out meanwhile
                self.finish()
                return
            self.ended = True
            self.dismiss(None)

        left = clock_text(self.exam.remaining)
        dialog = ConfirmDialog(
            "Pause the exam?",
            f"The clock stops with {left} left. Nothing is scored and home shows nothing of it until"
            " you submit; resume it from the home screen (r). The results say how long it was paused.",
            yes="Pause",
            no="Stay",
        )
        self.app.push_screen(dialog, answered)
