"""Pilot tests of the TUI: whole flows through the real app built by make_app, no sleeps."""

from __future__ import annotations

import shutil
import sqlite3
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from pydantic import Field
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Static

import sims
from quizapp.bank import SimLink
from quizapp.store import Store
from quizapp.ui import QuizApp, make_app
from quizapp.ui.dialogs.keys import KeyGuide
from quizapp.ui.dialogs.skipped import SkippedDialog
from quizapp.ui.dialogs.summary import SummaryDialog
from quizapp.ui.screens.home import HomeScreen
from quizapp.ui.screens.question import QuestionScreen
from quizapp.ui.screens.simulation import SimulationScreen
from quizapp.ui.widgets.bullets import BulletList
from quizapp.ui.widgets.options import OptionsView
from quizapp.ui.widgets.sim_tables import fmt

FIXTURE = Path(__file__).parent / "fixtures" / "ui_bank"
SIZE = (100, 40)


# -- helpers ---------------------------------------------------------------------------------------


async def wait_for_workers(pilot: Pilot[Any]) -> None:
    """Wait until every worker is done and the messages they posted have been handled."""
    await pilot.app.workers.wait_for_complete()
    for _ in range(3):
        await pilot.pause()


async def wait_until(pilot: Pilot[Any], condition: Any, tries: int = 200) -> None:
    """Pause until ``condition()`` is true; fail after a bounded number of pauses (no sleeps)."""
    for _ in range(tries):
        if condition():
            return
        await pilot.pause()
    raise AssertionError("condition not met")


def keys(app: QuizApp, *option_ids: str) -> list[str]:
    """The letter keys that choose these options on the question on screen (options are shuffled)."""
    shown = app.screen.query_one(OptionsView).shown
    return [shown.letter(option_id).lower() for option_id in option_ids]


def letter(app: QuizApp, option_id: str) -> str:
    """The letter an option is shown under on the question on screen."""
    return app.screen.query_one(OptionsView).shown.letter(option_id)


def text_of(widget: Widget) -> str:
    """The plain text a Static shows (Markdown blocks are Statics too), or a bullet list's items."""
    if isinstance(widget, BulletList):
        return "\n".join(f"{mark} {text}" for mark, text in widget.items)
    return str(widget.visual) if isinstance(widget, Static) else ""


def screen_text(app: QuizApp) -> str:
    """Everything the current screen's widgets show, scrolled into view or not."""
    return "\n".join(text_of(w) for w in app.screen.query("*"))


def rendered_lines(widget: Widget) -> str:
    """What a widget actually draws, line by line (after any markup processing)."""
    return "\n".join(strip.text for strip in widget.render_lines(widget.size.region))


def copy_bank(tmp_path: Path) -> Path:
    """A writable copy of the fixture bank."""
    bank = tmp_path / "bank"
    shutil.copytree(FIXTURE, bank)
    return bank


def write_question(bank: Path, name: str, body: str) -> None:
    """Add a question file to a bank."""
    (bank / "basics" / name).write_text(textwrap.dedent(body), encoding="utf-8")


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


# -- simulations registered only for these tests ---------------------------------------------------


class TinyParams(sims.SimParams):
    """Parameters of the test simulations."""

    size: int = Field(3, ge=1, le=10, description="How big.")


class Exploding(sims.Simulation):
    """A simulation with a bug: it raises after its first frame."""

    id: ClassVar[str] = "ui-test-exploding"
    title: ClassVar[str] = "A simulation that raises"
    claim: ClassVar[str] = "Nothing, it crashes."
    Params = TinyParams
    counter: ClassVar[dict[str, Any]] = {"size": 1}

    def measure(self, params: Any, xp: Any) -> Iterator[sims.Frame]:
        yield sims.Frame(0.1, "about to fail")
        raise RuntimeError("boom [red]inside[/red]")

    def decide(self, measured: Any, params: Any) -> sims.Verdict:
        return sims.Verdict(False, "never reached: measure raises first", dict(measured))


class Endless(sims.Simulation):
    """A simulation that never finishes unless it is cancelled."""

    id: ClassVar[str] = "ui-test-endless"
    title: ClassVar[str] = "A simulation that runs until stopped"
    claim: ClassVar[str] = "It keeps going."
    Params = TinyParams
    counter: ClassVar[dict[str, Any]] = {"size": 1}

    def measure(self, params: Any, xp: Any) -> Iterator[sims.Frame]:
        step = 0
        while True:
            step += 1
            time.sleep(0.002)  # stands in for a step of computation (and lets the app's thread run)
            yield sims.Frame(min(0.99, step / 1e6), f"step {step}", (sims.Series.of("s", [0, 1], [0, step]),))

    def decide(self, measured: Any, params: Any) -> sims.Verdict:
        return sims.Verdict(False, "never reached: measure runs until cancelled", dict(measured))


@pytest.fixture
def test_sims() -> Iterator[None]:
    """Register the test simulations (register checks `counter` against Params), then remove them."""
    for cls in (Exploding, Endless):
        sims.register(cls)
    yield
    for cls in (Exploding, Endless):
        sims.registry.unregister(cls.id)


# -- flows -----------------------------------------------------------------------------------------


async def test_home_shows_bank_domains_and_progress(data_dir: Path) -> None:
    app = make_app(FIXTURE, data_dir)
    async with app.run_test(size=SIZE):
        assert isinstance(app.screen, HomeScreen)
        text = screen_text(app)
        assert "UI test bank" in text
        assert "TUI tests" in text  # the description, rendered from markdown
        table = app.screen.query_one("#domains")
        rows = [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]
        assert rows[0] == ["All domains", "2", "0", "0"]
        assert rows[1] == ["Basics", "2", "0", "0"]
        assert rows[2] == ["Extras with no questions", "0", "0", "0"]
        assert not app.screen.query("#skipped-line")


async def test_study_flow_wrong_answer_feedback_store_and_simulation(data_dir: Path) -> None:
    app = make_app(FIXTURE, data_dir)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")  # "All domains" row: start studying
        screen = app.screen
        assert isinstance(screen, QuestionScreen)
        assert "1 / 2" in text_of(screen.query_one("#q-header"))
        assert "Basics" in text_of(screen.query_one("#q-header"))
        assert "Which layer design links the ends in one layer?" in screen_text(app)
        assert "WHY-A" not in screen_text(app)  # no hints before answering

        await pilot.press(*keys(app, "A"))  # wrong: the answer is B
        assert screen.session.selection == {"A"}
        answer = letter(app, "B")
        await pilot.press("enter")
        await pilot.pause()
        text = screen_text(app)
        assert f"Incorrect — the answer is {answer}" in text
        for why in ("WHY-A", "WHY-B", "WHY-C"):
            assert why in text
        assert "violates: The first token reaches the last within one layer." in text
        for part in ("EXPLANATION", "TRAP-TITLE", "TRAP-TEXT", "IN-PRACTICE", "Vaswani et al. 2017, Table 1"):
            assert part in text
        marker = text_of(screen.query(".option-marker")[screen.session.shown.order.index("A")])
        assert "→" in marker and "✗" in marker  # your wrong pick

        # the answer is on disk already: a second Store on the same directory reads it
        other = Store.in_dir(data_dir)
        try:
            [answer] = other.answers()
        finally:
            other.close()
        assert (answer.question_id, answer.chosen, answer.correct) == ("ui-single", ("A",), False)

        await pilot.press("s")  # the simulation of the option under the cursor (A: rnn-gradient-decay)
        sim_screen = app.screen
        assert isinstance(sim_screen, SimulationScreen)
        assert sim_screen.simulation.id == "rnn-gradient-decay"
        await pilot.pause()  # from a question it offers a prediction first; r just runs
        assert "Predict first? p predicts, r just runs" in text_of(sim_screen.query_one("#sim-verdict"))
        await pilot.press("r")
        await wait_for_workers(pilot)
        verdict = text_of(sim_screen.query_one("#sim-verdict"))
        assert "✓ claim holds" in verdict
        form = sim_screen.query_one("#sim-form")
        assert form.query_one("#param-steps").value == "30"  # the link's params over the defaults
        assert text_of(form.query_one("#label-steps")).startswith("steps*")  # changed from the default
        assert "question's setting: steps=30" in verdict
        measured = sim_screen.result.verdict.measured if sim_screen.result else {}
        assert f": {fmt(measured['norm_k1'])}" in text_of(sim_screen.query_one("#sim-measured"))  # labelled
        assert sim_screen.progress == 1.0
        plot = sim_screen.query_one("#sim-plot")
        for _ in range(2):  # a log plot must survive being rendered twice (plotext re-logs stored data)
            assert "cannot be drawn" not in str(plot.render())

        await pilot.press("c")  # the counter setting: the verdict flips
        await wait_for_workers(pilot)
        assert "✗ claim does not hold" in text_of(sim_screen.query_one("#sim-verdict"))
        assert "question's setting + counter" in text_of(
            sim_screen.query_one("#sim-verdict")
        )  # c keeps the link

        await pilot.press("escape")
        assert app.screen is screen
        await pilot.press("n")  # next question
        assert "2 / 2" in text_of(screen.query_one("#q-header"))


async def test_choose_two_is_all_or_nothing(data_dir: Path) -> None:
    app = make_app(FIXTURE, data_dir, start="study", tag=None)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, QuestionScreen)
        await pilot.press("n")  # nothing happens before submitting
        assert screen.session.index == 0
        await pilot.press(*keys(app, "B"))
        await pilot.press("enter")
        await pilot.press("n")
        assert "Which two statements are true? (choose 2)" in screen_text(app)
        count = screen.query_one("#q-count")
        assert "0 of 2 chosen" in text_of(count) and "all or nothing" in text_of(count)

        # one pick: Enter is refused on the count line, and nothing is graded
        await pilot.press(*keys(app, "A"))
        assert "1 of 2 chosen" in text_of(count)
        await pilot.press("enter")
        assert screen.session.submitted is None and len(screen.session.results) == 1
        assert "Choose two to submit: 1 of 2 chosen." in text_of(count) and count.has_class("-refused")
        # a third pick is refused the same way
        await pilot.press(*keys(app, "B", "D"))
        assert screen.session.selection == {"A", "B"}
        assert "untick one first" in text_of(count)
        # Space toggles, and untick + Enter submits: Enter never ticks
        await pilot.press(*keys(app, "B"))
        assert screen.session.selection == {"A"}
        await pilot.press(*keys(app, "D"))
        await pilot.press("enter")
        await pilot.pause()
        assert screen.session.results[-1].correct is False  # half right is wrong
        assert screen.session.results[-1].chosen == {"A", "D"}
        assert (
            f"Incorrect — the answers are {', '.join(sorted(letter(app, i) for i in 'AC'))}"
            in screen_text(app)
        )

        # the summary at the end offers a retake of the wrong one, and goes home
        await pilot.press("n")
        assert isinstance(app.screen, SummaryDialog)
        assert "1 / 2 correct (50%)" in text_of(app.screen.query_one("#summary-score"))
        await pilot.press("r")
        await pilot.pause()
        retake = app.screen
        assert isinstance(retake, QuestionScreen) and "Retake" in text_of(retake.query_one("#q-header"))
        assert [q.id for q in retake.session.questions] == ["ui-choose-two"]
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, HomeScreen)
        table = app.screen.query_one("#domains")
        assert [str(c) for c in table.get_row_at(0)] == ["All domains", "2", "2", "1"]

    # both choices right, by cursor and space this time
    app = make_app(FIXTURE, data_dir, start="study", domain="basics")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await pilot.press(*keys(app, "B"))
        await pilot.press("enter", "n")
        options = screen.query_one(OptionsView)
        order = screen.session.shown.order
        first, second = sorted(order.index(i) for i in "AC")
        await pilot.press(*["down"] * first, "space", *["down"] * (second - first), "space")
        assert options.cursor == second
        assert screen.session.selection == {"A", "C"}
        await pilot.press("enter")
        await pilot.pause()
        assert screen.session.results[-1].correct is True
        assert "✓ Correct" in screen_text(app)

    store = Store.in_dir(data_dir)
    try:
        assert [a.correct for a in store.answers("ui-choose-two")] == [False, True]
        assert store.answers("ui-choose-two")[-1].chosen == ("A", "C")
    finally:
        store.close()


async def test_failing_simulation_shows_an_error_panel(data_dir: Path, test_sims: None) -> None:
    app = make_app(FIXTURE, data_dir)
    async with app.run_test(size=SIZE) as pilot:
        app.open_simulation(SimLink(id="ui-test-exploding"))
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SimulationScreen)
        await pilot.press("r")  # from a link the first run waits for r (a prediction is offered first)
        await wait_for_workers(pilot)
        error = screen.query_one("#sim-error")
        assert error.display
        assert "RuntimeError: boom [red]inside[/red]" in text_of(error)
        assert "claim holds" not in text_of(screen.query_one("#sim-verdict"))
        assert app.is_running
        await pilot.press("r")  # it can be run again, and fails the same way
        await wait_for_workers(pilot)
        assert screen.query_one("#sim-error").display
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)


async def test_escape_cancels_a_running_simulation_then_goes_back(data_dir: Path, test_sims: None) -> None:
    app = make_app(FIXTURE, data_dir)
    async with app.run_test(size=SIZE) as pilot:
        app.open_simulation(SimLink(id="ui-test-endless"))
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SimulationScreen)
        await pilot.press("r")  # from a link the first run waits for r (a prediction is offered first)
        await wait_until(pilot, lambda: "step" in text_of(screen.query_one("#sim-message")))
        assert screen.running
        await pilot.press("escape")  # stop
        await wait_for_workers(pilot)
        assert not screen.running
        assert app.screen is screen
        assert "stopped" in text_of(screen.query_one("#sim-message"))
        await pilot.press("escape")  # back
        assert isinstance(app.screen, HomeScreen)


async def test_markup_in_question_text_is_shown_literally(tmp_path: Path, data_dir: Path) -> None:
    bank = copy_bank(tmp_path)
    write_question(
        bank,
        "z-markup.yaml",
        """\
        id: ui-markup
        title: "Markup [bold]title[/bold]"
        domain: basics
        scenario: "Scenario with [red]x[/red] and [link=http://x]y in it."
        requirements:
          - id: literal
            text: "Requirement [red]x[/red]"
        prompt: "Prompt [red]x[/red] and [link=http://x]y"
        options:
          - text: "[red]x[/red]"
            why: "Why [link=http://x]y"
          - text: "[link=http://x]y"
            why: "plain"
            violates: [literal]
        answer: A
        explanation: "Explanation [red]x[/red]"
        traps:
          - title: "Trap [red]x[/red]"
            text: "Trap text [link=http://x]y"
        """,
    )
    app = make_app(bank, data_dir, start="study", tag=None, domain=None)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        for _ in range(2):  # to the third question (file order)
            await pilot.press(*keys(app, *sorted(screen.session.current.answers)))
            await pilot.press("enter", "n")
        assert "Markup [bold]title[/bold]" in text_of(screen.query_one("#q-title"))
        assert "[red]x[/red]" in rendered_lines(screen.query_one("#q-prompt"))
        assert "[link=http://x]y" in rendered_lines(screen.query_one("#q-prompt"))
        assert "Scenario with [red]x[/red] and [link=http://x]y in it." in screen_text(app)
        assert "Requirement [red]x[/red]" in screen_text(app)
        bodies = [rendered_lines(w) for w in screen.query(".option-body")]
        order = screen.session.shown.order
        assert "[red]x[/red]" in bodies[order.index("A")]
        assert "[link=http://x]y" in bodies[order.index("B")]
        await pilot.press(*keys(app, "B"))
        await pilot.press("enter")
        await pilot.pause()
        text = screen_text(app)
        for literal in (
            "Why [link=http://x]y",
            "violates: Requirement [red]x[/red]",
            "Explanation [red]x[/red]",
            "Trap [red]x[/red]",
            "Trap text [link=http://x]y",
        ):
            assert literal in text


async def test_skipped_files_are_listed_with_their_problems(tmp_path: Path, data_dir: Path) -> None:
    bank = copy_bank(tmp_path)
    write_question(
        bank,
        "broken.yaml",
        """\
        id: ui-broken
        title: Broken
        domain: basics
        scenario: x
        prompt: y
        options:
          - text: a
            why: b
          - text: c
            why: d
        anwser: A
        explanation: e
        """,
    )
    app = make_app(bank, data_dir)
    async with app.run_test(size=SIZE) as pilot:
        line = text_of(app.screen.query_one("#skipped-line"))
        assert "1 file skipped — press p to see why" in line
        await pilot.press("p")
        dialog = app.screen
        assert isinstance(dialog, SkippedDialog)
        problems = text_of(dialog.query_one("#skipped-problems"))
        path = str(bank / "basics" / "broken.yaml")
        assert f"{path}:11:1:" in problems
        assert "anwser" in problems and "answer" in problems
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)
        # the rest of the bank still loads
        assert [str(c) for c in app.screen.query_one("#domains").get_row_at(0)][1] == "2"


async def test_key_guide_toggles_and_q_quits(data_dir: Path) -> None:
    app = make_app(FIXTURE, data_dir)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, KeyGuide)
        assert not app.screen.query("HelpPanel")  # quizapp's own guide, not Textual's generic panel
        await pilot.press("question_mark")
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("q")
    assert app.return_code == 0


def test_make_app_refuses_an_unknown_start(data_dir: Path) -> None:
    with pytest.raises(ValueError):
        make_app(FIXTURE, data_dir, start="nowhere")


async def test_an_unusable_bank_shows_its_problems(tmp_path: Path, data_dir: Path) -> None:
    bank = tmp_path / "bad"
    bank.mkdir()
    (bank / "bank.yaml").write_text("title: [unclosed\n", encoding="utf-8")
    app = make_app(bank, data_dir, start="study")
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, HomeScreen)
        text = text_of(app.screen.query_one("#bank-error"))
        assert "cannot be opened" in text
        assert f"{bank / 'bank.yaml'}:" in text
        await pilot.press("s")  # nothing to study: the key is disabled, nothing crashes
        assert isinstance(app.screen, HomeScreen)


class FailingAnswers:
    """A connection whose inserts into ``answers`` fail as a full or broken disk makes them fail."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def execute(self, sql: str, *args: Any) -> Any:
        if sql.startswith("INSERT INTO answers"):
            raise sqlite3.OperationalError("disk I/O error")
        return self.db.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.db, name)


async def test_an_answer_that_cannot_be_saved_is_not_judged(data_dir: Path) -> None:
    app = make_app(FIXTURE, data_dir, start="study")
    seen: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        app.notify = lambda message, *a, **k: seen.append(message)  # type: ignore[method-assign]
        real = app.store.db
        app.store.db = FailingAnswers(real)  # type: ignore[assignment]
        await pilot.press(*keys(app, "B"))
        await pilot.press("enter")
        await pilot.pause()
        assert screen.session.submitted is None  # still answerable once the disk is back
        assert app.is_running and app.screen is screen
        # the store said which file failed, in its own error (the screen knows nothing of SQLite)
        assert seen == [f"cannot write to the data file {app.store.path}: disk I/O error"]
        app.store.db = real
        await pilot.press("enter")
        await pilot.pause()
        assert screen.session.submitted is not None and screen.session.submitted.correct


async def test_thirty_kinds_of_broken_file_and_the_app_still_starts(make_bank, data_dir: Path) -> None:
    from .broken import BROKEN
    from .conftest import GOOD_QUESTION

    root = make_bank({"good.yaml": GOOD_QUESTION, **{f"broken/{k}": v[0] for k, v in BROKEN.items()}})
    app = make_app(root, data_dir)
    async with app.run_test(size=SIZE) as pilot:
        assert [q.id for q in app.bank.questions] == ["good-one"]
        assert f"{len(BROKEN)} files skipped" in text_of(app.screen.query_one("#skipped-line"))
        await pilot.press("p")
        problems = text_of(app.screen.query_one("#skipped-problems"))
        for name in BROKEN:
            assert f"broken/{name}:" in problems, name
        await pilot.press("escape")
        await pilot.press("s")  # the good question is there to study
        assert app.screen.__class__.__name__ == "QuestionScreen"
