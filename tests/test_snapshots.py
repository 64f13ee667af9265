"""SVG snapshots (pytest-textual-snapshot) of every screen and dialog at 80x24, and of the main
screens at 120x40 as well, each reached the way a learner reaches it in the real app (make_app).

Whatever could differ between two runs is frozen: the exam clock (``make_app(clock=...)``), the wall
clock of exam dates and pauses (``make_app(wall=...)``, ``ExamStore(wall=...)``), the time zone (UTC),
option order (exams by their seed; study sessions shuffle as always, from a seeded ``random.Random``)
and the run time a simulation reports. After a deliberate change to the look, refresh them with
``make test-snapshot-update`` (or ``pytest tests/test_snapshots.py --snapshot-update``) and read
``snapshot_report.html`` or the changed SVGs before committing them.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from textual.pilot import Pilot

import quizapp.study.session
import sims.runner
from quizapp.bank import load_bank
from quizapp.exam_store import ExamStore
from quizapp.exams import ExamOptions, begin_exam, plan_exam
from quizapp.store import Store
from quizapp.ui import QuizApp, make_app
from quizapp.ui.screens.exam import ExamScreen
from quizapp.ui.screens.home import HomeScreen
from quizapp.ui.screens.question import QuestionScreen
from quizapp.ui.screens.simulation import SimulationScreen
from quizapp.ui.widgets.options import OptionsView

from .conftest import Clock
from .test_ui import wait_for_workers, wait_until

FIXTURES = Path(__file__).parent / "fixtures"
UI_BANK = FIXTURES / "ui_bank"
EXAM_BANK = FIXTURES / "exam_bank"
SMALL = (80, 24)
LARGE = (120, 40)
BOTH = [pytest.param(SMALL, id="80x24"), pytest.param(LARGE, id="120x40")]
WALL_START = datetime(2026, 11, 30, 9, 30, tzinfo=UTC).timestamp()
SHUFFLE_SEED = 5
"""The seed of every study session's option shuffle (a fresh ``random.Random(SHUFFLE_SEED)`` each)."""

Snap = Callable[..., bool]
Steps = Callable[[Pilot[Any]], Awaitable[None]]


@pytest.fixture(autouse=True)
def frozen(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """UTC dates, seeded study shuffles and a simulation run that always takes 0.00 s."""
    was = os.environ.get("TZ")
    os.environ["TZ"] = "UTC"
    time.tzset()
    monkeypatch.setattr(
        quizapp.study.session, "random", SimpleNamespace(Random=lambda: random.Random(SHUFFLE_SEED))
    )
    monkeypatch.setattr(sims.runner, "time", SimpleNamespace(perf_counter=lambda: 0.0))
    for name in ("NO_COLOR", "QUIZAPP_BACKEND"):  # the colours, and the backend a run names
        monkeypatch.delenv(name, raising=False)
    yield
    if was is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = was
    time.tzset()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def app_for(bank: Path, data_dir: Path, **options: Any) -> QuizApp:
    """The real app on a fixture bank, with both clocks frozen."""
    return make_app(bank, data_dir, clock=Clock(), wall=Clock(WALL_START), **options)


def options(app: QuizApp) -> OptionsView:
    return app.screen.query_one(OptionsView)


async def press_options(pilot: Pilot[Any], *option_ids: str) -> None:
    """Choose options by id, with whichever letters the (shuffled) question shows them under."""
    shown = options(pilot.app).shown  # type: ignore[arg-type]
    await pilot.press(*(shown.letter(option_id).lower() for option_id in option_ids))


async def settle(pilot: Pilot[Any]) -> None:
    """Let workers finish and the screen catch up (home's count of what is due, which starts after
    the first frame; a simulation's last frame; a recompose)."""
    for home in [s for s in pilot.app.screen_stack if isinstance(s, HomeScreen)]:
        await wait_until(pilot, lambda home=home: home.outlook is not None)  # type: ignore[misc]
    await wait_for_workers(pilot)
    await pilot.pause()


def then(*steps: Steps) -> Steps:
    """Run several steps in order, as one ``run_before``."""

    async def run(pilot: Pilot[Any]) -> None:
        for step in steps:
            await step(pilot)

    return run


def press(*keys: str) -> Steps:
    async def run(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press(*keys)
        await settle(pilot)

    return run


# -- study ------------------------------------------------------------------------------------------


async def study_question(pilot: Pilot[Any]) -> None:
    """Home, Enter on 'All domains': the first question, B chosen but not yet submitted."""
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, QuestionScreen))
    await press_options(pilot, "B")
    await settle(pilot)


async def study_feedback(pilot: Pilot[Any]) -> None:
    """The first question answered wrong (A; the answer is B): its feedback."""
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, QuestionScreen))
    await press_options(pilot, "A")
    await pilot.press("enter")
    await settle(pilot)


async def study_summary(pilot: Pilot[Any]) -> None:
    """Both questions answered (the first wrong, the second right): the session summary."""
    await study_feedback(pilot)
    await pilot.press("n")
    await settle(pilot)
    await press_options(pilot, "A", "C")
    await pilot.press("enter")
    await settle(pilot)
    await pilot.press("n")
    await settle(pilot)


async def linked_simulation(pilot: Pilot[Any]) -> None:
    """From the feedback, the simulation linked to the learner's pick (A), run to its verdict."""
    await study_feedback(pilot)
    await pilot.press("s")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, SimulationScreen))
    screen = pilot.app.screen
    await settle(pilot)
    await pilot.press("r")  # from a question the screen offers a prediction first: r just runs
    await wait_until(pilot, lambda: screen.result is not None)  # type: ignore[attr-defined]
    await settle(pilot)


@pytest.mark.parametrize("size", BOTH)
def test_home(snap_compare: Snap, data_dir: Path, size: tuple[int, int]) -> None:
    assert snap_compare(app_for(UI_BANK, data_dir), terminal_size=size, run_before=settle)


@pytest.mark.parametrize("size", BOTH)
def test_study_question(snap_compare: Snap, data_dir: Path, size: tuple[int, int]) -> None:
    assert snap_compare(app_for(UI_BANK, data_dir), terminal_size=size, run_before=study_question)


@pytest.mark.parametrize("size", BOTH)
def test_study_feedback(snap_compare: Snap, data_dir: Path, size: tuple[int, int]) -> None:
    assert snap_compare(app_for(UI_BANK, data_dir), terminal_size=size, run_before=study_feedback)


@pytest.mark.parametrize("size", BOTH)
def test_simulation(snap_compare: Snap, data_dir: Path, size: tuple[int, int]) -> None:
    assert snap_compare(app_for(UI_BANK, data_dir), terminal_size=size, run_before=linked_simulation)


def test_summary_dialog(snap_compare: Snap, data_dir: Path) -> None:
    assert snap_compare(app_for(UI_BANK, data_dir), run_before=study_summary)


def test_keys_panel(snap_compare: Snap, data_dir: Path) -> None:
    assert snap_compare(app_for(UI_BANK, data_dir), run_before=press("question_mark"))


def test_tag_dialog(snap_compare: Snap, data_dir: Path) -> None:
    assert snap_compare(app_for(UI_BANK, data_dir), run_before=press("t"))


def test_simulation_browser(snap_compare: Snap, data_dir: Path) -> None:
    assert snap_compare(app_for(UI_BANK, data_dir), run_before=press("b"))


def test_skipped_files_dialog(
    snap_compare: Snap, make_bank: Callable[..., Path], data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from .conftest import GOOD_QUESTION

    bank = make_bank(
        {
            "good.yaml": GOOD_QUESTION,
            "broken/no-answer.yaml": GOOD_QUESTION.replace("answer: B\n", ""),
            "broken/not-yaml.yaml": "id: [unclosed\n",
        }
    )
    monkeypatch.chdir(bank.parent)  # the problems name their files as given: bank/broken/..., not /tmp/...
    assert snap_compare(app_for(Path(bank.name), data_dir), run_before=press("p"))


# -- exams ------------------------------------------------------------------------------------------


async def exam_answered(pilot: Pilot[Any]) -> None:
    """Seed 1's exam started; question 1 answered (A and C, right), marked, question 2 on screen
    with B chosen, 40 s gone."""
    await pilot.press("enter")
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, ExamScreen))
    await press_options(pilot, "A", "C")
    await pilot.press("m")
    pilot.app.clock.advance(40)  # type: ignore[attr-defined]
    await pilot.press("n")
    await press_options(pilot, "B")
    await settle(pilot)


async def exam_submitted(pilot: Pilot[Any]) -> None:
    """The exam above, the rest answered (4 wrong on purpose, 5 left blank), submitted: results."""
    await exam_answered(pilot)
    await pilot.press("n")
    await press_options(pilot, "A")
    await pilot.press("n")
    await press_options(pilot, "B")
    pilot.app.clock.advance(50)  # type: ignore[attr-defined]
    await pilot.press("s")
    await settle(pilot)
    await pilot.press("ctrl+s", "y")
    await settle(pilot)


def exam_app(data_dir: Path) -> QuizApp:
    return app_for(EXAM_BANK, data_dir, start="exam", seed=1)


@pytest.mark.parametrize("size", BOTH)
def test_exam_start_page(snap_compare: Snap, data_dir: Path, size: tuple[int, int]) -> None:
    assert snap_compare(exam_app(data_dir), terminal_size=size)


@pytest.mark.parametrize("size", BOTH)
def test_exam(snap_compare: Snap, data_dir: Path, size: tuple[int, int]) -> None:
    assert snap_compare(exam_app(data_dir), terminal_size=size, run_before=exam_answered)


def test_exam_grid_dialog(snap_compare: Snap, data_dir: Path) -> None:
    assert snap_compare(exam_app(data_dir), run_before=then(exam_answered, press("g")))


def test_exam_submit_review(snap_compare: Snap, data_dir: Path) -> None:
    assert snap_compare(exam_app(data_dir), run_before=then(exam_answered, press("s")))


def test_confirm_dialog(snap_compare: Snap, data_dir: Path) -> None:
    assert snap_compare(exam_app(data_dir), run_before=then(exam_answered, press("s"), press("s")))


@pytest.mark.parametrize("size", BOTH)
def test_exam_results(snap_compare: Snap, data_dir: Path, size: tuple[int, int]) -> None:
    assert snap_compare(exam_app(data_dir), terminal_size=size, run_before=exam_submitted)


@pytest.mark.parametrize("size", BOTH)
def test_exam_review(snap_compare: Snap, data_dir: Path, size: tuple[int, int]) -> None:
    """The review of question 1 (right, and marked) from the results."""
    assert snap_compare(
        exam_app(data_dir), terminal_size=size, run_before=then(exam_submitted, press("enter"))
    )


def stored_exams(bank_dir: Path, data_dir: Path) -> None:
    """Three exams in the store, a day apart by the frozen wall clock: one submitted, one discarded,
    one paused (so home offers to resume it)."""
    bank = load_bank(bank_dir).bank
    assert bank is not None
    store = Store.in_dir(data_dir)
    wall = Clock(WALL_START - 3 * 86400)
    exams = ExamStore(store, wall=wall)
    try:
        for seed, ending in ((1, "submit"), (2, "discard"), (3, "pause")):
            plan = plan_exam(bank, ExamOptions(questions=4, minutes=8, seed=seed))
            assert not isinstance(plan, str)
            clock = Clock()
            exam = begin_exam(bank, exams, plan, clock)
            for index, item in enumerate(exam.items[: 5 - seed]):
                exam.answer({item.order[index % 2]}, index)
                clock.advance(45 * seed)
            wall.advance(600)
            if ending == "submit":
                exam.submit()
            elif ending == "discard":
                exams.abandon(exam.exam_id or 0)
            else:
                exams.pause(exam)
            wall.advance(86400 - 600)
    finally:
        store.close()


@pytest.mark.parametrize("size", BOTH)
def test_history(snap_compare: Snap, data_dir: Path, size: tuple[int, int]) -> None:
    stored_exams(EXAM_BANK, data_dir)
    assert snap_compare(app_for(EXAM_BANK, data_dir), terminal_size=size, run_before=press("h"))


def test_home_offers_the_unfinished_exam(snap_compare: Snap, data_dir: Path) -> None:
    stored_exams(EXAM_BANK, data_dir)
    assert snap_compare(app_for(EXAM_BANK, data_dir), run_before=settle)


def test_open_exam_dialog(snap_compare: Snap, data_dir: Path) -> None:
    stored_exams(EXAM_BANK, data_dir)
    assert snap_compare(app_for(EXAM_BANK, data_dir), run_before=press("e"))
