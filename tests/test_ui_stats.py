"""The stats and misconceptions screens (issue 14): a store filled through the core API with a frozen
clock, then the real app (make_app) driven with Pilot, and one SVG snapshot of each screen."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.binding import Binding
from textual.pilot import Pilot
from textual.widgets import OptionList, TabbedContent

from quizapp.bank import load_bank
from quizapp.memory import Memory
from quizapp.misconceptions import misconception_session
from quizapp.predictions import Predictions
from quizapp.readiness import save_plan
from quizapp.stats import Tally, activity
from quizapp.store import Answer, Store
from quizapp.ui import QuizApp, make_app
from quizapp.ui.dialogs.keys import COMMON, GUIDES, KeyGuide, key_label
from quizapp.ui.screens.home import HomeScreen
from quizapp.ui.screens.misconceptions import MisconceptionsScreen
from quizapp.ui.screens.question import QuestionScreen
from quizapp.ui.screens.simulation import SimulationScreen
from quizapp.ui.screens.stats import TABS, StatsScreen
from quizapp.ui.widgets.stats_calendar import calendar, shade, thresholds
from quizapp.ui.widgets.stats_plots import AccuracyPlot, CalibrationPlot, DuePlot, PredictionPlot, count_ticks

from .conftest import BUNDLED
from .test_snapshots import EXAM_BANK, WALL_START, Clock, frozen  # noqa: F401  (frozen: UTC, seeded)
from .test_ui import rendered_lines, text_of, wait_for_workers, wait_until
from .test_ui_exam import notices, recording

DAY = 86400.0
SMALL = (80, 24)
LARGE = (120, 40)
EXAM_DAY = date(2026, 12, 30)
"""30 days after the frozen wall clock's 2026-11-30 (a Monday)."""

HISTORY: list[tuple[int, str, str, int | None]] = [
    # (days before the frozen clock, question, 'right' / 'wrong' / an option id, confidence)
    (20, "ex-a1-path", "A", 3),
    (20, "ex-a3-scale", "right", 2),
    (20, "ex-s1-kv", "wrong", 1),
    (13, "ex-a1-path", "C", 2),
    (13, "ex-s1-kv", "wrong", 3),
    (13, "ex-a2-two", "right", 2),
    (12, "ex-s2-decode", "right", None),
    (6, "ex-a1-path", "A", 3),
    (6, "ex-a4-order", "wrong", 1),
    (5, "ex-s1-kv", "right", 2),
    (5, "ex-s3-prefill", "right", 3),
    (1, "ex-a3-scale", "right", 3),
    (0, "ex-a2-two", "wrong", None),
]
"""Three weeks of study on the exam fixture bank: ex-a1-path's A (it breaks 'global') picked twice
and C once, ex-s1-kv missed twice then answered right, ex-a2-two missed this morning."""


def studied(data_dir: Path, *, exam_date: date | None = EXAM_DAY) -> None:
    """Fill the store through the core API as the learner would have, each answer an hour before
    the frozen clock's time of day; three graded predictions; the exam date."""
    bank = load_bank(EXAM_BANK).bank
    assert bank is not None
    store = Store.in_dir(data_dir)
    clock = Clock(WALL_START)
    memory = Memory.for_bank(store, bank, wall=clock)
    try:
        for days, qid, pick, confidence in HISTORY:
            clock.now = WALL_START - days * DAY - 3600
            question = bank.question(qid)
            wrong = next(o for o in question.option_ids if o not in question.answers)
            chosen = {"right": sorted(question.answers), "wrong": [wrong]}.get(pick, [pick])
            memory.record(question, chosen, 60.0, confidence=confidence)
        predictions = Predictions(store, wall=clock)
        for holds, estimate, measured in ((True, 2.0, 2.2), (False, 10.0, 50.0), (True, 1.0, 1.0)):
            made = predictions.commit("rnn-gradient-decay", {}, holds, estimate=estimate, headline="ratio")
            predictions.grade(made, True, {"ratio": measured})
        if exam_date is not None:
            save_plan(store, exam_date=exam_date)
    finally:
        store.close()


def app_for(data_dir: Path, bank: Path = EXAM_BANK) -> QuizApp:
    """The real app with the frozen wall clock (stats are computed at WALL_START)."""
    return make_app(bank, data_dir, clock=Clock(), wall=Clock(WALL_START))


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


async def open_stats(pilot: Pilot[Any]) -> StatsScreen:
    """i on home, then wait until the worker's numbers are on screen."""
    await pilot.press("i")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, StatsScreen))
    screen = pilot.app.screen
    assert isinstance(screen, StatsScreen)
    await wait_for_workers(pilot)
    await wait_until(pilot, lambda: screen.computed is not None)
    return screen


def shown(app: QuizApp, selector: str) -> str:
    """What a widget of the current screen draws, line by line."""
    return rendered_lines(app.screen.query_one(selector))


def said(app: QuizApp, selector: str) -> str:
    """The text a Static of the current screen holds, drawn or not (a tab in the background)."""
    return text_of(app.screen.query_one(selector))


# -- the core series behind the plots --------------------------------------------------------------


def answer(qid: str, correct: bool, at: datetime) -> Answer:
    return Answer(0, None, qid, (), correct, 30.0, "study", at.timestamp())


def test_activity_counts_weeks_per_domain_and_days_up_to_today() -> None:
    bank = load_bank(EXAM_BANK).bank
    assert bank is not None
    now = datetime(2026, 11, 30, 9, 30, tzinfo=UTC)  # a Monday
    answers = [
        answer("ex-a1-path", True, now - timedelta(days=15)),  # Sunday two weeks ago
        answer("ex-a1-path", False, now - timedelta(days=7)),  # last Monday
        answer("ex-s1-kv", True, now - timedelta(days=6)),
        answer("ex-s1-kv", True, now - timedelta(days=1)),  # yesterday
        answer("ex-s1-kv", False, now - timedelta(hours=1)),  # today
        answer("gone-from-the-bank", True, now - timedelta(hours=1)),
        answer("ex-a1-path", True, now - timedelta(days=200)),  # before the span
    ]
    seen = activity(bank, answers, now, weeks=3, tz=UTC)
    assert seen.weeks == [date(2026, 11, 16), date(2026, 11, 23), date(2026, 11, 30)]
    assert seen.domains["attention"] == [Tally(0, 0), Tally(1, 0), Tally(0, 0)]
    assert seen.domains["serving"] == [Tally(0, 0), Tally(2, 2), Tally(1, 0)]
    assert [t.accuracy for t in seen.overall] == [None, 2 / 3, 0.0]
    assert seen.days[0] == (date(2026, 11, 16), 0) and seen.days[-1] == (date(2026, 11, 30), 1)
    assert len(seen.days) == 15 and seen.answered == 4 and seen.studied_days == 4
    assert seen.streak == 2 and seen.longest_streak == 2  # yesterday and today
    assert activity(bank, answers, now, weeks=4, tz=UTC).answered == 5  # the Sunday is in week 1 of 4
    with pytest.raises(ValueError):
        activity(bank, answers, now, weeks=0)


def test_counts_get_whole_ticks_and_the_calendar_shades_by_the_learners_own_quartiles() -> None:
    assert count_ticks(0) == [0.0, 1.0]
    assert count_ticks(3) == [0.0, 1.0, 2.0, 3.0]
    assert count_ticks(29) == [0.0, 10.0, 20.0, 30.0]
    assert all(t == int(t) for t in count_ticks(137))
    cuts = thresholds([0, 1, 2, 3, 4, 0, 8, 20])
    assert shade(1, cuts) == 0 and shade(20, cuts) == 3 and shade(4, cuts) < shade(20, cuts)
    assert thresholds([0, 0]) == []
    days = [(date(2026, 11, 2) + timedelta(days=i), i % 3) for i in range(29)]  # Monday to a Monday
    grid = str(calendar(days)).splitlines()
    assert grid[0].startswith("    Nov") and "Dec" not in grid[0]
    assert grid[1].startswith("Mon ") and grid[1].count("■") + grid[1].count("·") == 5  # five Mondays
    assert grid[7].startswith("Sun ") and len(grid[7].split()) == 5  # 'Sun' and four Sundays
    assert "less" in grid[-1] and "more" in grid[-1]


# -- the stats screen ------------------------------------------------------------------------------


async def test_stats_show_the_exam_date_pass_probability_domains_and_every_plot(data_dir: Path) -> None:
    studied(data_dir)
    app = app_for(data_dir)
    async with app.run_test(size=LARGE) as pilot:
        screen = await open_stats(pilot)
        exam = shown(app, "#stats-exam")
        assert "Exam on Wed 30 Dec 2026, 30 days away" in exam
        p = screen.computed.stats.pass_estimate  # type: ignore[union-attr]
        assert f"Pass probability {100 * p.estimate:.0f}%" in exam
        assert f"95% interval {100 * p.low:.0f}–{100 * p.high:.0f}%" in exam
        table = shown(app, "#stats-domains")
        for words in ("Attention mechanics", "Serving and inference", "All domains", "Readiness"):
            assert words in table
        assert f"{len(HISTORY)} answers" in shown(app, "#stats-notes")
        assert "Most broken requirement" in shown(app, "#stats-notes")

        plots = {"accuracy": AccuracyPlot, "due": DuePlot, "calibration": CalibrationPlot}
        plots["predictions"] = PredictionPlot
        for number, tab in enumerate(TABS, start=1):
            await pilot.press(str(number))
            await pilot.pause()
            assert app.screen.query_one(TabbedContent).active == tab
            if tab in plots:
                plot = app.screen.query_one(plots[tab])
                assert plot.display and plot.region.height >= 10
                drawn = rendered_lines(plot)
                assert "cannot be drawn" not in drawn
                assert ("today" if tab == "due" else "100%") in drawn
        assert "Studied on 7 of 78 days" in said(app, "#calendar-notes")
        assert "holds or fails right 2 of 3" in said(app, "#predictions-notes")
        await pilot.press("4")
        notes = shown(app, "#calibration-notes")
        assert "sure" in notes and ("calibrated" in notes or "confident" in notes)
        await pilot.press("3", "left")  # the tab bar has the focus: arrows move between tabs
        await pilot.pause()
        assert app.screen.query_one(TabbedContent).active == "accuracy"
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)


async def test_stats_before_any_answer_say_what_to_do_first(data_dir: Path) -> None:
    app = app_for(data_dir)
    async with app.run_test(size=SMALL) as pilot:
        await open_stats(pilot)
        assert "quizapp plan --exam-date YYYY-MM-DD" in shown(app, "#stats-exam")
        assert "Pass probability today" in shown(app, "#stats-exam")
        assert "No answers yet: press s on home to study." in shown(app, "#stats-notes")
        await pilot.press("2")
        await pilot.pause()
        assert "No answers yet: press s on home to study." in shown(app, "#accuracy-empty")
        assert not app.screen.query_one(AccuracyPlot).display
        await pilot.press("4")
        await pilot.pause()
        assert "No answer with a stated confidence yet" in shown(app, "#calibration-empty")
        await pilot.press("6")
        await pilot.pause()
        assert "No graded prediction yet" in shown(app, "#predictions-empty")


async def test_the_overview_fits_80x24_on_the_bundled_bank_and_comes_back_up_to_date(data_dir: Path) -> None:
    bank = load_bank(BUNDLED).bank
    assert bank is not None
    store = Store.in_dir(data_dir)
    memory = Memory.for_bank(store, bank, wall=Clock(WALL_START - DAY))
    for qid, _, _ in bank.questions.entries[:30]:
        question = bank.question(qid)
        memory.record(question, [question.option_ids[0]], 90.0, confidence=2)
    store.close()
    app = app_for(data_dir, BUNDLED)
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_stats(pilot)
        pane = screen.query_one("#overview .stats-pane")
        assert len(bank.manifest.domains) >= 8  # the doubled bank (issue 16), notes with a broken requirement
        assert pane.max_scroll_y == 0
        for part in ("#stats-exam", "#stats-domains", "#stats-notes"):  # nothing wraps or is cut off
            for line in shown(app, part).splitlines():
                assert len(line.rstrip()) <= 78
        rows = [line.rstrip() for line in shown(app, "#stats-domains").splitlines()[2:]]
        assert len(rows) == len(bank.manifest.domains) + 1 and all(row.endswith("%") for row in rows)
        assert "Most broken requirement" in shown(app, "#stats-notes")
        assert "All domains" in shown(app, "#stats-domains") and "Readiness" in shown(app, "#stats-domains")
        assert "30 answers" in shown(app, "#stats-notes")
        # an answer given in a session started from here is counted on coming back
        await pilot.press("m", "a")
        assert isinstance(app.screen, QuestionScreen)
        await pilot.press("a", "enter", "escape", "escape")
        assert app.screen is screen
        await wait_for_workers(pilot)
        await wait_until(pilot, lambda: "31 answers" in shown(app, "#stats-notes"))


async def test_a_failing_computation_is_shown_not_raised(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import quizapp.ui.screens.stats as stats_screen

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the store went away")

    monkeypatch.setattr(stats_screen, "build_stats", broken)
    app = app_for(data_dir)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("i")
        await wait_for_workers(pilot)
        assert isinstance(app.screen, StatsScreen)
        assert "could not be worked out: RuntimeError: the store went away" in shown(app, "#stats-error")
        assert not app.screen.query_one(TabbedContent).loading


# -- the misconceptions screen ---------------------------------------------------------------------


def options_of(app: QuizApp, selector: str) -> list[str]:
    listing = app.screen.query_one(selector, OptionList)
    return [str(listing.get_option_at_index(i).prompt) for i in range(listing.option_count)]


async def test_misconceptions_rank_and_open_questions_and_simulations(data_dir: Path) -> None:
    studied(data_dir)
    app = app_for(data_dir)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("w")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, MisconceptionsScreen)
        requirements = options_of(app, "#mis-requirements")
        assert len(requirements) == 1 and requirements[0].startswith("  3×")
        distractors = options_of(app, "#mis-distractors")
        assert [row[:4] for row in distractors] == ["  2×", "  2×", "  1×", "  1×", "  1×"]
        assert "One layer from first to last token" in distractors[0]  # picked A twice, still missed
        assert "✓ What a KV cache saves" in distractors[1]  # missed twice, answered right since
        assert "Broken 3× in 1 question" in said(app, "#mis-detail")
        assert "studies all 4 questions" in shown(app, "#mis-hint")

        await pilot.press("enter")  # the requirement: its question
        assert isinstance(app.screen, QuestionScreen)
        assert app.screen.label == "Misconceptions"
        assert [q.id for q in app.screen.session.questions] == ["ex-a1-path"]
        await pilot.press("escape")
        assert app.screen is screen

        await pilot.press("tab", "down")  # the distractors, second row: ex-s1-kv
        await pilot.pause()
        assert "What a KV cache saves" in said(app, "#mis-detail")
        assert "answered right since" in said(app, "#mis-detail")
        await pilot.press("enter")
        assert [q.id for q in app.screen.session.questions] == ["ex-s1-kv"]  # type: ignore[attr-defined]
        await pilot.press("escape", "a")
        session = misconception_session(app.bank, app.store)  # type: ignore[arg-type]
        assert [q.id for q in app.screen.session.questions] == session  # type: ignore[attr-defined]
        assert session[:2] == ["ex-a1-path", "ex-s1-kv"]  # those picked again first
        await pilot.press("escape")

        await pilot.press("s")  # ex-s1-kv's wrong option has no simulation: the question's own one
        assert isinstance(app.screen, SimulationScreen)
        assert app.screen.simulation.id == "kv-cache-equivalence"
        await wait_for_workers(pilot)
        await pilot.press("escape", "shift+tab", "s")  # the requirement: the sim of the option that broke it
        assert isinstance(app.screen, SimulationScreen)
        assert app.screen.simulation.id == "rnn-gradient-decay"
        await wait_for_workers(pilot)
        await pilot.press("escape")
        assert app.screen is screen


async def test_misconceptions_before_any_wrong_pick_say_what_to_do(data_dir: Path) -> None:
    app = recording(app_for(data_dir))
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("w")
        assert isinstance(app.screen, MisconceptionsScreen)
        assert "No answers yet: press s on home to study." in shown(app, "#mis-empty")
        assert not app.screen.query_one("#mis-distractors").display
        await pilot.press("a")
        assert "No wrong picks yet: s on home starts studying." in notices(app)
        assert isinstance(app.screen, MisconceptionsScreen)


async def test_stats_open_misconceptions_and_the_palette_reaches_both(data_dir: Path) -> None:
    studied(data_dir)
    app = app_for(data_dir)
    async with app.run_test(size=SMALL) as pilot:
        titles = {c.title: c.help for c in app.get_system_commands(app.screen)}
        assert titles["Stats"].endswith("(i on the home screen)")
        assert titles["Misconceptions"].endswith("(w on the home screen)")
        await open_stats(pilot)
        await pilot.press("m")
        assert isinstance(app.screen, MisconceptionsScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, StatsScreen)
        await app.run_mode("misconceptions")  # goes home first, then w
        await pilot.pause()
        assert isinstance(app.screen, MisconceptionsScreen)
        assert isinstance(app.screen_stack[-2], HomeScreen)
        await app.run_mode("stats")
        await wait_for_workers(pilot)
        assert isinstance(app.screen, StatsScreen)


# -- the key guide ----------------------------------------------------------------------------------


@pytest.mark.parametrize("screen", [StatsScreen, MisconceptionsScreen])
def test_every_key_of_the_new_screens_has_words_in_the_guide(screen: type[Any]) -> None:
    words = {**COMMON, **GUIDES[screen.__name__].keys}
    for binding in Binding.make_bindings(screen.BINDINGS):
        assert binding.id in words, f"{screen.__name__}: {binding.id} has no words in the key guide"


async def test_the_guide_explains_the_tabs_and_the_rows(data_dir: Path) -> None:
    studied(data_dir)
    app = app_for(data_dir)
    async with app.run_test(size=SMALL) as pilot:
        await open_stats(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, KeyGuide)
        lines = {key_label(row.keys): row.words for row in app.screen.rows}
        assert lines["1"].startswith("the Overview tab") and lines["6"].startswith("the Predictions tab")
        assert lines["←"] == "the tab to the left" and lines["m"].startswith("your misconceptions")
        await pilot.press("escape", "escape", "w", "question_mark")
        lines = {key_label(row.keys): row.words for row in app.screen.rows}  # type: ignore[attr-defined]
        assert lines["Enter"].startswith("study the highlighted row")
        assert lines["a"].startswith("study every question with a wrong pick")
        assert text_of(app.screen.query_one("#keys-intro")).startswith("Every wrong pick is recorded")


# -- snapshots ------------------------------------------------------------------------------------


def test_stats_snapshot(snap_compare: Any, data_dir: Path) -> None:
    studied(data_dir)
    assert snap_compare(app_for(data_dir), terminal_size=LARGE, run_before=open_stats)


def test_misconceptions_snapshot(snap_compare: Any, data_dir: Path) -> None:
    studied(data_dir)

    async def open_misconceptions(pilot: Pilot[Any]) -> None:
        await pilot.press("w", "tab")
        await pilot.pause()

    assert snap_compare(app_for(data_dir), terminal_size=SMALL, run_before=open_misconceptions)


async def test_the_plots_are_drawn_again_in_a_new_theme(data_dir: Path) -> None:
    studied(data_dir)
    app = app_for(data_dir)
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_stats(pilot)
        drawn: list[str] = []
        show_all = screen.show_all
        screen.show_all = lambda: drawn.append(app.theme) or show_all()  # type: ignore[method-assign,func-returns-value]
        app.theme = "nord"
        await pilot.pause()
        assert drawn == ["nord"]
        await pilot.press("3")
        await pilot.pause()
        assert "today" in rendered_lines(screen.query_one(DuePlot))
