"""Predict, then run: before a run the learner says whether the claim will hold at the form's settings
and, for a simulation with a headline number, may estimate it. Dismisses with the :class:`Guess`, or
None when cancelled. The simulation screen stores it and runs at once; the run grades it.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from ..widgets.param_form import NumberInput
from .keys import KEYS_BINDING

NUMBER_CHARACTERS = "0123456789.-+eE_"
"""What an estimate may be typed with; every other key (h, f) reaches the dialog's bindings."""


@dataclass(frozen=True)
class Guess:
    """What the learner committed to: holds or fails, and an optional estimate of the headline."""

    holds: bool
    estimate: float | None = None


@dataclass(frozen=True)
class Estimate:
    """The headline a learner may estimate: its label (plain text) and its tolerance in words."""

    label: str
    tolerance: str


def parse_estimate(text: str) -> float | None:
    """The typed estimate (None when empty); ValueError with a short reason when it is not a number."""
    text = text.strip().replace("_", "")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"'{text}' is not a number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError("the estimate must be a finite number")
    return value


class PredictDialog(ModalScreen[Guess | None]):
    """Holds or fails (h / f, or the buttons), with an optional estimate typed first; Esc cancels."""

    BINDINGS = [
        Binding("h", "commit(True)", "Holds", id="predict.holds"),
        Binding("f", "commit(False)", "Fails", id="predict.fails"),
        Binding("escape", "cancel", "Cancel", id="predict.cancel"),
        KEYS_BINDING,
    ]

    DEFAULT_CSS = """
    #predict-dialog { max-width: 76; }
    #predict-estimate-label { margin-top: 1; }
    #predict-estimate { width: 24; margin: 0; }
    #predict-problem { color: $text-error; height: auto; }
    #predict-hint { color: $text-muted; margin-top: 1; }
    """

    def __init__(self, setting_text: str, estimate: Estimate | None = None) -> None:
        super().__init__()
        self.setting_text = setting_text
        self.estimate = estimate

    def compose(self) -> ComposeResult:
        """The question, the two answers, the estimate (when there is a headline) and a hint."""
        with Vertical(id="predict-dialog", classes="dialog"):
            yield Static(Content.styled("Predict, then run", "bold"), classes="dialog-title")
            yield Static(
                Content.assemble("At these settings ", (f"({self.setting_text})", "dim"), " the claim will…"),
                id="predict-question",
            )
            with Horizontal(classes="dialog-buttons"):
                yield Button("hold (h)", id="predict-holds", variant="success", compact=True)
                yield Button("fail (f)", id="predict-fails", variant="error", compact=True)
            if self.estimate is not None:
                yield Static(
                    Content.assemble(
                        ("Estimate (optional): ", "bold"),
                        self.estimate.label,
                        (f" — counts as right {self.estimate.tolerance}", "dim"),
                    ),
                    id="predict-estimate-label",
                )
                yield NumberInput(
                    "",
                    characters=NUMBER_CHARACTERS,
                    placeholder="a number",
                    id="predict-estimate",
                    compact=True,
                )
                yield Static(id="predict-problem")
            hint = "type an estimate, then " if self.estimate is not None else ""
            yield Static(Content(f"{hint}h or f commits and runs · esc cancels"), id="predict-hint")

    def on_mount(self) -> None:
        """The estimate's field takes the focus (h and f still answer from it)."""
        if self.estimate is not None:
            self.query_one("#predict-estimate", NumberInput).focus()

    def action_commit(self, holds: bool) -> None:
        """Dismiss with the guess, unless the estimate typed is not a number (then say why)."""
        estimate: float | None = None
        if self.estimate is not None:
            try:
                estimate = parse_estimate(self.query_one("#predict-estimate", NumberInput).value)
            except ValueError as exc:
                self.query_one("#predict-problem", Static).update(Content(f"✗ {exc}"))
                return
        self.dismiss(Guess(holds, estimate))

    def action_cancel(self) -> None:
        """Close without predicting."""
        self.dismiss(None)

    def on_input_submitted(self, event: NumberInput.Submitted) -> None:
        """Enter in the estimate asks for h or f (it cannot know which)."""
        event.stop()
        self.query_one("#predict-problem", Static).update(Content("press h (holds) or f (fails) to commit"))

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """A button commits its answer."""
        event.stop()
        self.action_commit(event.button.id == "predict-holds")
