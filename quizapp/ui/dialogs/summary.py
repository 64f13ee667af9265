"""The end of a study session: the score, and each question right or wrong."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from ...study.rating import CbmScore, cbm_score
from ...study.session import AnswerResult
from ...text import plain
from ..widgets.bullets import BulletList
from .keys import KEYS_BINDING, SaysWhy, sentence


def score_line(results: Sequence[AnswerResult]) -> str:
    """'3 / 5 correct (60%)'."""
    right, total = sum(r.correct for r in results), len(results)
    percent = round(100 * right / total) if total else 0
    return f"{right} / {total} correct ({percent}%)"


def cbm_line(score: CbmScore, stated: int) -> Content:
    """'Certainty-based marks 1.8 per question (3 best, −6 worst)' and, under it, '9 in all · how
    sure said on 4 of 5'."""
    mean = score.mean or 0.0
    return Content.assemble(
        "Certainty-based marks ",
        (f"{mean:.1f}".replace("-", "−"), "bold"),
        " per question",
        (" (3 best, −6 worst)", "dim"),
        "\n",
        (f"{score.total:+d} in all · how sure said on {stated} of {score.answered}".replace("-", "−"), "dim"),
    )


RETAKE = "retake"
"""What the dialog dismisses with when the learner asks to retake the questions they got wrong."""


class SummaryDialog(SaysWhy, ModalScreen[str | None]):
    """Shows the session's score; dismisses with RETAKE (r) to study the wrong ones again, or None."""

    BINDINGS = [
        Binding("escape,n", "close", "Back home", id="summary.close"),
        Binding("r", "retake", "Retake the wrong ones", id="summary.retake"),
        KEYS_BINDING,
    ]

    def __init__(self, results: Sequence[AnswerResult], *, cbm: bool = False) -> None:
        super().__init__()
        self.results = list(results)
        self.cbm = cbm
        """Show certainty-based marks (the setting is on), when the learner said how sure at least once."""

    def compose(self) -> ComposeResult:
        """The score and each question's result (a long title wraps under itself, not under the mark)."""
        with Vertical(id="summary-dialog", classes="dialog"):
            yield Static(Content.styled("Session complete", "bold"), classes="dialog-title")
            yield Static(Content.styled(score_line(self.results), "bold"), id="summary-score")
            stated = sum(r.confidence is not None for r in self.results)
            if self.cbm and stated:
                score = cbm_score((r.correct, r.confidence) for r in self.results)
                yield Static(cbm_line(score, stated), id="summary-cbm")
            with VerticalScroll(id="summary-list"):
                yield BulletList(
                    (
                        Content.styled("✓", "bold $text-success")
                        if r.correct
                        else Content.styled("✗", "bold $text-error"),
                        plain(r.question.title),
                    )
                    for r in self.results
                )
            yield Static(id="summary-message")
            with Horizontal(classes="dialog-buttons"):
                wrong = sum(not r.correct for r in self.results)
                if wrong:
                    yield Button(f"Retake the {wrong} I got wrong (r)", id="summary-retake", compact=True)
                yield Button("Back home (esc)", id="summary-close", variant="primary", compact=True)

    def on_mount(self) -> None:
        """Focus the button so Enter goes home."""
        self.query_one("#summary-close", Button).focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Retaking needs a wrong answer."""
        return action != "retake" or any(not r.correct for r in self.results)

    def action_close(self) -> None:
        """Close and go home."""
        self.dismiss(None)

    def action_retake(self) -> None:
        """Close and study the questions answered wrong."""
        self.dismiss(RETAKE)

    def why_not(self, action: str, parameters: tuple[object, ...] = ()) -> str | None:
        """Why r does nothing (said inside the dialog)."""
        if action == "retake" and not any(not r.correct for r in self.results):
            return "every answer was right: there is nothing to retake"
        return None

    def say(self, message: str) -> None:
        """Inside the dialog: a toast would cover its button."""
        line = self.query_one("#summary-message", Static)
        line.update(Content.styled(sentence(message), "bold"))
        line.display = True

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """A button: retake, or go home."""
        event.stop()
        self.dismiss(RETAKE if event.button.id == "summary-retake" else None)
