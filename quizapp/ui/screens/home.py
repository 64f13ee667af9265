"""The home screen: the bank, its domains with the learner's progress, and the way in."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static
from textual.worker import Worker, WorkerState, get_current_worker

from ...exams import ExamOptions, OpenExam, open_exam
from ...history import plural
from ..dialogs.confirm import ConfirmDialog
from ..dialogs.keys import SaysWhy
from ..dialogs.skipped import SkippedDialog
from ..dialogs.tags import ANY_TAG, TagDialog, tag_counts
from ..widgets.outlook import Outlook, due_line, readiness_line
from ..widgets.prose import literal, markdown

if TYPE_CHECKING:
    from ..app import QuizApp

MODE_ACTIONS = (
    "study",
    "due",
    "exam",
    "missed",
    "tag",
    "history",
    "simulations",
    "skipped",
    "resume",
    "discard",
    "stats",
    "misconceptions",
)
"""The home keys' actions (the command palette offers each)."""
ALL = "__all__"
"""Row key of the 'All domains' row."""


def offer_text(unfinished: OpenExam) -> Content:
    """'An unfinished exam: 7/20 answered, 12:31 left — r resume, x discard'."""
    if unfinished.missing:
        count = len(unfinished.missing)
        return Content.assemble(
            ("An unfinished exam cannot be resumed: ", "bold"),
            f"{count} of its questions {'is' if count == 1 else 'are'} no longer in the bank — ",
            ("x", "bold"),
            " discard",
        )
    return Content.assemble(
        ("An unfinished exam: ", "bold"),
        unfinished.summary,
        " — ",
        ("r", "bold"),
        " resume, ",
        ("x", "bold"),
        " discard",
    )


class HomeScreen(SaysWhy, Screen[None]):
    """Bank title and description, domains with question counts and progress, skipped files; the
    ways in: study (all, a domain, a tag, the missed questions), an exam, the history."""

    BINDINGS = [
        Binding("s", "study", "Study", id="home.study"),
        Binding("d", "due", "Due", show=False, id="home.due"),  # the due line says it
        Binding("e", "exam", "Exam", id="home.exam"),
        Binding("m", "missed", "Missed", id="home.missed"),
        Binding("t", "tag", "Tag", id="home.tag"),
        Binding("h", "history", "History", id="home.history"),
        Binding("b", "simulations", "Simulations", id="home.simulations"),
        Binding("i", "stats", "Stats", id="home.stats"),
        Binding("w", "misconceptions", "Misconceptions", show=False, id="home.misconceptions"),
        # not in the footer: the lines that need them say them ("r resume, x discard", "press p"), and
        # the footer keeps q Quit and ? Keys in 80 columns
        Binding("r", "resume", "Resume", show=False, id="home.resume"),
        Binding("x", "discard", "Discard", show=False, id="home.discard"),
        Binding("p", "skipped", "Skipped files", show=False, id="home.skipped"),
    ]

    app: QuizApp

    class OutlookCounted(Message):
        """The worker counted what is due (and the readiness): home shows it."""

        def __init__(self, outlook: Outlook) -> None:
            super().__init__()
            self.outlook = outlook

    def __init__(self) -> None:
        super().__init__()
        self.unfinished: OpenExam | None = None
        self.outlook: Outlook | None = None
        """What is due and the readiness, once the worker has counted them (None until then)."""
        self._counting = False

    def compose(self) -> ComposeResult:
        """Title, description, domains table, hints, and the skipped-files line if any."""
        bank = self.app.bank
        if bank is None:
            yield from self._compose_unusable()
            return
        yield Static(literal(bank.title), id="bank-title", classes="title-bar")
        with VerticalScroll(id="home-body", can_focus=False):
            yield Static(id="resume-offer")
            if bank.manifest.description:
                yield markdown(bank.manifest.description, id="bank-description")
            yield DataTable(id="domains", cursor_type="row", zebra_stripes=True)
            with Vertical(id="memory-lines"):
                yield Static(Content.styled("Counting what is due…", "dim"), id="due-line")
                yield Static(id="readiness-line")
            yield Static(id="filter-line")
            yield Static(id="home-hint", classes="-under-due")
            if bank.skipped:
                count = len(bank.skipped)
                line = Content.assemble(
                    (f"{plural(count, 'file')} skipped", "bold $text-warning"),
                    " — press ",
                    ("p", "bold"),
                    " to see why",
                )
                yield Static(line, id="skipped-line")
        yield Footer(compact=True, show_command_palette=False)  # every home key fits in 80 columns

    def _compose_unusable(self) -> ComposeResult:
        """The screen when bank.yaml itself cannot be read: the title bar as on every screen, the
        problems, what to do, and a footer (q quits, with a non-zero exit status)."""
        yield Static(
            Content.assemble(("quizapp", "bold"), ("  ·  ", "dim"), "the bank cannot be opened"),
            id="bank-title",
            classes="title-bar",
        )
        with VerticalScroll(id="home-body", can_focus=False):
            yield Static(self._unusable(), id="bank-error")
            hint = Content.assemble(
                "Fix bank.yaml, or start quizapp with ",
                ("--bank", "bold"),
                " naming a folder that holds one (without it, quizapp opens its bundled bank). ",
                ("q", "bold"),
                " quits.",
            )
            yield Static(hint, id="home-hint")
        yield Footer(compact=True, show_command_palette=False)

    def _unusable(self) -> Content:
        """The message shown when bank.yaml itself cannot be read."""
        lines = [Content.styled(f"The bank at {self.app.bank_dir} cannot be opened:", "bold $text-error")]
        lines += [Content(str(p)) for p in self.app.problems]
        return Content("\n").join(lines)

    def on_mount(self) -> None:
        """Fill the domains table and focus it, so Enter studies the highlighted row."""
        if self.app.bank is not None:
            table = self.query_one("#domains", DataTable)
            table.add_columns("Domain", "Questions", "Answered", "Correct")
            self.fill_domains()
            self.show_offer()
            self.show_filter()
            table.focus()
            self.query_one("#readiness-line").display = False
            self.call_after_refresh(self._first_count)  # after the first frame: start-up does not wait

    def on_screen_resume(self) -> None:
        """Back from a session or an exam: show the new progress, what is due now, and any
        unfinished exam."""
        if self.app.bank is not None:
            self.fill_domains()
            self.show_offer()
            if self._counting:  # not on the first show: on_mount counts after the first frame
                self.count_due()

    def _first_count(self) -> None:
        """The first count, once the first frame is drawn."""
        self._counting = True
        self.count_due()

    @work(thread=True, exclusive=True, exit_on_error=False, group="outlook", description="count what is due")
    def count_due(self) -> None:
        """Count what is due (and the readiness) in a thread; the result comes back as a message."""
        bank = self.app.bank
        assert bank is not None
        from ..widgets import outlook  # the module, so a test can replace its count

        counted = outlook.count(bank, self.app.store.path, self.app.wall)
        if not get_current_worker().is_cancelled:  # a newer count is on its way
            self.post_message(self.OutlookCounted(counted))

    @on(OutlookCounted)
    def show_outlook(self, event: OutlookCounted) -> None:
        """The due line, and the readiness line when an exam date is ahead."""
        self.outlook = view = event.outlook
        self.query_one("#due-line", Static).update(due_line(view.due, view.now))
        line = self.query_one("#readiness-line", Static)
        line.display = view.passing is not None
        if view.passing is not None:
            line.update(readiness_line(view))

    @on(Worker.StateChanged)
    def outlook_failed(self, event: Worker.StateChanged) -> None:
        """A count that failed (the data file cannot be read) says so on the due line."""
        if event.worker.group == "outlook" and event.state == WorkerState.ERROR:
            error = event.worker.error
            self.query_one("#due-line", Static).update(
                Content.styled(f"What is due could not be counted: {error}", "$text-error")
            )

    def show_hint(self, fresh: bool) -> None:
        """The ways in under the table; on a fresh install (nothing answered, no exam taken) what to
        do first, in the same two lines (so the skipped-files line stays in view at 80x24)."""
        hint = (
            Content.assemble(
                ("New here? ", "bold $text-accent"),
                "Press ",
                ("s", "bold"),
                " to study every question with feedback, ",
                ("e", "bold"),
                " for a timed practice exam, ",
                ("Enter", "bold"),
                " for the highlighted domain only; ",
                ("?", "bold"),
                " explains every key.",
            )
            if fresh
            else Content.assemble(
                ("Enter", "bold"),
                " studies the highlighted row, ",
                ("s", "bold"),
                " studies all, ",
                ("t", "bold"),
                " a tag, ",
                ("m", "bold"),
                " the questions you missed; ",
                ("e", "bold"),
                " takes a practice exam, ",
                ("h", "bold"),
                " shows your history",
            )
        )
        line = self.query_one("#home-hint", Static)
        line.update(hint)
        line.set_class(fresh, "-first-steps")

    def show_offer(self) -> None:
        """The offer to resume (or discard) an unfinished exam, when there is one."""
        self.unfinished = open_exam(self.app.bank, self.app.exams)
        offer = self.query_one("#resume-offer", Static)
        offer.display = self.unfinished is not None
        if self.unfinished is not None:
            offer.update(offer_text(self.unfinished))
        self.refresh_bindings()

    def show_filter(self) -> None:
        """The study filter from the command line or the tag dialog, when there is one."""
        domain, tag = self.app.domain, self.app.tag
        parts = [f"domain '{domain}'" if domain else "", f"tag '{tag}'" if tag else ""]
        line = self.query_one("#filter-line", Static)
        line.display = any(parts)
        if any(parts):
            line.update(
                Content.assemble(
                    ("Studying only ", "bold"),
                    " and ".join(p for p in parts if p),
                    " — Enter, s and d use it; t changes the tag",
                )
            )

    def fill_domains(self) -> None:
        """One row per domain (and one for all): questions, how many answered, how many last right."""
        bank = self.app.bank
        assert bank is not None
        table = self.query_one("#domains", DataTable)
        row = table.cursor_row
        table.clear()
        progress = self.app.store.progress()
        self.show_hint(not progress and not self.app.exams.history())
        totals = [0, 0, 0]
        rows = []
        ids_by_domain = bank.ids_by_domain()  # from the index: a large bank is not built to be counted
        for domain in bank.manifest.domains:
            ids = ids_by_domain.get(domain.id, [])
            answered = [progress[qid] for qid in ids if qid in progress]
            counts = [len(ids), len(answered), sum(p.last_correct for p in answered)]
            totals = [a + b for a, b in zip(totals, counts, strict=True)]
            rows.append((domain.id, domain.title, counts))
        table.add_row(Text("All domains", style="bold"), *(Text(str(n)) for n in totals), key=ALL)
        for domain_id, title, counts in rows:
            table.add_row(Text(title), *(Text(str(n)) for n in counts), key=domain_id)
        table.move_cursor(row=min(row, table.row_count - 1))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Studying needs questions; the skipped-files list needs skipped files; resume and discard
        need an unfinished exam (resume one whose questions are all still in the bank)."""
        return self.why_not(action) is None

    def why_not(self, action: str, parameters: tuple[object, ...] = ()) -> str | None:
        """Why a home key cannot run now (said when it is pressed, and in the command palette)."""
        bank = self.app.bank
        if bank is None:
            return "the bank cannot be opened (see above); q quits" if action in MODE_ACTIONS else None
        if action in ("study", "due", "exam", "missed", "tag") and not bank.questions:
            return "this bank has no questions yet"
        if action == "skipped" and not bank.skipped:
            return "no file was skipped: every file of the bank loaded"
        if action in ("resume", "discard") and self.unfinished is None:
            return f"there is no unfinished exam to {action}: e starts one"
        if action == "resume" and self.unfinished is not None and self.unfinished.missing:
            count = len(self.unfinished.missing)
            return (
                f"the unfinished exam cannot be resumed: {count} of its questions"
                f" {'is' if count == 1 else 'are'} no longer in the bank; x discards it"
            )
        return None

    def action_exam(self) -> None:
        """A practice exam with the bank's settings."""
        self.app.start_exam(ExamOptions())

    def action_missed(self) -> None:
        """Study the questions whose latest answer was wrong."""
        self.app.start_missed()

    def action_tag(self) -> None:
        """Pick a tag: study it now, and keep it as the filter of the domain rows."""
        bank = self.app.bank
        assert bank is not None

        def picked(tag: str | None) -> None:
            if tag is None:
                return
            self.app.tag = tag or None
            self.show_filter()
            if tag != ANY_TAG:
                self.app.start_study(None, tag)

        self.app.push_screen(TagDialog(tag_counts(bank.questions.tags()), self.app.tag), picked)

    def action_history(self) -> None:
        """Past exams and study totals."""
        from .history import HistoryScreen

        self.app.push_screen(HistoryScreen())

    def action_resume(self) -> None:
        """Resume the unfinished exam."""
        self.app.resume_exam()

    def action_discard(self) -> None:
        """Discard the unfinished exam, after asking."""
        unfinished = self.unfinished
        if unfinished is None:
            return

        def answered(sure: bool | None) -> None:
            if sure:
                self.app.exams.abandon(unfinished.exam_id)
                self.show_offer()
                self.notify("The unfinished exam was discarded.", markup=False)

        detail = f"{unfinished.answered}/{unfinished.total} answered. History keeps it as discarded."
        self.app.push_screen(
            ConfirmDialog("Discard the unfinished exam?", detail, yes="Discard", no="Keep", default=False),
            answered,
        )

    def action_study(self) -> None:
        """Study every question (within the app's domain/tag filter)."""
        self.app.start_study(self.app.domain, self.app.tag)

    def action_due(self) -> None:
        """Study what is due, then new questions, in the schedule's order (within the filter)."""
        self.app.start_due(self.app.domain, self.app.tag)

    def action_simulations(self) -> None:
        """Browse every simulation and run any at its defaults."""
        from .sim_browser import SimBrowserScreen  # loads the simulations only when asked

        self.app.push_screen(SimBrowserScreen())

    def action_stats(self) -> None:
        """Readiness, the pass probability, and plots of your study."""
        from .stats import StatsScreen

        self.app.push_screen(StatsScreen())

    def action_misconceptions(self) -> None:
        """The requirements you break most often and the distractors you pick again."""
        from .misconceptions import MisconceptionsScreen

        self.app.push_screen(MisconceptionsScreen())

    def action_skipped(self) -> None:
        """Show which files were skipped and why."""
        if self.app.bank is not None and self.app.bank.skipped:
            self.app.push_screen(SkippedDialog(self.app.bank.skipped))

    @on(DataTable.RowSelected, "#domains")
    def study_row(self, event: DataTable.RowSelected) -> None:
        """Enter on a row studies that domain (or all of them)."""
        key = event.row_key.value
        self.app.start_study(None if key == ALL else key, self.app.tag)
