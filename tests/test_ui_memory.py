"""Pilot tests of the learning loop in the TUI (issue 14): every study answer rated and scheduled,
1-4 overriding the rating on the feedback, u saying how sure before submitting (study and exams),
the due session (home d, `study --due`), home's due line and readiness, and certainty-based marks.

Both clocks are frozen: the study/exam clock (``clock=``) and the wall clock answers are stamped
with and the schedule is read at (``wall=``); dates are read in UTC."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from quizapp.bank import load_bank
from quizapp.memory import Memory, study_order
from quizapp.readiness import save_plan
from quizapp.store import Store, StoreError
from quizapp.study.rating import CONFIDENCE_NAMES
from quizapp.ui import QuizApp, make_app
from quizapp.ui.dialogs.keys import KeyGuide, key_label
from quizapp.ui.dialogs.summary import SummaryDialog
from quizapp.ui.screens.exam import ExamScreen
from quizapp.ui.screens.exam_results import ExamResultsScreen
from quizapp.ui.screens.home import HomeScreen
from quizapp.ui.screens.question import QuestionScreen
from quizapp.ui.widgets import outlook as outlook_module
from quizapp.ui.widgets.outlook import due_when, sparkline
from quizapp.ui.widgets.question_text import CONFIDENCE_WORDS, next_confidence

from .conftest import Clock
from .test_ui import FIXTURE, keys, text_of, wait_until
from .test_ui_exam import EXAM_BANK, notices, recording

SIZE = (100, 40)
DAY = 86400.0
WALL_START = datetime(2026, 11, 30, 9, 30, tzinfo=UTC).timestamp()  # a Monday


@pytest.fixture(autouse=True)
def utc() -> Iterator[None]:
    """Local dates are UTC dates, so 'in 4 days (Fri 4 Dec)' does not depend on the machine."""
    was = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    yield
    if was is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = was
    time.tzset()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def app_for(bank: Path, data_dir: Path, wall: Clock | None = None, **options: Any) -> QuizApp:
    """The real app with both clocks frozen (``wall`` shared with the test when given)."""
    return recording(make_app(bank, data_dir, clock=Clock(), wall=wall or Clock(WALL_START), **options))


def answers(data_dir: Path) -> list[Any]:
    """Every stored answer, read through a second connection."""
    store = Store.in_dir(data_dir)
    try:
        return store.answers()
    finally:
        store.close()


def rating_text(app: QuizApp) -> str:
    return text_of(app.screen.query_one("#q-rating", Static))


async def counted(pilot: Pilot[Any]) -> HomeScreen:
    """Home, once its worker has counted what is due (a fresh count after coming back to it)."""
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, HomeScreen))
    screen = pilot.app.screen
    assert isinstance(screen, HomeScreen)
    await wait_until(pilot, lambda: screen.outlook is not None and not screen.workers)
    await pilot.pause()
    return screen


def due_text(screen: HomeScreen) -> str:
    return text_of(screen.query_one("#due-line", Static))


# -- every study answer is rated and scheduled ---------------------------------------------------------


async def test_a_study_answer_is_rated_scheduled_and_on_disk_before_the_verdict(data_dir: Path) -> None:
    app = app_for(FIXTURE, data_dir)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        screen = app.screen
        assert isinstance(screen, QuestionScreen) and screen.question.id == "ui-single"
        app.clock.advance(45)  # type: ignore[union-attr]
        await pilot.press(*keys(app, "B"), "enter")
        await pilot.pause()
        [stored] = answers(data_dir)
        assert (stored.question_id, stored.correct, stored.rating, stored.scheduled) == (
            "ui-single",
            True,
            3,
            False,
        )
        assert stored.seconds == 45 and stored.answered_at == WALL_START and stored.mode == "study"
        card = Memory(Store.in_dir(data_dir)).card("ui-single")
        assert card is not None and card.due > datetime.fromtimestamp(WALL_START, UTC)
        assert screen.recorded is not None and screen.recorded.answer_id == stored.id
        days = round((card.due.timestamp() - WALL_START) / DAY)
        line = rating_text(app)
        assert line == f"Rated Good: right in 45 s · next review in {days} days"


async def test_1_to_4_on_the_feedback_override_the_rating_and_move_the_next_review(data_dir: Path) -> None:
    app = app_for(FIXTURE, data_dir)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        await pilot.press(*keys(app, "A"))  # wrong on purpose
        screen = app.screen
        assert isinstance(screen, QuestionScreen)
        await pilot.press("1")  # 1 is option A again, not a rating
        assert screen.session.selection == {screen.session.shown.option_id(0)}
        await pilot.press(*keys(app, "A"), "enter")
        await pilot.pause()
        assert rating_text(app) == "Rated Again: wrong in 0 s · next review tomorrow"
        [stored] = answers(data_dir)
        await pilot.press("4")
        assert rating_text(app).startswith("You rated it Easy (automatic: Again) · next review in ")
        assert "tomorrow" not in rating_text(app)
        assert answers(data_dir)[0].rating_override == 4
        await pilot.press("2")
        assert rating_text(app).startswith("You rated it Hard (automatic: Again)")
        assert answers(data_dir)[0].rating_override == 2
        await pilot.press("1")  # the automatic rating's own number puts it back
        assert rating_text(app) == "Rated Again: wrong in 0 s · next review tomorrow"
        assert answers(data_dir)[0].rating_override is None
        assert [a.id for a in answers(data_dir)] == [stored.id]  # rating never adds an answer
        assert screen.session.submitted is not None and len(screen.session.results) == 1


async def test_digits_past_four_and_u_after_submitting_say_why(data_dir: Path) -> None:
    app = app_for(FIXTURE, data_dir)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        await pilot.press(*keys(app, "B"), "enter")
        await pilot.pause()
        await pilot.press("5", "u")
        said = notices(app)
        assert "Your answer is submitted: Enter or n goes to the next question." in said
        assert "Say how sure you are before submitting; 1-4 rate the answer now." in said


async def test_a_rating_that_cannot_be_saved_says_so(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = app_for(FIXTURE, data_dir)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        await pilot.press(*keys(app, "B"), "enter")
        await pilot.pause()
        before = rating_text(app)

        def broken(*_: Any) -> None:
            raise StoreError("cannot write to the data file x: disk full")

        monkeypatch.setattr(app.memory, "override", broken)
        await pilot.press("4")
        assert "Your rating was not saved: cannot write to the data file x: disk full" in notices(app)
        assert rating_text(app) == before


# -- confidence --------------------------------------------------------------------------------------


def test_u_cycles_through_the_three_levels_and_back_to_not_said() -> None:
    assert [next_confidence(level) for level in (None, 1, 2, 3)] == [1, 2, 3, None]
    assert CONFIDENCE_WORDS == CONFIDENCE_NAMES  # the widget's copy of the core's names


async def test_u_says_how_sure_on_the_status_line_and_the_answer_keeps_it(data_dir: Path) -> None:
    app = app_for(FIXTURE, data_dir)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        screen = app.screen
        assert isinstance(screen, QuestionScreen)
        status = screen.query_one("#q-count", Static)
        assert not status.display  # a single-answer question: nothing to say yet
        await pilot.press("u")
        assert status.display and text_of(status) == "you are unsure  (u changes it)"
        await pilot.press("u", "u")
        assert text_of(status) == "you are sure  (u changes it)"
        await pilot.press("u")
        assert not status.display and screen.session.confidence is None
        await pilot.press("u", "u", *keys(app, "B"), "enter")  # fairly sure, and right
        await pilot.pause()
        assert answers(data_dir)[0].confidence == 2
        assert rating_text(app).startswith("Rated Good: right in 0 s, fairly sure · ")
        await pilot.press("n")  # the choose-two question: the count line and the confidence
        await pilot.press("u", "u", "u")
        assert text_of(screen.query_one("#q-count", Static)).splitlines() == [
            "0 of 2 chosen  ·  all or nothing: both picks must be right",
            "you are sure  (u changes it)",
        ]
        assert screen.session.confidence == 3


async def test_a_sure_wrong_answer_is_again_and_a_slow_right_one_is_hard(data_dir: Path) -> None:
    app = app_for(FIXTURE, data_dir)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s", "u", "u", "u")
        await pilot.press(*keys(app, "A"), "enter")
        await pilot.pause()
        assert rating_text(app).startswith("Rated Again: wrong in 0 s, sure · ")
        await pilot.press("n")
        app.clock.advance(200)  # type: ignore[union-attr]  # over 1.5x the typical 90 s
        await pilot.press(*keys(app, "A", "C"), "enter")
        await pilot.pause()
        assert rating_text(app).startswith(
            "Rated Hard: right in 3 min 20 s, over 1.5× the typical 1 min 30 s · "
        )
        assert [a.rating for a in answers(data_dir)] == [1, 2]


# -- the due session ------------------------------------------------------------------------------------


async def test_study_due_opens_in_the_schedules_order_and_records_scheduled_reviews(data_dir: Path) -> None:
    wall = Clock(WALL_START)
    bank = load_bank(EXAM_BANK).bank
    assert bank is not None
    store = Store.in_dir(data_dir)
    memory = Memory.for_bank(store, bank, wall=wall)
    memory.record(bank.question("ex-s1-kv"), ["B"], 30)  # wrong yesterday: due today
    wall.advance(DAY)
    expected = study_order(bank, store, wall=wall)
    store.close()
    assert expected[0] == "ex-s1-kv" and len(expected) == len(bank.questions)

    app = app_for(EXAM_BANK, data_dir, wall, start="study", due=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, QuestionScreen))
        screen = app.screen
        assert isinstance(screen, QuestionScreen) and screen.scheduled and screen.label == "Due"
        assert [q.id for q in screen.session.questions] == expected
        assert text_of(screen.query_one("#q-header", Static)).startswith("Due  ·  1 / 7")
        await pilot.press(*keys(app, *screen.question.answers), "enter")
        await pilot.pause()
        latest = answers(data_dir)[-1]
        assert (latest.question_id, latest.scheduled, latest.correct) == ("ex-s1-kv", True, True)


async def test_home_d_starts_the_due_session_and_practice_stays_practice(data_dir: Path) -> None:
    app = app_for(FIXTURE, data_dir)
    async with app.run_test(size=SIZE) as pilot:
        home = await counted(pilot)
        await pilot.press("d")
        screen = app.screen
        assert isinstance(screen, QuestionScreen) and screen.scheduled
        await pilot.press(*keys(app, *screen.question.answers), "enter", "escape")
        home = await counted(pilot)
        assert home is app.screen
        await pilot.press("s")  # plain study: practice outside the schedule
        screen = app.screen
        assert isinstance(screen, QuestionScreen) and not screen.scheduled
        await pilot.press(*keys(app, *screen.question.answers), "enter")
        await pilot.pause()
        assert [a.scheduled for a in answers(data_dir)] == [True, False]


async def test_with_nothing_due_and_nothing_new_home_and_d_say_when_the_next_review_is(
    data_dir: Path,
) -> None:
    wall = Clock(WALL_START)
    app = app_for(FIXTURE, data_dir, wall)
    async with app.run_test(size=SIZE) as pilot:
        home = await counted(pilot)
        assert due_text(home) == "Nothing due today · 2 new  — d studies them"
        await pilot.press("d")
        for _ in range(2):
            screen = app.screen
            assert isinstance(screen, QuestionScreen)
            await pilot.press(*keys(app, *screen.question.answers), "enter", "n")
        await pilot.press("escape")  # the summary
        home = await counted(pilot)
        line = due_text(home)
        assert line.startswith("Nothing due or new · next review ")
        assert "next 7 days " in line and "d studies" not in line
        cards = app.memory.cards()
        first = min(c.due for c in cards.values())
        assert due_when(first, app.memory.now()) in line
        await pilot.press("d")
        assert isinstance(app.screen, HomeScreen)
        assert (
            f"Nothing is due and nothing is new: the next review is due {due_when(first, app.memory.now())}."
            in (notices(app))
        )

        wall.advance(30 * DAY)  # a month later both are due again
        await pilot.press("t", "escape")  # back on home: counted afresh
        home = await counted(pilot)
        assert due_text(home).startswith("Due today 2 · next 7 days none  — d studies them")


def test_due_words_and_the_sparkline() -> None:
    now = datetime(2026, 11, 30, 9, 30, tzinfo=UTC)
    assert due_when(datetime(2026, 11, 29, tzinfo=UTC), now) == "now"
    assert due_when(datetime(2026, 11, 30, 20, tzinfo=UTC), now) == "later today"
    assert due_when(datetime(2026, 12, 1, 9, tzinfo=UTC), now) == "tomorrow"
    assert due_when(datetime(2026, 12, 4, 9, tzinfo=UTC), now) == "in 4 days (Fri 4 Dec)"
    assert sparkline([0, 1, 0, 7, 3, 0, 0]) == "▁▂▁█▄▁▁"
    assert sparkline([0] * 7) == "▁" * 7


async def test_home_counts_after_the_first_frame_and_shows_readiness_with_an_exam_date(
    data_dir: Path,
) -> None:
    store = Store.in_dir(data_dir)
    save_plan(store, exam_date=date(2026, 12, 20))
    store.close()
    app = app_for(EXAM_BANK, data_dir)
    async with app.run_test(size=SIZE) as pilot:
        home = await counted(pilot)
        assert due_text(home) == "Nothing due today · 7 new  — d studies them"
        line = home.query_one("#readiness-line", Static)
        assert line.display
        outlook = home.outlook
        assert outlook is not None and outlook.passing is not None and outlook.readiness == pytest.approx(0.5)
        passing = outlook.passing
        assert text_of(line) == (
            f"Exam Sun 20 Dec, in 20 days · readiness 50% · pass probability {100 * passing.estimate:.0f}%"
            f" ({100 * passing.low:.0f}–{100 * passing.high:.0f}%)"
        )


async def test_no_readiness_line_without_an_exam_date_or_once_it_has_passed(data_dir: Path) -> None:
    app = app_for(EXAM_BANK, data_dir)
    async with app.run_test(size=SIZE) as pilot:
        home = await counted(pilot)
        assert not home.query_one("#readiness-line").display
        save_plan(app.store, exam_date=date(2026, 11, 1))
        await pilot.press("t", "escape")
        home = await counted(pilot)
        assert not home.query_one("#readiness-line").display and home.outlook is not None
        assert home.outlook.exam_date is None


async def test_a_count_that_fails_says_so_on_the_due_line(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: Any) -> None:
        raise StoreError("cannot read the data file x: it is locked")

    monkeypatch.setattr(outlook_module, "count", broken)
    app = app_for(FIXTURE, data_dir)
    async with app.run_test(size=SIZE) as pilot:
        home = app.screen
        assert isinstance(home, HomeScreen)
        await wait_until(pilot, lambda: "could not be counted" in due_text(home))
        assert due_text(home) == "What is due could not be counted: cannot read the data file x: it is locked"


# -- certainty-based marks ---------------------------------------------------------------------------------


async def study_both(pilot: Pilot[Any], *, sure: bool) -> SummaryDialog:
    """Both fixture questions: the first right (sure, when asked), the second wrong; the summary."""
    app = pilot.app
    await pilot.press("s", *(["u", "u", "u"] if sure else []))
    await pilot.press(*keys(app, "B"), "enter", "n")  # type: ignore[arg-type]
    await pilot.press(*keys(app, "A", "B"), "enter", "n")  # type: ignore[arg-type]
    await wait_until(pilot, lambda: isinstance(app.screen, SummaryDialog))
    dialog = app.screen
    assert isinstance(dialog, SummaryDialog)
    return dialog


async def test_certainty_based_marks_are_off_until_turned_on_and_then_in_the_summary(data_dir: Path) -> None:
    app = app_for(FIXTURE, data_dir)
    async with app.run_test(size=SIZE) as pilot:
        assert not app.cbm
        palette = {c.title: c.help for c in app.get_system_commands(app.screen)}
        assert palette["Certainty-based marks"].startswith("off (choose to turn on)")
        dialog = await study_both(pilot, sure=True)
        assert not dialog.query("#summary-cbm")  # off: not shown
        await pilot.press("escape")

        await pilot.press("ctrl+p", *"certainty", "enter")
        await pilot.pause()
        assert app.cbm and app.store.setting("cbm") == "on"  # kept in the store
        assert "Certainty-based marks are on" in notices(app)
        dialog = await study_both(pilot, sure=True)
        # right and sure: +3; wrong with nothing said: 0 (level 1 risks nothing)
        assert text_of(dialog.query_one("#summary-cbm", Static)) == (
            "Certainty-based marks 1.5 per question (3 best, −6 worst)\n+3 in all · how sure said on 1 of 2"
        )
        await pilot.press("escape")
        dialog = await study_both(pilot, sure=False)
        assert not dialog.query("#summary-cbm")  # nothing said: nothing to mark
        await pilot.press("escape")
        app.toggle_cbm()
        assert not app.cbm


async def test_u_in_an_exam_is_saved_at_once_and_scored_in_the_results(data_dir: Path) -> None:
    app = app_for(EXAM_BANK, data_dir, start="exam", seed=1)
    async with app.run_test(size=SIZE) as pilot:
        app.store.set_setting("cbm", "on")
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ExamScreen))
        exam = app.screen
        assert isinstance(exam, ExamScreen)
        await pilot.press(*keys(app, *exam.question.answers), "u", "u", "u")
        assert text_of(exam.query_one("#q-count", Static)).endswith("you are sure  (u changes it)")
        store = Store.in_dir(data_dir)
        try:
            assert store.query("SELECT confidence FROM exam_items WHERE position = 0") == [(3,)]
        finally:
            store.close()
        await pilot.press("n")
        assert not text_of(exam.query_one("#q-count", Static)).endswith("(u changes it)")
        await pilot.press("s", "s", "y")
        await wait_until(pilot, lambda: isinstance(app.screen, ExamResultsScreen))
        results = app.screen
        # question 1 right and sure (+3); the other four unanswered, at level 1 (0 each)
        assert text_of(results.query_one("#results-cbm", Static)) == (
            "Certainty-based marks 0.6 per question (3 best, −6 worst)\n+3 in all · how sure said on 1 of 5"
        )


# -- the key guide ----------------------------------------------------------------------------------------


async def test_the_guide_explains_u_before_and_1_to_4_after_submitting(data_dir: Path) -> None:
    app = app_for(FIXTURE, data_dir)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        guide = app.screen
        assert isinstance(guide, KeyGuide)
        rows = {key_label(r.keys): r for r in guide.rows}
        assert rows["d"].words.startswith("study what is due today, then questions never answered")
        await pilot.press("escape", "s", "question_mark")
        rows = {key_label(r.keys): r for r in app.screen.rows}  # type: ignore[attr-defined]
        assert rows["u"].enabled and "how sure" in rows["u"].words
        assert not rows["1-4"].enabled and "1 Again, 2 Hard, 3 Good, 4 Easy" in rows["1-4"].words
        await pilot.press("escape")
        await pilot.press(*keys(app, "B"), "enter", "question_mark")
        rows = {key_label(r.keys): r for r in app.screen.rows}  # type: ignore[attr-defined]
        assert rows["1-4"].enabled and not rows["u"].enabled


async def test_study_picks_up_at_the_first_question_not_yet_answered(data_dir: Path) -> None:
    """s on home opens the question never answered before, not the bank's first one again; once all
    are answered, the one answered longest ago."""
    wall = Clock(WALL_START)
    app = app_for(FIXTURE, data_dir, wall=wall)
    async with app.run_test(size=SIZE) as pilot:
        await counted(pilot)
        await pilot.press("s")
        assert isinstance(app.screen, QuestionScreen) and app.screen.question.id == "ui-single"
        await pilot.press(*keys(app, "B"), "enter", "escape")
        await counted(pilot)
        await pilot.press("s")
        assert isinstance(app.screen, QuestionScreen) and app.screen.question.id == "ui-choose-two"
        wall.advance(60)
        await pilot.press(*keys(app, "A", "C"), "enter", "escape")
        await counted(pilot)
        await pilot.press("s")
        assert isinstance(app.screen, QuestionScreen) and app.screen.question.id == "ui-single"
    assert [a.question_id for a in answers(data_dir)] == ["ui-single", "ui-choose-two"]
