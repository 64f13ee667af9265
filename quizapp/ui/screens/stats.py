"""Stats: readiness per domain and the pass probability with its 95% interval, then plots of accuracy
per domain week by week, the due forecast, calibration, a study calendar and predictions, one tab each.

The numbers come from :func:`quizapp.stats.build_stats`, which draws 4,000 simulated exams (about
0.2 s on the bundled bank): too slow for the main thread, so a thread worker computes them with a
store of its own on the same data file (a :class:`~quizapp.store.Store` is one SQLite connection,
bound to the thread that opened it) and posts them back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static, TabbedContent, TabPane, Tabs
from textual.worker import Worker, WorkerState, get_current_worker

from ...history import plural
from ...stats import Activity, Stats, activity, build_stats
from ...store import Store
from ...study.due import DueForecast, forecast, local_date
from ...study.rating import CBM_BANDS, CONFIDENCE_NAMES
from ..widgets.plot_colours import hex_colour
from ..widgets.stats_calendar import StudyCalendar
from ..widgets.stats_overview import NO_ANSWERS, domain_table, exam_lines, overview_notes, pack, percent
from ..widgets.stats_plots import (
    AccuracyPlot,
    CalibrationPlot,
    DuePlot,
    PredictionPlot,
    domain_colour,
)

if TYPE_CHECKING:
    from ..app import QuizApp

TABS = ("overview", "accuracy", "due", "calibration", "calendar", "predictions")
"""The tabs, in order; keys 1–6 open them."""
WEEKS = 12
"""How many weeks the accuracy plot and the calendar go back."""
FORECAST_DAYS = 14


@dataclass(frozen=True)
class Computed:
    """What the worker works out: the stats, the weeks of activity and a two-week due forecast."""

    stats: Stats
    activity: Activity
    due: DueForecast


class StatsScreen(Screen[None]):
    """Readiness, the pass probability and five plots, one tab each; numbers computed in a thread."""

    BINDINGS = [
        Binding("escape", "back", "Back", id="stats.back"),
        Binding("m", "misconceptions", "Misconceptions", id="stats.misconceptions"),
        *(
            Binding(str(n), f"show_tab('{tab}')", tab.capitalize(), show=False, id=f"stats.{tab}")
            for n, tab in enumerate(TABS, start=1)
        ),
        Binding("down", "scroll(1)", "Scroll down", show=False, id="stats.down"),
        Binding("up", "scroll(-1)", "Scroll up", show=False, id="stats.up"),
        Binding("pagedown", "scroll(10)", "Page down", show=False, id="stats.pagedown"),
        Binding("pageup", "scroll(-10)", "Page up", show=False, id="stats.pageup"),
    ]

    app: QuizApp

    class Ready(Message):
        """The worker's numbers, ready to show."""

        def __init__(self, computed: Computed) -> None:
            super().__init__()
            self.computed = computed

    def __init__(self) -> None:
        super().__init__()
        self.computed: Computed | None = None
        self.worker: Worker[None] | None = None

    def compose(self) -> ComposeResult:
        """Title, the tabs (each pane scrolls when the terminal is short), and the footer."""
        yield Static(
            Content.assemble(("Stats", "bold"), ("  ·  ", "dim"), self.app.bank_title),
            id="stats-title",
            classes="title-bar",
        )
        yield Static(id="stats-error")
        with TabbedContent(id="stats-tabs"):
            with TabPane("1 Overview", id="overview"), VerticalScroll(classes="stats-pane", can_focus=False):
                yield Static(id="stats-exam")
                yield Static(id="stats-domains")
                yield Static(id="stats-notes")
            with TabPane("2 Accuracy", id="accuracy"), VerticalScroll(classes="stats-pane", can_focus=False):
                yield Static(Content.styled("Accuracy per week, by domain", "bold"), classes="stats-caption")
                yield Static(id="accuracy-empty", classes="stats-empty")
                yield AccuracyPlot(id="accuracy-plot", classes="stats-plot")
                yield Static(id="accuracy-legend")
            with TabPane("3 Due", id="due"), VerticalScroll(classes="stats-pane", can_focus=False):
                yield Static(id="due-caption", classes="stats-caption")
                yield DuePlot(id="due-plot", classes="stats-plot")
                yield Static(id="due-notes")
            with (
                TabPane("4 Calibration", id="calibration"),
                VerticalScroll(classes="stats-pane", can_focus=False),
            ):
                yield Static(
                    Content.assemble(
                        ("Right at each confidence", "bold"),
                        ("  (the box: where that level earns the best marks)", "dim"),
                    ),
                    classes="stats-caption",
                )
                yield Static(id="calibration-empty", classes="stats-empty")
                yield CalibrationPlot(id="calibration-plot", classes="stats-plot")
                yield Static(id="calibration-notes")
            with TabPane("5 Calendar", id="calendar"), VerticalScroll(classes="stats-pane", can_focus=False):
                yield Static(id="calendar-caption", classes="stats-caption")
                yield StudyCalendar(id="calendar-grid")
                yield Static(id="calendar-notes")
            with (
                TabPane("6 Predictions", id="predictions"),
                VerticalScroll(classes="stats-pane", can_focus=False),
            ):
                yield Static(id="predictions-caption", classes="stats-caption")
                yield Static(id="predictions-empty", classes="stats-empty")
                yield PredictionPlot(id="predictions-plot", classes="stats-plot")
                yield Static(id="predictions-notes")
        yield Footer()

    def on_mount(self) -> None:
        """Cover the tabs with a loading indicator until the numbers arrive."""
        self.query_one("#stats-error").display = False
        self.query_one("#stats-tabs", TabbedContent).loading = True
        # the plots take their colours from the theme when drawn: draw again in the new one
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.show_all())

    def on_screen_resume(self) -> None:
        """Work the numbers out on arrival and again on coming back (a session may have added answers)."""
        self.refresh_stats()

    def refresh_stats(self) -> None:
        """Start the worker (a newer start replaces a running one)."""
        if self.app.bank is not None:
            self.worker = self.compute()

    @work(thread=True, exclusive=True, exit_on_error=False, group="stats", description="compute the stats")
    def compute(self) -> None:
        """Build the stats on a store of this thread's own; post them unless cancelled meanwhile."""
        bank = self.app.bank
        assert bank is not None
        worker = get_current_worker()
        store = Store(self.app.store.path)
        try:
            stats = build_stats(bank, store, wall=self.app.exams.wall)
            weeks = activity(bank, store.answers(), stats.now, weeks=WEEKS)
        finally:
            store.close()
        cards = {q.id: q.card for q in stats.questions if q.card is not None}
        due = forecast(cards, [q.id for q in stats.questions], stats.now, days=FORECAST_DAYS)
        if not worker.is_cancelled:
            self.post_message(self.Ready(Computed(stats, weeks, due)))

    @on(Worker.StateChanged)
    def worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place a failure of the worker is turned into something on screen."""
        if event.worker is not self.worker or event.state != WorkerState.ERROR:
            return
        error = event.worker.error
        panel = self.query_one("#stats-error", Static)
        panel.update(
            Content.assemble(
                ("The stats could not be worked out: ", "bold $text-error"),
                f"{type(error).__name__}: {error}",
            )
        )
        panel.display = True
        self.query_one("#stats-tabs", TabbedContent).loading = False

    @on(Ready)
    def ready(self, event: Ready) -> None:
        """Fill every tab."""
        self.computed = event.computed
        self.query_one("#stats-error").display = False
        self.query_one("#stats-tabs", TabbedContent).loading = False
        if self.focused is None:  # the loading cover kept the focus away: the arrows move between tabs
            self.query_one(Tabs).focus()
        self.show_all()

    def show_all(self) -> None:
        """Fill every tab from the latest numbers (none yet: nothing to do)."""
        computed = self.computed
        if computed is None:
            return
        stats = computed.stats
        self.show_overview()
        self.show_accuracy(computed)
        self.show_due(computed.due)
        self.show_calibration(stats)
        self.show_calendar(computed.activity)
        self.show_predictions(stats)

    def on_resize(self) -> None:
        """Fit the overview and the legend to the new width."""
        if self.computed is not None:
            self.show_overview()
            self.show_legend()

    def show_overview(self) -> None:
        """The exam lines, the domain table and the notes, each as wide as the pane allows."""
        if self.computed is None:
            return
        stats = self.computed.stats
        exam = self.query_one("#stats-exam", Static)
        width = exam.size.width or self.size.width - 2
        exam.update(exam_lines(stats, local_date(stats.now), width))
        self.query_one("#stats-domains", Static).update(domain_table(stats, width))
        self.query_one("#stats-notes", Static).update(overview_notes(stats, width))

    def show_empty(self, name: str, message: Content | None) -> None:
        """A tab's plot, or instead a line that says what to do first."""
        empty = self.query_one(f"#{name}-empty", Static)
        empty.display = message is not None
        if message is not None:
            empty.update(message)
        self.query_one(f"#{name}-plot").display = message is None

    def show_accuracy(self, computed: Computed) -> None:
        """The accuracy plot and its legend: one colour per domain, all domains in the text colour."""
        weeks = computed.activity
        stats = computed.stats
        has_answers = weeks.answered > 0
        self.show_empty(
            "accuracy",
            None
            if has_answers
            else Content.assemble(NO_ANSWERS, f" Accuracy shows here week by week (the last {WEEKS} weeks)."),
        )
        self.query_one("#accuracy-legend").display = has_answers
        if not has_answers:
            return
        ids = [d.id for d in stats.domains]
        self.query_one(AccuracyPlot).draw(weeks.weeks, weeks.overall, [weeks.domains.get(i, []) for i in ids])
        self.show_legend()

    def show_legend(self) -> None:
        """The accuracy plot's legend: each domain in its colour with its answers, as many to a line
        as fit (an entry never breaks across lines)."""
        if self.computed is None:
            return
        weeks, stats = self.computed.activity, self.computed.stats
        legend = self.query_one("#accuracy-legend", Static)
        entries: list[Content] = [Content.styled("━━ all domains", "bold")]
        plot = self.query_one(AccuracyPlot)
        for index, d in enumerate(stats.domains):
            answered = sum(t.answered for t in weeks.domains.get(d.id, []))
            if not answered:  # no line of its own to name
                continue
            entries.append(
                Content.assemble(
                    ("━━", hex_colour(plot.readable(domain_colour(index)))),  # as the plot draws it
                    f" {d.title}",
                    (f" ({answered})", "dim"),
                )
            )
        legend.update(pack(entries, legend.size.width or self.size.width - 2))

    def show_due(self, due: DueForecast) -> None:
        """Cards due today and on each of the next two weeks."""
        self.query_one("#due-caption", Static).update(
            Content.assemble(("Cards due per day", "bold"), ("  (today counts the overdue ones too)", "dim"))
        )
        self.query_one(DuePlot).draw(due.today, due.days)
        week = sum(n for _, n in due.days[:7])
        line = Content.assemble(
            ("Due today ", "bold"),
            (str(due.today), "bold $text-accent"),
            f" · next 7 days {week} · next {FORECAST_DAYS} days {due.week}",
            f" · {plural(due.new, 'question')} never answered",
        )
        never = self.computed is not None and due.new == len(self.computed.stats.questions)
        self.query_one("#due-notes", Static).update(Content("\n").join([line, NO_ANSWERS]) if never else line)

    def show_calibration(self, stats: Stats) -> None:
        """The calibration plot, one line per level with its verdict, and the certainty-based marks."""
        stated = [level for level in stats.calibration if level.answered]
        self.show_empty(
            "calibration",
            None
            if stated
            else Content(
                "No answer with a stated confidence yet: say how sure you are before you submit"
                " (unsure, fairly sure, sure), and this shows whether your 'sure' is right as often as it should be."
            ),
        )
        if stated:
            self.query_one(CalibrationPlot).draw(stats.calibration)
        styles = {
            "calibrated": "$text-success",
            "over-confident": "$text-error",
            "under-confident": "$text-warning",
        }
        lines = []
        for level in stated:
            low, high = CBM_BANDS[level.confidence]
            lines.append(
                Content.assemble(
                    (f"{CONFIDENCE_NAMES[level.confidence]:<12}", "bold"),
                    f"{plural(level.answered, 'answer'):>11}  {percent(level.accuracy):>4} right",
                    (f"  best at {percent(low)}–{percent(high)}  ", "dim"),
                    (level.verdict, styles.get(level.verdict, "")),
                )
            )
        cbm = stats.cbm
        if cbm.mean is not None and stated:
            lines.append(
                Content.styled(
                    f"Certainty-based marks: {cbm.total:+d} over {plural(cbm.answered, 'answer')}"
                    f" (mean {cbm.mean:+.2f}, best +3 per answer)",
                    "dim",
                )
            )
        self.query_one("#calibration-notes", Static).update(Content("\n").join(lines))

    def show_calendar(self, weeks: Activity) -> None:
        """The calendar of the last weeks, and streaks."""
        self.query_one("#calendar-caption", Static).update(
            Content.assemble(("Answers per day", "bold"), (f"  (the last {WEEKS} weeks)", "dim"))
        )
        self.query_one(StudyCalendar).show(weeks.days)
        if not weeks.answered:
            notes = NO_ANSWERS
        else:
            busiest_day, busiest = max(weeks.days, key=lambda pair: pair[1])
            notes = Content.assemble(
                (f"Studied on {weeks.studied_days} of {len(weeks.days)} days", "bold"),
                f" · {plural(weeks.answered, 'answer')} · streak {plural(weeks.streak, 'day')}"
                f" (longest {weeks.longest_streak})",
                f" · busiest {busiest_day:%b} {busiest_day.day} ({busiest})",
            )
        self.query_one("#calendar-notes", Static).update(notes)

    def show_predictions(self, stats: Stats) -> None:
        """How often predictions were right, and the latest few."""
        plot = self.query_one(PredictionPlot)
        self.query_one("#predictions-caption", Static).update(
            Content.assemble(  # each line's glyph in the colour the plot draws it (the theme's), the words not
                ("Predictions right so far", "bold"),
                ("  ━", f"bold {hex_colour(plot.holds_rgb())}"),
                " holds or fails",
                ("  ━", f"bold {hex_colour(plot.estimate_rgb())}"),
                " estimates within tolerance",
            )
        )
        s = stats.prediction_summary
        self.show_empty(
            "predictions",
            None
            if s.graded
            else Content(
                "No graded prediction yet: before a simulation runs, commit whether its claim will hold"
                " (and, if you like, an estimate of the number it measures); the run grades it."
            ),
        )
        if not s.graded:
            self.query_one("#predictions-notes", Static).update("")
            return
        self.query_one(PredictionPlot).draw(stats.predictions)
        lines = [
            Content.assemble(
                (f"{plural(s.made, 'prediction')}, {s.graded} graded: ", "bold"),
                f"holds or fails right {s.holds_right} of {s.graded} ({percent(s.holds_accuracy)})",
                f"; estimates within tolerance {s.estimates_right} of {s.estimates} ({percent(s.estimate_accuracy)})"
                if s.estimates
                else "",
            )
        ]
        for p in [p for p in stats.predictions if p.graded is not None][-3:]:
            said = "holds" if p.holds else "fails"
            was = "held" if p.actual_holds else "failed"
            lines.append(
                Content.assemble(
                    ("✓ " if p.holds_right else "✗ ", "$text-success" if p.holds_right else "$text-error"),
                    (p.sim_id, "bold"),
                    f": you said it {said}, it {was}",
                    f"; estimate {p.estimate:g} against {p.actual_value:g}"
                    f" {'within' if p.estimate_right else 'outside'} tolerance"
                    if p.estimate is not None and p.actual_value is not None
                    else "",
                )
            )
        self.query_one("#predictions-notes", Static).update(Content("\n").join(lines))

    def action_show_tab(self, tab: str) -> None:
        """Open a tab by its number."""
        self.query_one("#stats-tabs", TabbedContent).active = tab

    def action_scroll(self, lines: int) -> None:
        """Scroll the open tab (when it is taller than the terminal)."""
        tabs = self.query_one("#stats-tabs", TabbedContent)
        pane = tabs.get_pane(tabs.active).query_one(".stats-pane", VerticalScroll)
        pane.scroll_relative(y=lines, animate=False)

    def action_misconceptions(self) -> None:
        """The requirements you break and the distractors you pick again."""
        from .misconceptions import MisconceptionsScreen

        self.app.push_screen(MisconceptionsScreen())

    def action_back(self) -> None:
        """Back to where the stats were opened."""
        self.dismiss(None)
