"""Pilot tests of practice exams in the TUI: taking one, the clock, resuming, results and review,
history, and the home screen's ways in (missed questions, tags). The exam clock is injected, so
nothing sleeps."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Footer, OptionList
from textual.widgets._footer import FooterKey

from quizapp.bank import load_bank
from quizapp.exam_store import ExamStore
from quizapp.store import Store
from quizapp.study.exam import Exam
from quizapp.ui import QuizApp, make_app
from quizapp.ui.dialogs.confirm import ConfirmDialog
from quizapp.ui.dialogs.exam_grid import QuestionGridDialog
from quizapp.ui.dialogs.open_exam import OpenExamDialog
from quizapp.ui.dialogs.tags import TagDialog
from quizapp.ui.screens.exam import ExamScreen
from quizapp.ui.screens.exam_results import ExamResultsScreen
from quizapp.ui.screens.exam_review import ExamReviewScreen
from quizapp.ui.screens.exam_start import ExamStartScreen
from quizapp.ui.screens.exam_submit import SubmitReviewScreen
from quizapp.ui.screens.history import HistoryScreen
from quizapp.ui.screens.home import HomeScreen
from quizapp.ui.screens.question import QuestionScreen
from quizapp.ui.screens.simulation import SimulationScreen
from quizapp.ui.widgets.exam_grid import QuestionGrid
from quizapp.ui.widgets.options import OptionsView

from .conftest import Clock
from .test_ui import keys, letter, screen_text, text_of, wait_for_workers, wait_until

EXAM_BANK = Path(__file__).parent / "fixtures" / "exam_bank"
SIZE = (100, 40)
SEED_1 = ["ex-a2-two", "ex-a1-path", "ex-a3-scale", "ex-s1-kv", "ex-s2-decode"]
"""The fixture bank's draw of 5 questions with seed 1 (3 attention, 2 serving, by weight)."""


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def clock() -> Clock:
    return Clock()


def notices(app: QuizApp) -> str:
    """Every notification the app has given, titles and messages (toasts expire; this list does not)."""
    return "\n".join(getattr(app, "seen_notices", []))


def recording(app: QuizApp) -> QuizApp:
    """The app, keeping every notification it gives in ``seen_notices``."""
    seen: list[str] = []
    original = app.notify

    def notify(message: str, *args: Any, **kwargs: Any) -> None:
        seen.append(f"{kwargs.get('title', '')}: {message}")
        original(message, *args, **kwargs)

    app.notify = notify  # type: ignore[method-assign]
    app.seen_notices = seen  # type: ignore[attr-defined]
    return app


def rows(table: Any) -> list[list[str]]:
    """A DataTable's cells as text."""
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def stored_exam(data_dir: Path) -> tuple[list[Any], list[tuple[str, str, int]]]:
    """The history and the items of the newest exam, read through a second connection."""
    store = Store.in_dir(data_dir)
    try:
        history = ExamStore(store).history()
        items = (
            store.db.execute(
                "SELECT question_id, chosen, flagged FROM exam_items WHERE exam_id = ? ORDER BY position",
                (history[0].id,),
            ).fetchall()
            if history
            else []
        )
        return history, items
    finally:
        store.close()


async def tick(pilot: Any, screen: ExamScreen) -> None:
    """One tick of the exam clock, run on the screen as its one-second interval runs it."""
    screen.call_later(screen.tick_clock)
    await pilot.pause()


async def begin(pilot: Any) -> ExamScreen:
    """From the exam's start page, start the clock; the exam screen."""
    assert isinstance(pilot.app.screen, ExamStartScreen), pilot.app.screen
    await pilot.press("enter")
    await pilot.pause()
    assert isinstance(pilot.app.screen, ExamScreen)
    return pilot.app.screen


def header(app: QuizApp) -> str:
    """The exam header: position, mark and clock."""
    return " ".join(text_of(w) for w in app.screen.query("#exam-header Static"))


# -- a whole exam ----------------------------------------------------------------------------------


async def test_a_whole_exam_answer_mark_change_grid_submit_results_review_simulation(
    data_dir: Path, clock: Clock
) -> None:
    app = recording(make_app(EXAM_BANK, data_dir, start="exam", seed=1, clock=clock))
    async with app.run_test(size=SIZE) as pilot:
        start = app.screen
        assert isinstance(start, ExamStartScreen)
        facts = " ".join(text_of(w) for w in start.query("#start-facts Static"))
        assert "5 questions" in facts and "10:00 on the clock" in facts and "pass mark 60%" in facts
        assert "all or nothing" in facts and "seed 1" in facts
        assert stored_exam(data_dir)[0] == []  # nothing stored before the clock starts
        screen = await begin(pilot)
        assert [q.id for q in screen.exam.questions] == SEED_1
        assert "Question 1 / 5" in header(app) and "10:00 left" in header(app)
        # created in the store before the first question showed
        history, items = stored_exam(data_dir)
        assert history[0].finished is None and [i[0] for i in items] == SEED_1
        assert "A2-WHY-A" not in screen_text(app)  # no feedback during the exam

        # question 1 (choose two: A and C), marked for review
        await pilot.press(*keys(app, "A", "C"))
        assert screen.exam.items[0].chosen == {"A", "C"}
        assert "2 of 2 chosen" in text_of(screen.query_one("#q-count"))
        await pilot.press("m")
        assert "marked for review" in header(app)
        clock.advance(40)
        await pilot.press("n")
        assert "Question 2 / 5" in header(app) and "1 answered" in header(app)
        assert "marked for review" not in header(app)

        # question 2 (answer B): C, then question 3 (answer A) right, then back to change 2 to A
        await pilot.press(*keys(app, "C"))
        clock.advance(20)
        await pilot.press("n")
        await pilot.press(*keys(app, "A"))
        assert screen.exam.items[2].chosen == {"A"}
        await pilot.press("p")
        assert "Question 2 / 5" in header(app)
        assert screen.exam.items[1].chosen == {"C"}
        await pilot.press(*keys(app, "A"))
        assert screen.exam.items[1].chosen == {"A"}
        # the change is on disk at once
        assert stored_exam(data_dir)[1][1] == ("ex-a1-path", '["A"]', 0)

        # question 4 right, question 5 left unanswered
        await pilot.press("n", "n")
        await pilot.press(*keys(app, "A"))
        assert screen.exam.items[3].chosen == {"A"}
        clock.advance(30)

        # the grid: every question's state; Enter jumps
        await pilot.press("g")
        grid = app.screen
        assert isinstance(grid, QuestionGridDialog)
        assert "4 of 5 answered · 1 marked" in text_of(grid.query_one("#exam-grid-counts"))
        assert grid.query_one(QuestionGrid).cursor == 3
        await pilot.press("right", "enter")
        assert app.screen is screen
        assert "Question 5 / 5" in header(app)

        # review before submitting; one is unanswered, so it asks
        await pilot.press("s")
        review = app.screen
        assert isinstance(review, SubmitReviewScreen)
        listed = review.query_one(OptionList)
        lines = [str(listed.get_option_at_index(i).prompt) for i in range(listed.option_count)]
        assert len(lines) == 5
        assert "Two properties of self-attention" in lines[0] and "⚑" in lines[0]
        assert "unanswered" in lines[4] and "answered" in lines[3]
        await pilot.press("s")
        confirm = app.screen
        assert isinstance(confirm, ConfirmDialog)
        assert "1 unanswered, 1 marked: submit anyway?" in text_of(confirm.query_one("#confirm-question"))
        await pilot.press("n")  # keep going: still the review list
        assert app.screen is review
        await pilot.press("ctrl+s", "y")
        await pilot.pause()

        results = app.screen
        assert isinstance(results, ExamResultsScreen)
        score = text_of(results.query_one("#results-score"))
        assert "PASS" in score and "3 / 5 correct" in score and "60%" in score and "pass mark 60%" in score
        facts = text_of(results.query_one("#results-facts"))
        assert "Time used 01:30 of 10:00" in facts and "1 unanswered" in facts and "finished in time" in facts
        assert "never paused" in facts and "all or nothing" in facts
        domains = rows(results.query_one("#results-domains"))
        assert [r[:3] for r in domains] == [
            ["Attention mechanics", "2 / 3", "67%"],
            ["Serving and inference", "1 / 2", "50%"],
        ]
        history, _ = stored_exam(data_dir)
        assert (history[0].correct, history[0].passed, history[0].timed_out) == (3, True, False)
        assert history[0].status == "submitted"

        # only the wrong ones, then the review of question 2 (A chosen, B right)
        await pilot.press("w")
        questions = results.query_one("#results-questions")
        order = screen.exam.items[1].order
        assert [r[0] for r in rows(questions)] == ["2", "5"]
        assert rows(questions)[0][3:5] == ["ABCDEFGH"[order.index("A")], "ABCDEFGH"[order.index("B")]]
        await pilot.press("enter")
        reviewed = app.screen
        assert isinstance(reviewed, ExamReviewScreen)
        text = screen_text(app)
        assert f"Incorrect — the answer is {letter(app, 'B')}" in text
        assert reviewed.query_one(OptionsView).shown.order == order  # the order the exam showed
        for part in (
            "A1-WHY-A",
            "A1-WHY-B",
            "A1-WHY-C",
            "A1-EXPLANATION",
            "violates: The first token reaches the last within one layer.",
        ):
            assert part in text
        marker = text_of(reviewed.query(".option-marker")[order.index("A")])
        assert "→" in marker and "✗" in marker

        await pilot.press("s")  # the simulation of the option under the cursor (A, the learner's pick)
        sim_screen = app.screen
        assert isinstance(sim_screen, SimulationScreen)
        assert sim_screen.simulation.id == "rnn-gradient-decay"
        await pilot.pause()
        assert "Predict first?" in text_of(sim_screen.query_one("#sim-verdict"))  # from a question
        await pilot.press("r")  # r just runs
        await wait_for_workers(pilot)
        assert "claim holds" in text_of(sim_screen.query_one("#sim-verdict"))
        await pilot.press("escape")
        assert app.screen is reviewed

        await pilot.press("n")  # the next wrong one: question 5, never answered
        assert f"Not answered — the answer is {letter(app, 'A')}" in screen_text(app)
        assert "S2-WHY-A" in screen_text(app)
        await pilot.press("escape", "escape")
        assert isinstance(app.screen, HomeScreen)
        assert not app.screen.query_one("#resume-offer").display


# -- the clock ---------------------------------------------------------------------------------------


async def test_the_countdown_turns_urgent_and_time_up_submits_from_under_a_dialog(
    data_dir: Path, clock: Clock
) -> None:
    app = recording(make_app(EXAM_BANK, data_dir, start="exam", seed=1, clock=clock))
    async with app.run_test(size=SIZE) as pilot:
        screen = await begin(pilot)
        await pilot.press(*keys(app, "A", "C"))
        clock.advance(6 * 60)
        await tick(pilot, screen)  # what the one-second interval calls
        clock_widget = screen.query_one("#exam-clock")
        assert "04:00 left" in text_of(clock_widget)
        assert clock_widget.has_class("-urgent")

        await pilot.press("g")  # the grid is open when the time runs out
        assert isinstance(app.screen, QuestionGridDialog)
        clock.advance(5 * 60)
        await tick(pilot, screen)
        await wait_until(pilot, lambda: isinstance(app.screen, ExamResultsScreen))
        results = app.screen
        assert results.result.timed_out
        assert "Time is up" in notices(app)
        assert "time ran out" in text_of(results.query_one("#results-facts"))
        assert "1 / 5 correct" in text_of(results.query_one("#results-score"))
        assert "Time used 10:00 of 10:00" in text_of(results.query_one("#results-facts"))
        history, _ = stored_exam(data_dir)
        assert history[0].timed_out is True and history[0].finished is not None
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)


async def test_any_key_after_the_time_is_up_shows_the_results(data_dir: Path, clock: Clock) -> None:
    app = recording(make_app(EXAM_BANK, data_dir, start="exam", seed=1, minutes=1, clock=clock))
    async with app.run_test(size=SIZE) as pilot:
        await begin(pilot)
        assert "01:00 left" in header(app)
        assert app.screen.query_one("#exam-clock").has_class("-urgent")
        clock.advance(61)
        await pilot.press("n")  # the engine checks the clock on every move
        await pilot.pause()
        assert isinstance(app.screen, ExamResultsScreen)
        assert app.screen.result.timed_out


def test_the_clock_starts_when_the_exam_is_on_screen() -> None:
    clock = Clock()
    bank = load_bank(EXAM_BANK).bank
    assert bank is not None
    exam = Exam([bank.question("ex-a1-path")], minutes=1, pass_percent=50, clock=clock)
    clock.advance(5)  # building the screen
    exam.start_clock()
    clock.advance(2)
    exam.tick()
    assert exam.seconds_used == 2
    exam.submit()
    exam.start_clock()  # nothing to restart once submitted
    assert exam.seconds_used == 2


# -- leaving, resuming, discarding --------------------------------------------------------------------


async def test_a_half_done_exam_is_offered_on_home_and_resumes_where_it_was(
    data_dir: Path, clock: Clock
) -> None:
    app = recording(make_app(EXAM_BANK, data_dir, start="exam", seed=1, clock=clock))
    async with app.run_test(size=SIZE) as pilot:
        screen = await begin(pilot)
        order = [item.order for item in screen.exam.items]
        await pilot.press(*keys(app, "A", "C"))
        await pilot.press("n")
        await pilot.press(*keys(app, "B"))
        clock.advance(90)
        await pilot.press("escape")
        assert isinstance(app.screen, ConfirmDialog)
        assert "Pause the exam?" in text_of(app.screen.query_one("#confirm-question"))
        await pilot.press("n")  # stay
        assert isinstance(app.screen, ExamScreen)
        await pilot.press("q")  # q asks too
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await pilot.pause()
        home = app.screen
        assert isinstance(home, HomeScreen)
        offer = text_of(home.query_one("#resume-offer"))
        assert "An unfinished exam: paused, 2/5 answered, 08:30 left — r resume, x discard" in offer
        # sealed: home counts nothing of the open exam
        assert [r[2:] for r in rows(home.query_one("#domains"))] == [["0", "0"]] * 3

    # a new run on the same data dir offers it too, and r resumes it on question 2, same order
    app = recording(make_app(EXAM_BANK, data_dir, clock=clock))
    async with app.run_test(size=SIZE) as pilot:
        offer = app.screen.query_one("#resume-offer")
        assert offer.display and "2/5 answered, 08:30 left" in text_of(offer)
        await pilot.press("r")
        screen = app.screen
        assert isinstance(screen, ExamScreen)
        assert "Question 2 / 5" in header(app) and "08:30 left" in header(app)
        assert [sorted(i.chosen) for i in screen.exam.items[:2]] == [["A", "C"], ["B"]]
        assert [item.order for item in screen.exam.items] == order
        assert screen.exam.pauses == 1

    # `quizapp exam --resume` goes straight into it
    app = recording(make_app(EXAM_BANK, data_dir, start="exam", resume=True, clock=clock))
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, ExamScreen)
        assert app.screen.exam.pauses == 2  # the last run ended without pausing: it counts as one
        # e on home offers the open exam first; n discards it and starts a new one
        await pilot.press("escape", "y")
        await pilot.pause()
        await pilot.press("e")
        assert isinstance(app.screen, OpenExamDialog)
        await pilot.press("n")
        await pilot.pause()
        screen = await begin(pilot)
        assert screen.exam.items[0].chosen == frozenset()
    history, _ = stored_exam(data_dir)
    assert len(history) == 2 and history[1].status == "discarded" and history[1].percent is None


async def test_resume_with_nothing_to_resume_says_so(data_dir: Path) -> None:
    app = recording(make_app(EXAM_BANK, data_dir, start="exam", resume=True))
    async with app.run_test(size=SIZE):
        assert isinstance(app.screen, HomeScreen)
        assert "There is no unfinished exam to resume." in notices(app)
        assert not app.screen.query_one("#resume-offer").display


async def test_an_exam_whose_questions_left_the_bank_can_only_be_discarded(
    tmp_path: Path, data_dir: Path
) -> None:
    bank = tmp_path / "bank"
    shutil.copytree(EXAM_BANK, bank)
    app = recording(make_app(bank, data_dir, start="exam", seed=1))
    async with app.run_test(size=SIZE) as pilot:
        await begin(pilot)
        await pilot.press("a", "escape", "y")
        await pilot.pause()
    (bank / "serving" / "s1-kv.yaml").unlink()

    app = recording(make_app(bank, data_dir, start="exam", resume=True))
    async with app.run_test(size=SIZE) as pilot:
        home = app.screen
        assert isinstance(home, HomeScreen)
        assert "no longer in the bank" in notices(app)
        offer = text_of(home.query_one("#resume-offer"))
        assert "cannot be resumed: 1 of its questions is no longer in the bank — x discard" in offer
        await pilot.press("r")  # refused: nothing happens
        assert app.screen is home
        await pilot.press("x")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await pilot.pause()
        assert not home.query_one("#resume-offer").display
    history, _ = stored_exam(data_dir)
    assert history[0].finished is not None and history[0].percent is None


# -- drawing ------------------------------------------------------------------------------------------


async def test_a_small_bank_gives_a_shorter_exam_and_says_so(data_dir: Path) -> None:
    app = recording(make_app(EXAM_BANK, data_dir, start="exam", questions=50, domain="serving"))
    async with app.run_test(size=SIZE) as pilot:
        facts = " ".join(text_of(w) for w in app.screen.query("#start-facts Static"))
        assert "only 3 questions, so this exam has 3 instead of 50" in facts
        assert "3 questions" in facts and "06:00 on the clock" in facts  # 2 minutes a question, as the bank's
        screen = await begin(pilot)
        assert len(screen.exam.items) == 3
        assert {q.domain for q in screen.exam.questions} == {"serving"}


async def test_an_unknown_domain_draws_no_exam(data_dir: Path) -> None:
    app = recording(make_app(EXAM_BANK, data_dir, start="exam", domain="nowhere"))
    async with app.run_test(size=SIZE):
        assert isinstance(app.screen, HomeScreen)
        assert "No questions to draw from domain 'nowhere'" in notices(app)
        assert stored_exam(data_dir)[0] == []


# -- home: missed questions, tags, history ---------------------------------------------------------------


async def test_missed_studies_only_questions_whose_latest_answer_was_wrong(data_dir: Path) -> None:
    app = recording(make_app(EXAM_BANK, data_dir))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("m")
        assert isinstance(app.screen, HomeScreen)
        assert "You have not answered any question yet: press s to study." in notices(app)

        store = app.store
        store.record_answer("ex-a1-path", ["A"], False, 3.0)  # wrong
        store.record_answer("ex-a3-scale", ["B"], False, 3.0)  # wrong, then right
        store.record_answer("ex-a3-scale", ["A"], True, 3.0)
        store.record_answer("ex-s2-decode", ["B"], False, 3.0)  # wrong
        store.record_answer("ex-s1-kv", ["A"], True, 3.0)  # right
        await pilot.press("m")
        screen = app.screen
        assert isinstance(screen, QuestionScreen)
        assert [q.id for q in screen.session.questions] == ["ex-a1-path", "ex-s2-decode"]
        assert "Missed" in text_of(screen.query_one("#q-header"))
        await pilot.press(*keys(app, "B"))
        await pilot.press("enter", "escape")  # now right: no longer missed
        assert [qid for qid, p in app.store.progress().items() if not p.last_correct] == ["ex-s2-decode"]


async def test_a_tag_picked_on_home_filters_study(data_dir: Path) -> None:
    app = recording(make_app(EXAM_BANK, data_dir))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        dialog = app.screen
        assert isinstance(dialog, TagDialog)
        assert dialog.counts == {
            "decoding": 2,
            "kv-cache": 1,
            "paths": 2,
            "positions": 1,
            "self-attention": 1,
            "softmax": 1,
        }
        await pilot.press("down", "enter")  # "decoding" (the first after "Any tag")
        screen = app.screen
        assert isinstance(screen, QuestionScreen)
        assert [q.id for q in screen.session.questions] == ["ex-s2-decode", "ex-s3-prefill"]
        await pilot.press("escape")
        home = app.screen
        assert isinstance(home, HomeScreen)
        assert "Studying only tag 'decoding'" in text_of(home.query_one("#filter-line"))
        # the domain rows keep the tag: Attention mechanics has no 'decoding' question
        await pilot.press("down", "enter")
        assert isinstance(app.screen, HomeScreen)
        assert "No questions for domain 'attention' and tag 'decoding'" in notices(app)
        await pilot.press("t", "home", "enter")  # "Any tag" clears the filter
        await pilot.pause()
        assert app.tag is None and not home.query_one("#filter-line").display


async def test_history_lists_the_exam_and_reopens_its_review(data_dir: Path, clock: Clock) -> None:
    app = recording(make_app(EXAM_BANK, data_dir, start="exam", seed=1, clock=clock))
    async with app.run_test(size=SIZE) as pilot:
        screen = await begin(pilot)
        for i, question in enumerate(screen.exam.questions):  # all right
            await pilot.press(*keys(app, *sorted(question.answers)))
            if i < 4:
                await pilot.press("n")
        clock.advance(125)
        await pilot.press("s", "s")  # nothing unanswered or marked: no confirmation
        await pilot.pause()
        assert isinstance(app.screen, ExamResultsScreen)
        await pilot.press("escape")
        app.store.record_answer("ex-a1-path", ["A"], False, 3.0, mode="study")
        await pilot.press("h")
        history = app.screen
        assert isinstance(history, HistoryScreen)
        assert "Study: 1 answer to 1 question, 0 correct (0%)" in text_of(history.query_one("#history-study"))
        [row] = rows(history.query_one("#history-exams"))
        assert row[2:7] == ["submitted", "5 / 5 (100%)", "pass", "02:05/10:00", ""]
        assert len(row) == 7  # each domain's score is under the table, not in a column that scrolls sideways
        domains = text_of(history.query_one("#history-domains"))
        assert domains == "Exam 1 by domain: Attention mechanics 3/3, Serving and inference 2/2"
        await pilot.press("enter")  # the whole results and review again, in the order it was taken
        results = app.screen
        assert isinstance(results, ExamResultsScreen)
        assert "5 / 5 correct" in text_of(results.query_one("#results-score"))
        await pilot.press("enter")
        reviewed = app.screen
        assert isinstance(reviewed, ExamReviewScreen)
        assert reviewed.query_one(OptionsView).shown.order == screen.exam.items[0].order
        assert "✓ Correct" in screen_text(app)
        await pilot.press("escape", "escape", "escape")
        assert isinstance(app.screen, HomeScreen)


async def test_the_exam_keys_are_all_in_the_footer_at_80_columns(data_dir: Path) -> None:
    app = recording(make_app(EXAM_BANK, data_dir, start="exam", seed=1))
    async with app.run_test(size=(80, 24)) as pilot:
        await begin(pilot)
        keys = list(app.screen.query_one(Footer).query(FooterKey))
        shown = [k.description for k in keys if k.region.right <= 80 and k.region.width > 0]
        for description in ("Choose", "Next", "Prev", "Mark", "Grid", "Submit", "Pause"):
            assert description in shown


async def test_history_fits_80_columns_and_shows_each_exams_domains_under_the_table(data_dir: Path) -> None:
    """Three exams (submitted, discarded, paused) at 80x24: no column scrolls sideways, and the line
    under the table follows the cursor with that exam's score per domain."""
    from .test_snapshots import WALL_START, stored_exams

    stored_exams(EXAM_BANK, data_dir)
    app = make_app(EXAM_BANK, data_dir, clock=Clock(), wall=Clock(WALL_START + 4 * 86400))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("h")
        history = app.screen
        assert isinstance(history, HistoryScreen)
        table = history.query_one("#history-exams")
        await pilot.pause()
        assert table.max_scroll_x == 0 and table.virtual_size.width <= table.size.width
        seen = []
        for _ in range(3):
            seen.append(text_of(history.query_one("#history-domains")))
            await pilot.press("down")
            await pilot.pause()
        assert seen[0] == "Exam 3 by domain: scored when it is submitted"
        assert seen[1] == "Exam 2 by domain: none: it was discarded before it was submitted"
        assert seen[2].startswith("Exam 1 by domain: ") and "/" in seen[2]
        assert all(re.fullmatch(r"\d\d [A-Z][a-z]{2} \d\d:\d\d", row[1]) for row in rows(table))  # this year
