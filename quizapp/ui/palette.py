"""The command palette (ctrl+p): every mode of quizapp by name, each running the same action as its key
on the home screen, plus the key guide and Textual's theme picker.

The entries go through Textual's ``App.get_system_commands`` (its ``SystemCommandsProvider`` lists and
fuzzy-searches them). An entry that cannot run now says why in its help line, and says it again if it
is chosen anyway."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from textual.app import SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from .screens.home import HomeScreen

if TYPE_CHECKING:
    from .app import QuizApp


@dataclass(frozen=True)
class Mode:
    """A way in that the home screen offers on a key: the palette's title for it, and its action."""

    title: str
    action: str
    help: str


MODES = (
    Mode("Study what is due", "due", "due reviews first, then new questions, across domains"),
    Mode("Study every question", "study", "with feedback after each"),
    Mode("Study a tag", "tag", "pick one of the bank's tags"),
    Mode("Study the missed questions", "missed", "those whose latest answer was wrong"),
    Mode("Take a practice exam", "exam", "timed; a start page comes first"),
    Mode("Resume the unfinished exam", "resume", "where you left it"),
    Mode("Discard the unfinished exam", "discard", "asks first"),
    Mode("History", "history", "past exams and study totals"),
    Mode("Stats", "stats", "readiness, the pass probability, accuracy, due, calibration, calendar"),
    Mode("Misconceptions", "misconceptions", "the requirements you break and the distractors you pick again"),
    Mode("Simulations", "simulations", "browse and run every simulation"),
    Mode("Skipped files", "skipped", "the bank files that were skipped, and why"),
)
"""The home screen's modes, in the palette's words (the key comes from the home screen's bindings)."""


def home_key(action: str) -> str:
    """The key that runs ``action`` on the home screen, from its bindings (so it cannot drift)."""
    for binding in Binding.make_bindings(HomeScreen.BINDINGS):
        if binding.action == action:
            return binding.key_display or binding.key
    return ""


def system_commands(app: QuizApp, screen: Screen[object]) -> Iterator[SystemCommand]:
    """quizapp's palette entries, as they stand over ``screen``."""
    for mode in MODES:
        reason = app.why_not_mode(mode.action)
        key = home_key(mode.action)
        where = f"{key} on the home screen" if isinstance(screen, HomeScreen) else f"goes home, then {key}"
        text = f"Not now: {reason}" if reason else f"{mode.help} ({where})"
        yield SystemCommand(mode.title, text, partial(app.run_mode, mode.action))
    cbm = "on: summaries and exam results score how sure you said you were" if app.cbm else "off"
    yield SystemCommand(
        "Certainty-based marks", f"{cbm} (choose to turn {'off' if app.cbm else 'on'})", app.toggle_cbm
    )
    yield SystemCommand("Key guide", "what each key does on this screen (?)", app.action_toggle_keys)
    yield SystemCommand(
        "Theme",
        f"change the colours: now {app.theme}; the one picked is kept for the next start (or --theme NAME)",
        app.action_change_theme,
    )
    quit_text = (
        "asks to pause the exam first, as q does in it"
        if app.running_exam() is not None
        else "quit quizapp (every answer is already saved)"
    )
    yield SystemCommand("Quit", quit_text, app.action_leave_app)
    yield SystemCommand(
        "Screenshot",
        "save an SVG picture of this screen in the current folder",
        lambda: app.set_timer(0.1, app.deliver_screenshot),
    )
