"""Pilot tests of a fair exam in the TUI: picking the first option shown gains nothing, an open exam
leaks nothing to home or study, choose-N is enforced in the exam, and the verdict is the first
thing seen after a wrong pick, at 80x24, in study and in an exam's review."""

from __future__ import annotations

from pathlib import Path

from quizapp.ui import make_app
from quizapp.ui.screens.exam import ExamScreen
from quizapp.ui.screens.exam_results import ExamResultsScreen
from quizapp.ui.screens.exam_review import ExamReviewScreen
from quizapp.ui.screens.home import HomeScreen
from quizapp.ui.screens.question import QuestionScreen
from quizapp.ui.widgets.options import OptionsView

from .conftest import BUNDLED
from .test_fair_exam import first_option_bank
from .test_ui import keys, letter, text_of
from .test_ui_exam import EXAM_BANK, Clock, begin, recording, rows


def on_screen(widget) -> bool:
    """Whether the widget's first line is inside the visible part of the screen."""
    region = widget.region
    return region.height > 0 and 0 <= region.y < widget.screen.size.height


async def test_pressing_a_on_every_question_scores_only_what_chance_gives(tmp_path: Path) -> None:
    bank = first_option_bank(tmp_path / "bank", 20)
    app = make_app(bank, tmp_path / "data", start="exam", seed=11, clock=Clock())
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await begin(pilot)
        for i in range(20):
            await pilot.press("a")
            if i < 19:
                await pilot.press("n")
        lucky = sum(item.order[0] == "A" for item in screen.exam.items)
        assert lucky < 14  # the file's "A" is shown first only by chance
        await pilot.press("s", "s")
        await pilot.pause()
        results = app.screen
        assert isinstance(results, ExamResultsScreen)
        assert results.result.correct == lucky and not results.result.passed


async def test_an_open_exam_leaks_nothing_to_home_missed_or_study(tmp_path: Path) -> None:
    data = tmp_path / "data"
    app = recording(make_app(EXAM_BANK, data, start="exam", seed=1, clock=Clock()))
    async with app.run_test(size=(100, 40)) as pilot:
        app.store.record_answer("ex-a1-path", ["A"], False, 2.0)  # missed in study before the exam
        app.store.record_answer("ex-a4-order", ["B"], False, 2.0)
        screen = await begin(pilot)
        exam_ids = {q.id for q in screen.exam.questions}
        assert "ex-a1-path" in exam_ids and "ex-a4-order" not in exam_ids
        for question in screen.exam.questions:  # every question answered right
            await pilot.press(*keys(app, *sorted(question.answers)))
            await pilot.press("n")
        await pilot.press("escape", "y")
        await pilot.pause()
        home = app.screen
        assert isinstance(home, HomeScreen)
        assert rows(home.query_one("#domains"))[0][2:] == ["2", "0"]  # the two study answers, both wrong
        await pilot.press("m")  # missed: the exam's question is sealed, the other is offered
        study = app.screen
        assert isinstance(study, QuestionScreen)
        assert [q.id for q in study.session.questions] == ["ex-a4-order"]
        assert "in your unfinished exam" in "\n".join(app.seen_notices)
        await pilot.press("escape")
        await pilot.press("s")  # study everything: the exam's questions are left out
        assert {q.id for q in app.screen.session.questions}.isdisjoint(exam_ids)
        await pilot.press("escape")
        await pilot.pause()
        assert rows(app.screen.query_one("#domains"))[0][2:] == ["2", "0"]  # unchanged


async def test_choose_two_in_an_exam_refuses_one_pick_on_enter_and_a_third_tick(tmp_path: Path) -> None:
    app = make_app(EXAM_BANK, tmp_path / "data", start="exam", seed=1, clock=Clock())
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await begin(pilot)
        assert screen.question.id == "ex-a2-two"  # choose two: A and C
        count = screen.query_one("#q-count")
        await pilot.press(*keys(app, "A"))
        await pilot.press("enter")
        assert screen.exam.current == 0  # not moved on
        assert "Choose two to submit: 1 of 2 chosen" in text_of(count)
        await pilot.press(*keys(app, "C", "B"))
        assert screen.exam.items[0].chosen == {"A", "C"} and "untick one first" in text_of(count)
        await pilot.press("enter")
        assert screen.exam.current == 1


async def test_the_verdict_is_on_screen_after_a_wrong_pick_at_80x24(tmp_path: Path) -> None:
    app = make_app(BUNDLED, tmp_path / "data", start="study")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, QuestionScreen)
        for _ in range(6):  # several questions, each answered with its last option shown
            shown = screen.session.shown
            wrong = [i for i in shown.order if i not in shown.question.answers]
            picks = wrong[-len(shown.question.answers) :]
            await pilot.press(*keys(app, *picks))
            await pilot.press("enter")
            await pilot.pause()
            await pilot.pause()
            banner = screen.query_one("#q-banner")
            assert "Incorrect" in text_of(banner)
            assert on_screen(banner), (shown.question.id, banner.region)
            await pilot.press("n")


async def test_the_review_opens_on_its_verdict_at_80x24_with_partial_credit(tmp_path: Path) -> None:
    bank = tmp_path / "bank"
    bank.mkdir()
    manifest = (
        (EXAM_BANK / "bank.yaml")
        .read_text()
        .replace("pass_percent: 60", "pass_percent: 60\n  scoring: partial")
    )
    (bank / "bank.yaml").write_text(manifest)
    for sub in ("attention", "serving"):
        (bank / sub).mkdir()
        for f in (EXAM_BANK / sub).iterdir():
            (bank / sub / f.name).write_text(f.read_text())
    app = make_app(bank, tmp_path / "data", start="exam", seed=1, clock=Clock())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await begin(pilot)
        assert "each right pick earns 1/2" in text_of(screen.query_one("#q-count"))
        await pilot.press(*keys(app, "A"))  # one of two right picks: 1/2 under partial scoring
        await pilot.press("n")
        await pilot.press(*keys(app, "C"))  # wrong on a single-answer question
        await pilot.press("s", "s")
        assert "1 incomplete" in text_of(app.screen.query_one("#confirm-question"))
        await pilot.press("y")
        await pilot.pause()
        results = app.screen
        assert isinstance(results, ExamResultsScreen)
        assert results.result.scoring == "partial" and results.result.correct == 0.5
        assert "0.5 / 5 correct" in text_of(results.query_one("#results-score"))
        assert rows(results.query_one("#results-questions"))[0][1] == "◐"
        await pilot.press("enter")
        await pilot.pause()
        assert "Partly right (0.5 of 1)" in text_of(app.screen.query_one("#q-banner"))
        await pilot.press("n")
        await pilot.pause()
        review = app.screen
        assert isinstance(review, ExamReviewScreen) and review.position == 1
        await pilot.pause()
        banner = review.query_one("#q-banner")
        assert f"Incorrect — the answer is {letter(app, 'B')}" in text_of(banner)
        assert on_screen(banner)
        assert review.query_one(OptionsView).shown.order == screen.exam.items[1].order
        await pilot.press("p")
        await pilot.pause()
        await pilot.pause()
        assert on_screen(review.query_one("#q-banner"))
        assert isinstance(app.screen, ExamReviewScreen) and not isinstance(app.screen, ExamScreen)
