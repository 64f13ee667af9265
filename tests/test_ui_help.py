"""Pilot tests of help, keys and wording: the key guide (`?`), the command palette, keys that do
nothing saying why, Esc typed fast, toasts that never cover the next screen, and the words the
screens use (marked, plurals, first steps, empty states)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual._xterm_parser import XTermParser
from textual.binding import Binding
from textual.widgets import Button, Footer
from textual.widgets._footer import FooterKey

from quizapp.history import plural
from quizapp.ui import QuizApp, make_app
from quizapp.ui.dialogs.confirm import ConfirmDialog
from quizapp.ui.dialogs.exam_grid import QuestionGridDialog
from quizapp.ui.dialogs.keys import COMMON, GUIDES, KeyGuide, key_label
from quizapp.ui.dialogs.open_exam import OpenExamDialog
from quizapp.ui.dialogs.sim_links import SimLinksDialog
from quizapp.ui.dialogs.skipped import SkippedDialog
from quizapp.ui.dialogs.summary import SummaryDialog
from quizapp.ui.dialogs.tags import TagDialog
from quizapp.ui.screens.exam import ExamScreen
from quizapp.ui.screens.exam_results import ExamResultsScreen
from quizapp.ui.screens.exam_review import ExamReviewScreen
from quizapp.ui.screens.exam_start import ExamStartScreen
from quizapp.ui.screens.exam_submit import SubmitReviewScreen
from quizapp.ui.screens.history import HistoryScreen
from quizapp.ui.screens.home import HomeScreen
from quizapp.ui.screens.question import QuestionScreen
from quizapp.ui.screens.sim_browser import SimBrowserScreen
from quizapp.ui.screens.simulation import SimulationScreen
from quizapp.ui.widgets.bullets import BulletList
from quizapp.ui.widgets.exam_grid import QuestionGrid
from quizapp.ui.widgets.options import OptionsView

from .test_ui import FIXTURE, copy_bank, keys, rendered_lines, text_of, wait_for_workers, write_question
from .test_ui_exam import EXAM_BANK, Clock, begin, notices, recording

SMALL = (80, 24)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def guide_lines(app: QuizApp) -> dict[str, tuple[str, bool]]:
    """The open key guide as {keys: (words, acts now)}."""
    guide = app.screen
    assert isinstance(guide, KeyGuide)
    return {key_label(row.keys): (row.words, row.enabled) for row in guide.rows}


def visible_footer(app: QuizApp, width: int = 80) -> list[str]:
    """'q Quit', '? Keys'…: the footer keys drawn inside ``width`` columns."""
    footer = app.screen.query_one(Footer)
    return [
        f"{k.key_display} {k.description}"
        for k in footer.query(FooterKey)
        if k.region.width > 0 and k.region.right <= width
    ]


# -- the key guide ---------------------------------------------------------------------------------


async def test_the_key_guide_says_what_each_key_does_on_a_question_and_fits_80x24(data_dir: Path) -> None:
    app = make_app(FIXTURE, data_dir)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("s")
        question = app.screen
        assert isinstance(question, QuestionScreen)
        body = question.query_one("#q-body").region
        await pilot.press("question_mark")
        guide = app.screen
        assert isinstance(guide, KeyGuide)
        lines = guide_lines(app)
        assert "letter or its number" in lines["a-h 1-8"][0]
        assert lines["Enter"] == ("submit your choice, and nothing else: it never changes the choice", True)
        assert "next question" in lines["Enter n"][0] and not lines["Enter n"][1]  # not before submitting
        assert "simulation" in lines["s"][0] and not lines["s"][1]
        assert "under the cursor" in lines["Space"][0]
        assert lines["esc"][0].startswith("back home")
        assert lines["q"][0].startswith("quit") and lines["?"][0].startswith("this key guide")
        words = " ".join(w for w, _ in lines.values())
        for generic in ("Page Left", "Copy selected text", "Focus Next"):  # Textual's panel listed these
            assert generic not in words
        # a dialog over the screen: nothing underneath is squeezed; the hint shows and the list scrolls
        assert question.query_one("#q-body").region == body
        dialog = guide.query_one("#keys-dialog").region
        assert dialog.y >= 0 and dialog.bottom <= 24
        hint = guide.query_one("#keys-hint").region
        assert hint.bottom <= dialog.bottom and "closes" in text_of(guide.query_one("#keys-hint"))
        listing = guide.query_one("#keys-list")
        assert listing.max_scroll_y > 0 and listing.has_focus
        await pilot.press("pagedown")
        assert listing.scroll_y > 0
        await pilot.press("question_mark")  # ? closes it, as esc does
        assert app.screen is question
        await pilot.press("question_mark", "escape")
        assert app.screen is question


async def test_the_exam_guide_names_skip_grid_mark_and_pause(data_dir: Path) -> None:
    app = make_app(EXAM_BANK, data_dir, start="exam", seed=1)
    async with app.run_test(size=SMALL) as pilot:
        await begin(pilot)
        await pilot.press("question_mark")
        lines = guide_lines(app)
        assert lines["n"][0] == "skip to the next question without answering"
        assert lines["g"][0].startswith("the grid of every question")
        assert lines["m"][0].startswith("mark (or unmark) this question for review")
        assert lines["s ctrl+s"][0].startswith("review every question, then submit")
        assert lines["esc q"][0].startswith("pause the exam")  # the exam's q, not the app's Quit
        assert "q" not in lines
        assert not lines["p"][1]  # no previous question on the first one


async def test_the_guide_knows_the_simulation_screen_and_the_dialogs(data_dir: Path) -> None:
    app = make_app(FIXTURE, data_dir)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("t", "question_mark")
        assert "Study by tag" in text_of(app.screen.query_one(".dialog-title"))
        assert guide_lines(app)["esc"][0] == "close, with the filter unchanged"
        await pilot.press("escape", "escape", "s")
        await pilot.press(*keys(app, "B"), "enter", "s")
        assert isinstance(app.screen, SimulationScreen)
        await wait_for_workers(pilot)
        await pilot.press("question_mark")
        assert "Simulation" in text_of(app.screen.query_one(".dialog-title"))
        lines = guide_lines(app)
        assert lines["c"][0].startswith("try to break it")
        assert lines["r"][0].startswith("run with the form's values")


SCREENS: dict[str, list[type[Any]]] = {
    "HomeScreen": [HomeScreen],
    "QuestionScreen": [QuestionScreen],
    "ExamScreen": [ExamScreen],
    "ExamStartScreen": [ExamStartScreen],
    "SubmitReviewScreen": [SubmitReviewScreen],
    "ExamResultsScreen": [ExamResultsScreen],
    "ExamReviewScreen": [ExamReviewScreen],
    "HistoryScreen": [HistoryScreen],
    "QuestionGridDialog": [QuestionGridDialog, QuestionGrid],
    "ConfirmDialog": [ConfirmDialog],
    "OpenExamDialog": [OpenExamDialog],
    "SkippedDialog": [SkippedDialog],
    "SummaryDialog": [SummaryDialog],
    "TagDialog": [TagDialog],
    "SimLinksDialog": [SimLinksDialog],
    "SimulationScreen": [SimulationScreen],
    "SimBrowserScreen": [SimBrowserScreen],
}


@pytest.mark.parametrize("screen", SCREENS)
def test_every_key_of_every_screen_has_words_in_the_guide(screen: str) -> None:
    """The guide cannot drift: a binding added to a screen without words fails here."""
    words = {**COMMON, **GUIDES[screen].keys}
    for cls in SCREENS[screen]:
        for binding in Binding.make_bindings(cls.BINDINGS):
            if not binding.id:
                continue
            scope, _, name = binding.id.partition(".")
            name = "choose" if name.startswith("choose-") else name
            assert f"{scope}.{name}" in words, f"{cls.__name__}: {binding.id} has no words in the key guide"
    assert all(f"{scope}" in COMMON for scope in (f"options.{n}" for n in ("up", "down", "toggle")))


def test_key_labels_shorten_runs() -> None:
    assert key_label(["a", "1", "b", "2", "c", "3", "d", "4"]) == "a-d 1-4"
    assert key_label(["up", "k", "down", "j"]) == "↑ ↓ j k"
    assert key_label(["left", "h", "right", "l", "up", "k", "down", "j"]) == "← → ↑ ↓ h j k l"
    assert key_label(["escape", "question_mark"]) == "esc ?"
    assert key_label(["s", "ctrl+s"]) == "s ctrl+s"
    assert key_label(["q", "escape"]) == "esc q"


# -- the command palette ---------------------------------------------------------------------------


async def test_the_palette_offers_every_mode_and_runs_the_same_action(data_dir: Path) -> None:
    app = make_app(FIXTURE, data_dir)
    async with app.run_test(size=SMALL) as pilot:
        titles = {c.title: c.help for c in app.get_system_commands(app.screen)}
        for title in (
            "Study every question",
            "Take a practice exam",
            "Study the missed questions",
            "History",
            "Simulations",
            "Study a tag",
            "Theme",
            "Key guide",
        ):
            assert title in titles
        assert titles["History"].endswith("(h on the home screen)")
        assert titles["Skipped files"] == "Not now: no file was skipped: every file of the bank loaded"
        assert "Keys" not in titles  # Textual's generic help panel is not offered

        await pilot.press("ctrl+p", *"history", "enter")
        await pilot.pause()
        assert isinstance(app.screen, HistoryScreen)

        # from a study question: the palette goes home first, then runs e (the exam's start page)
        await pilot.press("escape", "s")
        assert isinstance(app.screen, QuestionScreen)
        assert (
            "goes home, then e"
            in {c.title: c.help for c in app.get_system_commands(app.screen)}["Take a practice exam"]
        )
        await app.run_mode("exam")
        await pilot.pause()
        assert isinstance(app.screen, ExamStartScreen)
        assert isinstance(app.screen_stack[-2], HomeScreen)

        await pilot.press("escape", "ctrl+p", *"key guide", "enter")
        await pilot.pause()
        assert isinstance(app.screen, KeyGuide)


async def test_the_palette_explains_what_cannot_run_during_an_exam(data_dir: Path) -> None:
    app = recording(make_app(EXAM_BANK, data_dir, start="exam", seed=1))
    async with app.run_test(size=SMALL) as pilot:
        exam = await begin(pilot)
        titles = {c.title: c.help for c in app.get_system_commands(app.screen)}
        assert titles["History"].startswith("Not now: an exam is running (esc pauses it")
        assert titles["Theme"] and titles["Key guide"]
        await app.run_mode("history")
        await pilot.pause()
        assert app.screen is exam
        assert "An exam is running (esc pauses it, s submits it)." in notices(app)


async def test_quit_from_the_palette_during_an_exam_asks_to_pause_as_q_does(data_dir: Path) -> None:
    app = make_app(EXAM_BANK, data_dir, start="exam", seed=1)
    async with app.run_test(size=SMALL) as pilot:
        exam = await begin(pilot)
        quit_help = {c.title: c.help for c in app.get_system_commands(exam)}["Quit"]
        assert quit_help == "asks to pause the exam first, as q does in it"
        await pilot.press("ctrl+p", *"quit", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        assert "Pause the exam?" in text_of(app.screen.query_one("#confirm-question"))
        await pilot.press("n")
        assert app.screen is exam
        assert app.return_code is None


# -- keys that do nothing say why --------------------------------------------------------------------


async def test_home_keys_that_cannot_run_say_why_on_a_fresh_install(data_dir: Path) -> None:
    app = recording(make_app(FIXTURE, data_dir))
    async with app.run_test(size=SMALL) as pilot:
        for key in ("p", "r", "x", "m"):
            await pilot.press(key)
            assert isinstance(app.screen, HomeScreen)
        said = notices(app)
        assert "No file was skipped: every file of the bank loaded." in said
        assert "There is no unfinished exam to resume: e starts one." in said
        assert "There is no unfinished exam to discard: e starts one." in said
        assert "You have not answered any question yet: press s to study." in said


async def test_exam_keys_at_the_ends_and_s_in_the_grid_say_why(data_dir: Path) -> None:
    app = recording(make_app(EXAM_BANK, data_dir, start="exam", seed=1))
    async with app.run_test(size=SMALL) as pilot:
        exam = await begin(pilot)
        await pilot.press("p")
        assert "This is the first question." in notices(app)
        await pilot.press("n", "n", "n", "n", "n")
        assert exam.exam.current == 4
        assert "This is the last question: s reviews your answers and submits, g opens the grid." in notices(
            app
        )

        await pilot.press("g", "s")
        grid = app.screen
        assert isinstance(grid, QuestionGridDialog)  # s does not submit from here, and says so inside
        assert "s submits from the exam itself: esc closes the grid" in text_of(
            grid.query_one("#exam-grid-hint")
        )
        await pilot.press("escape", "s")
        assert isinstance(app.screen, SubmitReviewScreen)


async def test_study_keys_before_and_after_submitting_say_why(data_dir: Path) -> None:
    app = recording(make_app(FIXTURE, data_dir))
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("s", "s", "n", "h")
        said = notices(app)
        assert "The simulations open after you submit (Enter), so they cannot give the answer away." in said
        assert "N goes on after the feedback: Enter submits your choice first." in said
        assert "This question has only 3 options, a to c (or 1 to 3)." in said
        await pilot.press(*keys(app, "B"), "enter", "a")
        assert "Your answer is submitted: Enter or n goes to the next question." in notices(app)


QUESTION_WITH_OWN_SIMS = """\
    id: ui-own-sims
    title: An option without a simulation
    domain: basics
    scenario: A scenario.
    prompt: Which one?
    options:
      - text: First.
        why: Because first.
      - text: Second.
        why: Because second.
        sim: cnn-receptive-field
    answer: A
    explanation: The analysis.
    sims: [path-length-reachability]
    """


async def test_s_on_an_option_without_a_simulation_says_so_and_offers_the_questions_own(
    tmp_path: Path, data_dir: Path
) -> None:
    bank = copy_bank(tmp_path)
    write_question(bank, "q0-own-sims.yaml", QUESTION_WITH_OWN_SIMS)
    app = make_app(bank, data_dir)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("s")
        screen = app.screen
        assert isinstance(screen, QuestionScreen) and screen.question.id == "ui-own-sims"
        await pilot.press(*keys(app, "A"), "enter")
        options = screen.query_one(OptionsView)
        options.place_cursor(options.shown.order.index("A"))
        await pilot.press("s")
        dialog = app.screen
        assert isinstance(dialog, SimLinksDialog)  # not, silently, another option's simulation
        letter = options.shown.letter("A")
        message = text_of(dialog.query_one("#sim-links-message"))
        assert message == f"Option {letter} has no simulation of its own. The question links these 2:"
        other = options.shown.letter("B")
        listed = [str(o.prompt) for o in dialog.query_one("#sim-links-list").options]
        assert listed[0].endswith(f"option {other}") and "path-length-reachability" in listed[1]
        await pilot.press("escape")
        assert app.screen is screen
        await pilot.press("s", "down", "enter")
        assert isinstance(app.screen, SimulationScreen)
        assert app.screen.simulation.id == "path-length-reachability"


# -- keys typed fast -----------------------------------------------------------------------------------


async def test_esc_typed_fast_after_g_closes_the_grid_and_the_next_key_acts(data_dir: Path) -> None:
    """The cause: a terminal sends Esc then n within Textual's escape delay (0.1 s) as 'alt+n', so the
    Esc never reached the grid and the n was lost. The app splits it back into both keys."""
    parser = XTermParser()
    tokens = [*parser.feed("g\x1bn"), *parser.feed("")]  # the bytes a fast 'g Esc n' puts on the tty
    assert [t.key for t in tokens if isinstance(t, events.Key)] == ["g", "alt+n"]
    app = make_app(EXAM_BANK, data_dir, start="exam", seed=1)
    async with app.run_test(size=SMALL) as pilot:
        exam = await begin(pilot)
        driver = app._driver
        assert driver is not None
        for token in tokens:  # back to back, no pause between them
            driver.send_message(token)
        for _ in range(5):
            await pilot.pause()
        assert app.screen is exam and exam.exam.current == 1

        for key in ("g", "escape", "s"):  # separate keys, also back to back
            driver.send_message(events.Key(key, None if key == "escape" else key))
        for _ in range(5):
            await pilot.pause()
        assert isinstance(app.screen, SubmitReviewScreen)


# -- toasts ------------------------------------------------------------------------------------------


async def test_a_toast_raised_on_home_is_gone_on_the_next_screen(data_dir: Path) -> None:
    app = make_app(FIXTURE, data_dir)
    async with app.run_test(size=SMALL, notifications=True) as pilot:
        await pilot.press("p")  # nothing skipped: a toast says so
        await pilot.pause()
        assert app.screen.query("Toast")
        await pilot.press("h")
        await pilot.pause()
        assert isinstance(app.screen, HistoryScreen)
        assert not app.screen.query("Toast")  # not over the History screen's only line


async def test_messages_in_dialogs_are_shown_inside_them(data_dir: Path) -> None:
    app = make_app(FIXTURE, data_dir)
    async with app.run_test(size=(100, 40), notifications=True) as pilot:
        await pilot.press("s")
        for _ in range(2):
            screen = app.screen
            assert isinstance(screen, QuestionScreen)
            await pilot.press(*keys(app, *screen.question.answers), "enter", "n")
        summary = app.screen
        assert isinstance(summary, SummaryDialog)
        await pilot.press("r")  # every answer right: said inside, no toast over the buttons
        assert "nothing to retake" in text_of(summary.query_one("#summary-message"))
        assert not summary.query("Toast")


# -- words ---------------------------------------------------------------------------------------------


def test_plurals() -> None:
    assert plural(1, "question") == "1 question"
    assert plural(2, "layer") == "2 layers"
    assert plural(1, "question is", "questions are") == "1 question is"
    assert plural(0, "question is", "questions are") == "0 questions are"


async def test_no_zero_marked_and_time_up_said_once(data_dir: Path) -> None:
    clock = Clock()
    app = recording(make_app(EXAM_BANK, data_dir, start="exam", seed=1, clock=clock))
    async with app.run_test(size=SMALL) as pilot:
        exam = await begin(pilot)
        await pilot.press("g")
        counts = text_of(app.screen.query_one("#exam-grid-counts"))
        assert counts == "0 of 5 answered" and "marked" not in counts
        await pilot.press("escape")
        clock.advance(exam.exam.time_limit + 1)
        exam.tick_clock()
        await pilot.pause()
        assert isinstance(app.screen, ExamResultsScreen)
        facts = text_of(app.screen.query_one("#results-facts"))
        assert "5 unanswered" in facts and "marked" not in facts
        said = [line for line in notices(app).splitlines() if "Time is up" in line]
        assert said == [": Time is up: the exam was submitted with the answers given so far."]
        await pilot.press("m")  # the marked filter: none, said on the filter line, not in a toast
        assert "no marked questions in this exam" in text_of(app.screen.query_one("#results-filter"))


async def test_a_fresh_install_says_what_to_do_first(data_dir: Path) -> None:
    app = make_app(FIXTURE, data_dir)
    async with app.run_test(size=SMALL) as pilot:
        hint = app.screen.query_one("#home-hint")
        assert text_of(hint).startswith("New here? Press s to study every question with feedback, e for")
        await pilot.press("h")
        assert text_of(app.screen.query_one("#history-hint")) == "No exams yet: press e to take one."
        await pilot.press("e")
        assert isinstance(app.screen, ExamStartScreen)
        await pilot.press("escape", "escape", "s")
        await pilot.press(*keys(app, "B"), "enter", "escape")
        assert isinstance(app.screen, HomeScreen)
        assert text_of(app.screen.query_one("#home-hint")).startswith("Enter studies the highlighted row")


async def test_the_missed_session_says_missed_in_its_header(data_dir: Path) -> None:
    app = make_app(FIXTURE, data_dir)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("s")
        await pilot.press(*keys(app, "A"), "enter", "escape", "m")
        assert isinstance(app.screen, QuestionScreen)
        assert text_of(app.screen.query_one("#q-header")).startswith("Missed  ·  1 / 1")


# -- dialogs, error screen, layout ----------------------------------------------------------------------


async def test_the_skipped_files_dialog_scrolls_and_shows_how_to_close_at_80x24(
    tmp_path: Path, data_dir: Path
) -> None:
    bank = copy_bank(tmp_path)
    for n in range(8):
        write_question(bank, f"broken{n}.yaml", f"id: broken-{n}\ntitle: [unclosed\n")
    app = make_app(bank, data_dir)
    async with app.run_test(size=SMALL) as pilot:
        assert "p Skipped files" not in visible_footer(app)  # said by its own line instead
        assert {"q Quit", "? Keys"} <= set(visible_footer(app))
        await pilot.press("p")
        dialog = app.screen
        assert isinstance(dialog, SkippedDialog)
        close = dialog.query_one("#skipped-close", Button)
        assert close.region.bottom <= 23 and close.region.height == 1
        assert "scroll" in text_of(dialog.query_one("#skipped-footer .dim"))
        listing = dialog.query_one("#skipped-list")
        assert listing.has_focus and listing.max_scroll_y > 0
        await pilot.press("down", "down")
        assert listing.scroll_y == 2
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)


async def test_a_bank_that_cannot_be_opened_has_a_title_bar_a_footer_and_exits_non_zero(
    tmp_path: Path, data_dir: Path
) -> None:
    folder = tmp_path / "no-bank"
    folder.mkdir()
    app = recording(make_app(folder, data_dir))
    async with app.run_test(size=SMALL) as pilot:
        await pilot.pause()
        assert text_of(app.screen.query_one("#bank-title")) == "quizapp  ·  the bank cannot be opened"
        assert "no bank.yaml" in text_of(app.screen.query_one("#bank-error"))
        assert "q quits" in text_of(app.screen.query_one("#home-hint"))
        assert {"q Quit", "? Keys"} <= set(visible_footer(app))
        await pilot.press("s")
        assert "The bank cannot be opened (see above); q quits." in notices(app)
        await pilot.press("q")
    assert app.return_code == 1


def hanging(lines: list[str], marks: str = "•") -> list[list[str]]:
    """Drawn lines split into items: each opens with a mark and a space, and each line after it is
    indented under its text (two spaces), never back under the mark."""
    items: list[list[str]] = []
    for line in lines:
        if line[:1] in marks:
            assert line[1:2] == " ", line
            items.append([line])
        else:
            assert items and line.startswith("  ") and not line[2:3].isspace(), line
            items[-1].append(line)
    return items


async def test_long_titles_and_references_wrap_with_a_hanging_indent(data_dir: Path) -> None:
    app = make_app(FIXTURE, data_dir)
    async with app.run_test(size=(30, 40)) as pilot:
        await pilot.press("s")
        await pilot.press(*keys(app, "A"), "enter")
        await pilot.pause()
        references = app.screen.query_one("#fb-references", BulletList)
        drawn = [line.rstrip() for line in rendered_lines(references).splitlines()]
        assert len(drawn) == references.region.height  # as tall as its wrapped lines
        items = hanging(drawn)
        assert len(items) == len(references.items) and any(
            len(item) > 1 for item in items
        )  # wraps under itself
        await pilot.press("n")
        await pilot.press(*keys(app, "A", "C"), "enter", "n")
        summary = app.screen
        assert isinstance(summary, SummaryDialog)
        drawn = [line.rstrip() for line in rendered_lines(summary.query_one(BulletList)).splitlines()]
        rows = hanging(drawn, marks="✓✗")
        assert len(rows) == 2 and any(len(row) > 1 for row in rows)


def scrolling(screen: Any) -> list[str]:
    """The ids of the widgets that draw a vertical scrollbar."""
    return [
        str(w.id)
        for w in screen.query("*")
        if w.show_vertical_scrollbar and w.styles.scrollbar_size_vertical > 0
    ]


async def test_the_question_and_its_feedback_draw_one_vertical_scrollbar(data_dir: Path) -> None:
    """One thumb in the column: only the question's body scrolls (a thumb's two ends are drawn with
    partial-block glyphs, which in a text capture can look like two thumbs)."""
    app = make_app(None, data_dir)
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("s")
        for _ in range(3):
            screen = app.screen
            assert isinstance(screen, QuestionScreen)

            assert scrolling(screen) == ["q-body"]
            await pilot.press(*keys(app, *screen.question.answers), "enter")
            await pilot.pause()
            assert scrolling(screen) == ["q-body"]
            await pilot.press("n")


async def test_footers_keep_quit_and_keys_at_80_columns(data_dir: Path) -> None:
    app = make_app(EXAM_BANK, data_dir, seed=1)
    async with app.run_test(size=SMALL) as pilot:
        wanted = {"q Quit", "? Keys"}
        assert wanted <= set(visible_footer(app))
        await pilot.press("s")
        assert wanted <= set(visible_footer(app))
        await pilot.press(*keys(app, *app.screen.question.answers), "enter")
        assert wanted <= set(visible_footer(app))
        await pilot.press("escape", "h")
        assert wanted <= set(visible_footer(app))
        await pilot.press("escape", "e")
        assert wanted <= set(visible_footer(app))
        await pilot.press("enter")
        assert isinstance(app.screen, ExamScreen)
        assert "? Keys" in visible_footer(app)  # q pauses the exam here: 'esc Pause'
        await pilot.press("escape", "y")
        assert isinstance(app.screen, HomeScreen) and app.screen.query_one("#resume-offer").display
        assert wanted <= set(visible_footer(app))  # r and x are said on the offer line
        await pilot.press("r", "s", "s", "y")
        await pilot.pause()
        assert isinstance(app.screen, ExamResultsScreen)
        assert wanted <= set(visible_footer(app))
        await pilot.press("enter")
        assert isinstance(app.screen, ExamReviewScreen)
        assert wanted <= set(visible_footer(app))


def test_a_bullet_list_wraps_each_item_under_its_own_text() -> None:
    from textual.content import Content

    items = BulletList(["one two three four", "", ("✓", "five"), (Content("‼"), "sixsixsixsix")])
    assert [str(line) for line in items.lines(8)] == [
        "• one",
        "  two",
        "  three",
        "  four",
        "• ",
        "✓ five",
        "‼ sixsix",
        "  sixsix",
    ]
    assert items.get_content_height(None, None, 8) == 8  # type: ignore[arg-type]
    assert [str(line) for line in items.lines(80)] == [
        "• one two three four",
        "• ",
        "✓ five",
        "‼ sixsixsixsix",
    ]
