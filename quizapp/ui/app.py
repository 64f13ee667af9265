"""The Textual app: holds the bank and the store, and moves between screens. Kept thin on purpose;
each screen lives in its own module under ``screens/``."""

from __future__ import annotations

import gc
import os
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from textual import events
from textual.app import SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from ..bank import Bank, LoadResult, Problem, SimLink
from ..bank.cache import load_bank_cached
from ..bank.models import Scoring
from ..exam_store import ExamStore
from ..exams import BankQuestions, Clock, ExamOptions, begin_exam, open_exam, plan_exam, resume_exam
from ..locations import bundled_bank
from ..locations import data_dir as default_data_dir
from ..store import Store, StoreError
from ..text import clean
from .screens.home import HomeScreen
from .starts import StudyStarts
from .terminal import _terminal_alive, typed_after_escape
from .theme import ThemedApp, check_theme

if TYPE_CHECKING:
    from ..memory import Memory
    from .screens.exam import ExamScreen

STARTS = ("home", "study", "exam")
CBM_KEY = "cbm"
"""The store setting that turns certainty-based marks on in study summaries and exam results."""
UNUSABLE_BANK = 1
"""The exit status after the 'bank cannot be opened' screen: a script running quizapp sees it failed."""


def resume_collector() -> None:
    """Once the first screen is drawn: if the command line paused the garbage collector for start-up
    (see ``commands.tui``), freeze what start-up built (modules, the bank, the app: it lives as long
    as the process, so later collections need not rescan it) and collect again from here on."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()


class QuizApp(ThemedApp, StudyStarts):
    """quizapp's TUI: home, study sessions with feedback, practice exams, and live simulations."""

    CSS_PATH = "app.tcss"
    TITLE = "quizapp"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-wide")]
    BINDINGS = [
        Binding("q", "leave_app", "Quit", id="app.quit"),
        Binding("question_mark", "toggle_keys", "Keys", key_display="?", id="app.keys"),
    ]

    def __init__(
        self,
        bank_dir: Path,
        loaded: LoadResult,
        store: Store,
        *,
        start: str = "home",
        domain: str | None = None,
        tag: str | None = None,
        backend: str | None = None,
        exam: ExamOptions | None = None,
        resume: bool = False,
        clock: Clock | None = None,
        wall: Clock | None = None,
        due: bool = False,
        theme: str | None = None,
    ) -> None:
        super().__init__()
        self.bank_dir = bank_dir
        self.bank: Bank | None = loaded.bank
        self.problems: list[Problem] = loaded.problems
        self.store = store
        self.exams = ExamStore(store, wall=wall) if wall is not None else ExamStore(store)
        """Exams in the store; ``wall`` (tests) replaces the wall clock its dates and pauses use."""
        self.wall: Clock = wall or time.time
        """The wall clock answers are stamped with and the schedule is read at (tests freeze it)."""
        self._memory: Memory | None = None
        self.start = start
        self.domain = domain
        self.tag = tag
        self.backend = backend
        self.exam_options = exam or ExamOptions()
        self.resume = resume
        self.clock = clock
        """The clock of exams and of study answers' times (monotonic seconds); tests inject one they
        move by hand."""
        self.due_first = due
        """`study --due`: study in the schedule's order (``quizapp.memory.study_order``)."""
        self.put_start_theme(theme)

    @property
    def memory(self) -> Memory:
        """The learner's FSRS cards on the app's store: every study answer is recorded through it.
        Built on first use, so start-up never loads the scheduler."""
        if self._memory is None:
            from ..memory import Memory

            self._memory = Memory.for_bank(self.store, self.bank, wall=self.wall)
        return self._memory

    @property
    def cbm(self) -> bool:
        """Whether study summaries and exam results show certainty-based marks (a stored setting)."""
        return self.store.setting(CBM_KEY) == "on"

    def toggle_cbm(self) -> None:
        """Turn certainty-based marks on or off (kept in the store), and say which."""
        try:
            self.store.set_setting(CBM_KEY, None if self.cbm else "on")
        except StoreError as exc:
            self.notify(str(exc), title="The setting was not saved", severity="error", markup=False)
            return
        self.notify(
            "Certainty-based marks are on: summaries and exam results score how sure you said you were"
            " (u before submitting)."
            if self.cbm
            else "Certainty-based marks are off.",
            markup=False,
        )

    @property
    def scoring(self) -> Scoring:
        """The bank's rule for scoring 'choose N' questions."""
        return self.bank.manifest.exam.scoring if self.bank else "all-or-nothing"

    @property
    def bank_title(self) -> str:
        """The bank's title, or its folder when bank.yaml is unusable (control characters stripped)."""
        return clean(self.bank.title if self.bank else str(self.bank_dir))

    def on_mount(self) -> None:
        """Show home, and go straight into a study session or an exam when started that way."""
        self._parent_pid = os.getppid()
        self.set_interval(2.0, self._leave_if_orphaned, name="orphan-check")
        self.screen_change_signal.subscribe(self, self._screen_changed)
        self.push_screen(HomeScreen())
        self.call_after_refresh(resume_collector)
        self.say_theme_note()
        if self.start == "study" and self.due_first:
            self.start_due(self.domain, self.tag)
        elif self.start == "study":
            self.start_study(self.domain, self.tag)
        elif self.start == "exam" and self.bank is not None:
            if self.resume:
                self.resume_exam()
            else:
                self.start_exam(self.exam_options)

    def _leave_if_orphaned(self) -> None:
        """Quit when our terminal has hung up or our parent is gone (a killed tmux, a dropped ssh,
        `make run` whose make no longer waits): without it the app would spin on a terminal nobody
        reads. Every answer is already on disk, so leaving loses nothing."""
        if os.getppid() == self._parent_pid and _terminal_alive():
            return
        self.exit()
        threading.Timer(2.0, os._exit, (129,)).start()  # in case the dead terminal blocks a clean exit

    def on_unmount(self) -> None:
        """Close the store's connection."""
        self.store.close()

    def _screen_changed(self, screen: Screen[object]) -> None:
        """A toast belongs to the screen it was raised on: one raised on home must not sit over the
        History screen's only line, nor one raised in an exam over a dialog's buttons. A message meant
        for the new screen is given after the switch (see ``start_study``)."""
        self.clear_notifications()

    async def on_event(self, event: events.Event) -> None:
        """A key typed right after Esc, joined with it by the terminal's parser, is both keys again.

        Once the app is quitting, keys are dropped: a key typed in the same burst as ``q`` would
        otherwise open a screen while the app tears its screens down (and fail half-mounted)."""
        if isinstance(event, events.Key) and self._exit:
            return
        if isinstance(event, events.Key) and not event.is_forwarded:
            split = typed_after_escape(event.key)
            if split is not None:
                await super().on_event(events.Key("escape", "\x1b"))
                event = events.Key(*split)
        await super().on_event(event)

    def start_exam(self, options: ExamOptions | None = None, *, replace_open: bool = False) -> None:
        """A new practice exam (the bank's defaults unless ``options`` say otherwise). An unfinished
        exam is offered first: resume it, discard it and go on, or cancel."""
        from .dialogs.open_exam import OpenExamDialog
        from .screens.exam import ExamScreen

        if self.bank is None:
            return
        options = options or ExamOptions()
        unfinished = open_exam(self.bank, self.exams)
        if unfinished is not None and not replace_open:

            def chosen(choice: str | None) -> None:
                if choice == "resume":
                    self.resume_exam()
                elif choice == "new":
                    self.exams.abandon(unfinished.exam_id)
                    self.start_exam(options, replace_open=True)

            self.push_screen(OpenExamDialog(unfinished), chosen)
            return
        from .screens.exam_start import START, ExamStartScreen

        plan = plan_exam(self.bank, options)
        if isinstance(plan, str):
            self.notify(plan, severity="error", markup=False, timeout=10)
            return
        bank = self.bank

        def started(choice: str | None) -> None:
            if choice == START:  # stored before the first question shows, so nothing is lost
                self.push_screen(ExamScreen(begin_exam(bank, self.exams, plan, self.clock)))

        self.push_screen(ExamStartScreen(plan), started)

    def review_exam(self, exam_id: int) -> bool:
        """The results and question review of a submitted exam, as it was taken; False (and a notice)
        when it cannot be shown."""
        from .screens.exam_results import ExamResultsScreen

        if self.bank is None:
            return False
        try:
            exam = self.exams.load(exam_id, BankQuestions(self.bank))
        except KeyError:
            self.notify(
                "This exam cannot be reviewed: it was not submitted, or some of its questions are"
                " no longer in the bank.",
                severity="warning",
                markup=False,
            )
            return False
        self.push_screen(ExamResultsScreen(exam))
        return True

    def resume_exam(self) -> bool:
        """Resume the unfinished exam where it was left; False (and a plain notice) when there is none."""
        from .screens.exam import ExamScreen

        unfinished = open_exam(self.bank, self.exams) if self.bank else None
        if self.bank is None or unfinished is None:
            self.notify(
                "There is no unfinished exam to resume.", severity="warning", markup=False, timeout=10
            )
            return False
        try:
            exam = resume_exam(self.bank, self.exams, unfinished.exam_id, self.clock)
        except KeyError:
            self.notify(
                "The unfinished exam cannot be resumed: some of its questions are no longer in the"
                " bank. Press x on the home screen to discard it.",
                severity="error",
                markup=False,
                timeout=10,
            )
            return False
        self.push_screen(ExamScreen(exam))
        return True

    def open_simulation(self, link: SimLink) -> None:
        """Show a linked simulation, run with the link's parameters."""
        import sims

        from .screens.simulation import SimulationScreen  # plotext loads with the first simulation shown

        try:
            simulation = sims.get(link.id)
        except sims.UnknownSimulation as exc:
            self.notify(str(exc), severity="error", markup=False)
            return
        self.push_screen(SimulationScreen(simulation, link.params, label=link.label, backend=self.backend))

    def action_toggle_keys(self) -> None:
        """Show the key guide of the current screen, or close it."""
        from .dialogs.keys import KeyGuide

        if isinstance(self.screen, KeyGuide):
            self.screen.dismiss(None)
        else:
            self.push_screen(KeyGuide(self.screen))

    def running_exam(self) -> ExamScreen | None:
        """The exam screen of an exam being taken (under any dialog), if one is."""
        from .screens.exam import ExamScreen

        return next(
            (s for s in self.screen_stack if isinstance(s, ExamScreen) and not s.ended),
            None,
        )

    def action_leave_app(self) -> None:
        """q: quit. In an exam, q asks to pause it, as on the exam screen itself, even from a dialog
        over the exam; after the 'bank cannot be opened' screen the exit status says it failed."""
        exam = self.running_exam()
        if exam is not None:
            while self.screen is not exam:
                self.pop_screen()
            exam.action_leave()
            return
        self.exit(return_code=UNUSABLE_BANK if self.bank is None else 0)

    async def action_quit(self) -> None:
        """ctrl+q: quit at once (the exit status says so when the bank could not be opened)."""
        self.exit(return_code=UNUSABLE_BANK if self.bank is None else 0)

    def why_not_mode(self, action: str) -> str | None:
        """Why a home-screen mode cannot run now (for the command palette), or None when it can."""
        from .screens.home import HomeScreen

        if self.running_exam() is not None:
            return "an exam is running (esc pauses it, s submits it)"
        home = next((s for s in self.screen_stack if isinstance(s, HomeScreen)), None)
        return home.why_not(action) if home is not None else "the home screen is not open"

    async def run_mode(self, action: str) -> None:
        """A palette entry: go home (every answer is already saved) and run the mode's key there."""
        from .screens.home import HomeScreen

        reason = self.why_not_mode(action)
        if reason:
            self.notify(reason[0].upper() + reason[1:] + ".", severity="warning", markup=False)
            return
        while not isinstance(self.screen, HomeScreen):
            await self.pop_screen()
        await self.screen.run_action(action)

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """The command palette's entries: every mode, the key guide, themes (see ``palette``)."""
        from .palette import system_commands

        yield from system_commands(self, screen)


def make_app(
    bank_dir: Path | None = None,
    data_dir: Path | None = None,
    *,
    start: str = "home",
    domain: str | None = None,
    tag: str | None = None,
    backend: str | None = None,
    questions: int | None = None,
    minutes: float | None = None,
    seed: int | None = None,
    resume: bool = False,
    clock: Clock | None = None,
    wall: Clock | None = None,
    due: bool = False,
    theme: str | None = None,
) -> QuizApp:
    """Build the app: load the bank (bundled by default) and open the store (StoreError if it cannot).

    ``start="exam"`` opens an exam over the home screen: ``questions``, ``minutes``, ``domain`` and
    ``seed`` default to the bank's settings; ``resume`` resumes the unfinished exam instead. ``clock``
    replaces the exam's monotonic clock and ``wall`` the wall clock of exam dates and pauses (for tests).
    ``due`` (`study --due`) asks for the schedule's order, kept as ``app.due_first``. ``theme`` (`--theme`)
    replaces the stored theme, and is stored for the next start (ValueError when Textual has no such theme)."""
    if start not in STARTS:
        raise ValueError(f"start must be one of {', '.join(STARTS)}, not {start!r}")
    check_theme(theme)  # before the store is opened, so nothing is left open
    bank_dir = Path(bank_dir) if bank_dir is not None else bundled_bank()
    data = Path(data_dir) if data_dir is not None else default_data_dir()
    store = Store.in_dir(data)
    loaded = load_bank_cached(bank_dir, data / "cache")  # a large bank opens from its index
    exam = ExamOptions(questions, minutes, domain, seed)
    study_domain = None if start == "exam" else domain  # `quizapp exam --domain` filters the exam, not study
    return QuizApp(
        bank_dir,
        loaded,
        store,
        start=start,
        domain=study_domain,
        tag=tag,
        backend=backend,
        exam=exam,
        resume=resume,
        clock=clock,
        wall=wall,
        due=due,
        theme=theme,
    )
