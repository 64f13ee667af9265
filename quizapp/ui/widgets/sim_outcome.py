"""Under the simulation's plot: what the shown verdict is worth, the verdict, and any error.

Three lines of state a learner must never have to guess:

- a notice, when the form cannot run ("Can't run: layers must be ≤ 24") or when it differs from the
  setting the verdict on show was reached at ("stale: the form differs from this run (layers 12 → 99);
  r runs it"); it goes away as soon as the form is fixed or put back;
- the verdict, with the setting it was reached at, dimmed and tagged while it is stale, and tagged
  "previous run" when a newer run was stopped before it decided anything;
- an error panel when the simulation failed or the question's setting was refused;
- the learner's prediction for the run (predict, then run): committed, graded by the verdict, or void.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from sims import Verdict

from ...params import fmt
from ...predictions import Prediction, tolerance_words
from ...text import plain

RIGHT = ("✓", "bold $text-success")
WRONG = ("✗", "bold $text-error")


def _said(holds: bool) -> str:
    return "holds" if holds else "fails"


def committed_line(holds: bool, estimate: float | None) -> Content:
    """A prediction waiting for its run: 'Your prediction: fails · estimate 40 — the run grades it'."""
    guess = f" · estimate {fmt(estimate)}" if estimate is not None else ""
    return Content.assemble(
        ("Your prediction: ", "bold"), f"{_said(holds)}{guess}", (" — the run grades it", "dim")
    )


def graded_line(prediction: Prediction) -> Content:
    """A graded prediction in one line: 'Your prediction: fails ✗ (it holds) · estimate 40 vs 49
    measured ✓ within 25%'."""
    right = bool(prediction.holds_right)
    parts: list[str | tuple[str, str] | Content] = [
        ("Your prediction: ", "bold"),
        f"{_said(prediction.holds)} ",
        RIGHT if right else WRONG,
    ]
    if not right and prediction.actual_holds is not None:
        parts.append(f" (it {_said(prediction.actual_holds)})")
    if prediction.estimate is not None:
        parts.append(f" · estimate {fmt(prediction.estimate)}")
        if prediction.actual_value is None or prediction.estimate_right is None:
            parts.append(("; not measured at these settings, ungraded", "dim"))
        else:
            tolerance = tolerance_words(prediction.scale)
            parts += [f" vs {fmt(prediction.actual_value)} measured "]
            parts += [RIGHT, f" {tolerance}"] if prediction.estimate_right else [WRONG, f" not {tolerance}"]
    return Content.assemble(*parts)


@dataclass(frozen=True)
class Shown:
    """The verdict on show: what was decided, at which setting, and whether a newer run was stopped."""

    verdict: Verdict
    setting_text: str
    previous: bool = False


class SimOutcome(Vertical):
    """The notice line, the verdict, the prediction line and the error panel of a simulation screen."""

    DEFAULT_CSS = """
    SimOutcome #sim-prediction { display: none; height: auto; max-height: 2; }
    SimOutcome #sim-prediction.-void { color: $text-warning; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.shown: Shown | None = None
        """The verdict on show (None while running, or when nothing was decided)."""
        self.stale = False
        """Whether the form differs from the setting of the verdict (or run) on show."""

    def compose(self) -> ComposeResult:
        """Notice, verdict, error panel."""
        yield Static(id="sim-notice")
        yield Static(id="sim-verdict")
        yield Static(id="sim-prediction")
        yield Static(id="sim-error")

    # -- the verdict -------------------------------------------------------------------------------

    def show_running(self, setting_text: str) -> None:
        """A run is in flight at this setting."""
        self.shown = None
        self.hide_error()
        verdict = self.query_one("#sim-verdict", Static)
        verdict.update(Content.assemble(("running…", "dim"), (f"  ({setting_text})", "dim")))
        verdict.set_classes("")

    def show_verdict(self, verdict: Verdict, setting_text: str, *, previous: bool = False) -> None:
        """A decided verdict; ``previous`` when it is back on show because a newer run was stopped."""
        self.shown = Shown(verdict, setting_text, previous)
        self._draw_verdict()

    def show_nothing(self, text: str) -> None:
        """No verdict to show, and why ('stopped — no verdict', 'no verdict')."""
        self.shown = None
        verdict = self.query_one("#sim-verdict", Static)
        verdict.update(Content.styled(text, "dim"))
        verdict.set_classes("")

    def _draw_verdict(self) -> None:
        """The verdict on show, with its setting and tags, dimmed while stale."""
        shown = self.shown
        if shown is None:
            return
        if shown.verdict.holds:
            mark = ("✓ claim holds", "bold $text-success")
        else:
            mark = ("✗ claim does not hold", "bold $text-error")
        tags = [tag for tag, on in (("previous run", shown.previous), ("stale", self.stale)) if on]
        tail = ("  · " + " · ".join(tags), "italic $text-warning") if tags else ""
        widget = self.query_one("#sim-verdict", Static)
        widget.update(
            Content.assemble(
                mark, (f"  ({shown.setting_text})", "dim"), tail, "\n", plain(shown.verdict.summary)
            )
        )
        widget.set_classes("-holds" if shown.verdict.holds else "-fails")
        widget.set_class(self.stale, "-stale")

    # -- the prediction ---------------------------------------------------------------------------

    def show_prediction(self, line: Content | None, *, void: bool = False) -> None:
        """The prediction line (None hides it); ``void`` marks a prediction that will not be graded."""
        widget = self.query_one("#sim-prediction", Static)
        widget.update(line or Content())
        widget.display = line is not None
        widget.set_class(void, "-void")

    @property
    def prediction_text(self) -> str:
        """The prediction line as plain text ('' while hidden)."""
        widget = self.query_one("#sim-prediction", Static)
        return str(widget.visual) if widget.display else ""

    # -- the notice --------------------------------------------------------------------------------

    def set_notice(self, *, problem: str = "", differences: str = "", running: bool = False) -> None:
        """Say why the form cannot run (``problem``), or how it differs from the verdict or run on show
        (``differences``, empty when it matches); both cleared when the form is fixed and put back."""
        notice = self.query_one("#sim-notice", Static)
        was_stale = self.stale
        self.stale = bool(problem or differences) and (self.shown is not None or running)
        if problem:
            notice.update(Content.assemble(("✗ Can't run: ", "bold"), problem))
        elif differences and running:  # Content, never markup: the differences hold typed text
            notice.update(Content(f"the form differs from this run ({differences}); r runs the form"))
        elif differences and self.shown is not None:
            notice.update(
                Content.assemble(
                    ("stale: ", "bold"), f"the form differs from this run ({differences}); r runs it"
                )
            )
        else:
            notice.update(Content())
        notice.set_class(bool(problem), "-blocked")
        notice.display = bool(problem) or (bool(differences) and (running or self.shown is not None))
        if self.stale != was_stale:
            self._draw_verdict()

    # -- errors ------------------------------------------------------------------------------------

    def show_error(self, headline: str, text: str) -> None:
        """An error panel instead of a verdict."""
        panel = self.query_one("#sim-error", Static)
        panel.update(Content.assemble((headline, "bold"), "\n", text))
        panel.display = True
        self.show_nothing("no verdict")

    def hide_error(self) -> None:
        """No error on show."""
        panel = self.query_one("#sim-error", Static)
        panel.update(Content())
        panel.display = False
