"""Predict, then run: the simulation screen's prediction flow, apart from its form, plot and runs.

The learner commits a prediction at the form's setting (the claim holds or fails, and an estimate of
the simulation's headline number when it has one); the store keeps it and the run starts at once; the
run's verdict grades it. A prediction is void (stored, never graded) when the form changes or the run
is stopped before it finishes. :class:`~.simulation.SimulationScreen` derives from this class."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.content import Content
from textual.screen import Screen

from sims import RunResult

from ...predictions import Predictions, scale_of, tolerance_words
from ...store import StoreError
from ...text import plain
from ..dialogs.predict import Estimate, Guess, PredictDialog
from ..widgets.sim_outcome import committed_line, graded_line

if TYPE_CHECKING:
    from sims import Simulation

    from ..widgets.param_form import ParamForm
    from ..widgets.sim_outcome import SimOutcome
    from .sim_settings import Settings


@dataclass(frozen=True)
class Pending:
    """A committed prediction waiting for its run: the store's id, the values it is for, the run."""

    id: int
    values: dict[str, Any]
    run: int


class PredictThenRun(Screen[None]):
    """p asks for a prediction and runs; the run's end grades it; a changed form or a stop voids it."""

    if TYPE_CHECKING:  # provided by SimulationScreen
        running: bool
        pending: Pending | None
        simulation: Simulation
        settings: Settings

        @property
        def form(self) -> ParamForm: ...

        @property
        def outcome(self) -> SimOutcome: ...

        def start_run(self, prediction: int | None = None) -> None: ...

        def update_run_button(self) -> None: ...

        def refresh_notice(self) -> None: ...

    def _store(self) -> Any:
        """The app's store (None in an app without one)."""
        return getattr(self.app, "store", None)

    def action_predict(self) -> None:
        """Ask for a prediction at the form's setting; committing stores it and runs."""
        if self.running or self.form.check() is None:
            self.update_run_button()
            self.refresh_notice()
            return
        values = self.form.values()
        sim = self.simulation
        estimate = None
        if sim.headline is not None:
            label = plain(sim.quantities.get(sim.headline, sim.headline))
            estimate = Estimate(label, tolerance_words(scale_of(sim)))

        def committed(guess: Guess | None) -> None:
            if guess is not None:
                self.commit_prediction(values, guess)

        self.app.push_screen(PredictDialog(self.settings.describe(values), estimate), committed)

    def action_predict_unlisted(self) -> None:
        """p where the footer has no room for it (beside s): the same as :meth:`action_predict`."""
        self.action_predict()

    def commit_prediction(self, values: dict[str, Any], guess: Guess) -> None:
        """Store the prediction for these values and run them (unless the form moved meanwhile)."""
        if self.running or self.form.check() is None or self.form.values() != values:
            self.notify("The form changed: predict again.", severity="warning", markup=False)
            return
        sim = self.simulation
        headline = sim.headline if guess.estimate is not None else None
        try:
            prediction = Predictions(self._store()).commit(
                sim.id, values, guess.holds, estimate=guess.estimate, headline=headline, scale=scale_of(sim)
            )
        except (StoreError, ValueError) as exc:
            self.notify(f"The prediction was not saved: {exc}", severity="error", markup=False)
            return
        self.start_run(prediction)
        self.outcome.show_prediction(committed_line(guess.holds, guess.estimate))

    def grade_prediction(self, run: int, result: RunResult) -> None:
        """The run finished: grade the prediction it was started for, and say how it went."""
        pending = self.pending
        if pending is None or pending.run != run:
            return
        self.pending = None
        try:
            graded = Predictions(self._store()).grade(
                pending.id, result.verdict.holds, result.verdict.measured
            )
        except (StoreError, KeyError) as exc:
            self.notify(f"The prediction was not graded: {exc}", severity="error", markup=False)
            self.outcome.show_prediction(None)
            return
        self.outcome.show_prediction(graded_line(graded))

    def void_prediction(self, why: str) -> None:
        """A prediction that its run will not grade: say so (the store keeps it, ungraded)."""
        if self.pending is None:
            return
        self.pending = None
        self.outcome.show_prediction(
            Content.assemble(("Prediction void: ", "bold"), f"{why}; it stays ungraded. p predicts again."),
            void=True,
        )
