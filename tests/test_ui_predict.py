"""Predict, then run, on the simulation screen (Pilot, no sleeps): p opens the prediction dialog, h or f
commits it (with an optional estimate of the headline), the run starts at once and grades it; the
store keeps it; changing the form or stopping the run voids it; opened from a question the screen
offers a prediction before its first run."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from pydantic import Field
from textual.binding import Binding
from textual.widgets import Input, Switch

import sims
from quizapp.bank.models import SimLink
from quizapp.predictions import Predictions
from quizapp.ui import QuizApp, make_app
from quizapp.ui.dialogs.keys import COMMON, GUIDES
from quizapp.ui.dialogs.predict import PredictDialog, parse_estimate
from quizapp.ui.screens.simulation import OFFER, SimulationScreen

from .test_ui_sim_screen import footer_keys, wait_until
from .test_ui_sims import FIXTURE, LARGE, SMALL, open_sim, text_of, type_into, verdict_of, wait_for_workers


@pytest.fixture
def app(tmp_path: Path) -> QuizApp:
    return make_app(bank_dir=FIXTURE, data_dir=tmp_path)


def predictions(app: QuizApp) -> list[Any]:
    """Every prediction in the app's store."""
    return Predictions(app.store).all()


async def predict(pilot: Any, *keys: str) -> None:
    """Press p, then the keys in the dialog (an estimate's characters, then h or f)."""
    await pilot.press("p")
    await pilot.pause()
    assert isinstance(pilot.app.screen, PredictDialog)
    await pilot.press(*keys)
    await wait_for_workers(pilot)


# -- right and wrong ---------------------------------------------------------------------------------


async def test_a_right_prediction_with_an_estimate_is_stored_graded_and_shown(app: QuizApp) -> None:
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_sim(app, pilot, "cnn-receptive-field")  # from the browser: ran the defaults
        assert "p Predict" in footer_keys(screen) and "? Keys" in footer_keys(screen)
        assert screen.outcome.prediction_text == ""
        runs = screen.run_number
        await predict(pilot, "1", "5", "h")  # receptive field 17: 15 is within 25%
        assert screen.run_number == runs + 1  # committing ran at once
        [made] = predictions(app)
        assert made.sim_id == "cnn-receptive-field" and made.params == screen.result.params  # type: ignore[union-attr]
        assert (made.holds, made.estimate, made.headline, made.scale) == (
            True,
            15.0,
            "measured_at_L",
            "linear",
        )
        assert made.graded is not None and made.holds_right and made.estimate_right
        assert made.actual_value == 17.0
        line = screen.outcome.prediction_text
        assert line == "Your prediction: holds ✓ · estimate 15 vs 17 measured ✓ within 25%"
        assert "✓ claim holds" in verdict_of(screen)


async def test_a_wrong_prediction_says_what_happened(app: QuizApp) -> None:
    async with app.run_test(size=LARGE) as pilot:
        screen = await open_sim(app, pilot, "cnn-receptive-field")
        await predict(pilot, "4", "0", "f")
        [made] = predictions(app)
        assert (made.holds, made.holds_right, made.estimate_right) == (False, False, False)
        assert screen.outcome.prediction_text == (
            "Your prediction: fails ✗ (it holds) · estimate 40 vs 17 measured ✗ not within 25%"
        )
        await pilot.press("c")  # a run without a prediction takes the line away
        await wait_for_workers(pilot)
        assert screen.outcome.prediction_text == ""
        await predict(pilot, "f")  # at the counter (stride 2) it fails: right, and no estimate
        assert screen.outcome.prediction_text == "Your prediction: fails ✓"
        assert [p.holds_right for p in predictions(app)] == [False, True]
        assert predictions(app)[-1].params["stride"] == 2 and predictions(app)[-1].estimate is None


async def test_a_log_scale_headline_counts_within_a_factor_of_two(app: QuizApp) -> None:
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_sim(app, pilot, "kv-cache-sizing")
        await pilot.press("p")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, PredictDialog)
        label = text_of(dialog.query_one("#predict-estimate-label"))
        assert "GQA cache (GiB)" in label and "within a factor of 2" in label
        await pilot.press("0", ".", "2", "h")  # 0.3125 GiB measured: 0.2 is within a factor of 2
        await wait_for_workers(pilot)
        assert screen.outcome.prediction_text.endswith(
            "estimate 0.2 vs 0.3125 measured ✓ within a factor of 2"
        )


# -- the dialog ----------------------------------------------------------------------------------------


async def test_the_dialog_refuses_a_broken_estimate_and_esc_cancels(app: QuizApp) -> None:
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_sim(app, pilot, "cnn-receptive-field")
        runs = screen.run_number
        await pilot.press("p")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, PredictDialog)
        await pilot.press("1", "e", "h")
        assert app.screen is dialog
        assert "'1e' is not a number" in text_of(dialog.query_one("#predict-problem"))
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen and screen.run_number == runs and predictions(app) == []


def test_an_estimate_is_parsed_or_refused() -> None:
    assert (
        parse_estimate("") is None
        and parse_estimate(" 1_000 ") == 1000.0
        and parse_estimate("-2e3") == -2000.0
    )
    for bad in ("1e", "inf", "nan", "--1"):
        with pytest.raises(ValueError):
            parse_estimate(bad)


async def test_a_simulation_without_a_headline_asks_only_holds_or_fails(app: QuizApp) -> None:
    assert sims.get("causal-mask-position").headline is None
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_sim(app, pilot, "causal-mask-position")
        await predict(pilot, "h")
        [made] = predictions(app)
        assert made.estimate is None and made.headline is None and made.holds_right
        assert screen.outcome.prediction_text == "Your prediction: holds ✓"


def test_every_key_of_the_dialog_and_p_have_words_in_the_guide() -> None:
    for screen, cls in (("PredictDialog", PredictDialog), ("SimulationScreen", SimulationScreen)):
        words = {**COMMON, **GUIDES[screen].keys}
        for binding in Binding.make_bindings(cls.BINDINGS):
            assert not binding.id or binding.id in words, binding.id


# -- void -----------------------------------------------------------------------------------------------


class HoldParams(sims.SimParams):
    """Parameters of the held test simulation."""

    hold: bool = Field(False, description="Wait for the test's signal before measuring.")
    size: int = Field(3, ge=1, le=9, description="A number to change.")


class Held(sims.Simulation):
    """Finishes at once, or waits until the test releases it; its headline is ``size``."""

    id: ClassVar[str] = "ui-test-held"
    title: ClassVar[str] = "A run that waits"
    claim: ClassVar[str] = "It finishes."
    Params = HoldParams
    counter: ClassVar[dict[str, Any]] = {"size": 9}
    headline: ClassVar[str | None] = "size"
    quantities: ClassVar[dict[str, str]] = {"size": "the size"}
    release: ClassVar[threading.Event] = threading.Event()

    def measure(self, params: Any, xp: Any) -> Iterator[sims.Frame]:
        if params.hold:
            self.release.wait(10)
        yield sims.Frame(
            1.0, "done", (sims.Series.of("s", [0, 1], [1.0, 2.0]),), measured={"size": params.size}
        )

    def decide(self, measured: Any, params: Any) -> sims.Verdict:
        return sims.Verdict(measured["size"] < 9, "sized", dict(measured))


@pytest.fixture
def held() -> Iterator[None]:
    Held.release.clear()
    sims.register(Held)
    yield
    Held.release.set()
    sims.registry.unregister(Held.id)


async def held_run(app: QuizApp, pilot: Any) -> SimulationScreen:
    """The held simulation, with a committed prediction whose run waits."""
    screen = await open_sim(app, pilot, "ui-test-held")
    screen.form.query_one("#param-hold", Switch).value = True
    await pilot.pause()
    await pilot.press("p")
    await pilot.pause()
    await pilot.press("3", "h")
    await wait_until(pilot, lambda: screen.running)
    assert screen.outcome.prediction_text == "Your prediction: holds · estimate 3 — the run grades it"
    return screen


async def test_changing_the_form_voids_an_ungraded_prediction(app: QuizApp, held: None) -> None:
    async with app.run_test(size=SMALL) as pilot:
        screen = await held_run(app, pilot)
        assert screen.check_action("predict", ()) is None  # no second prediction while one runs
        await type_into(pilot, screen, "size", "5")
        await pilot.pause()
        assert screen.outcome.prediction_text.startswith(
            "Prediction void: the form changed after you committed it"
        )
        Held.release.set()
        await wait_for_workers(pilot)
        assert "✓ claim holds" in verdict_of(screen)  # the run finished, and graded nothing
        [made] = predictions(app)
        assert made.graded is None and made.holds_right is None
        assert "Prediction void" in screen.outcome.prediction_text


async def test_stopping_the_run_voids_its_prediction(app: QuizApp, held: None) -> None:
    async with app.run_test(size=SMALL) as pilot:
        screen = await held_run(app, pilot)
        await pilot.press("escape")
        Held.release.set()
        await wait_for_workers(pilot)
        assert not screen.running
        assert screen.outcome.prediction_text.startswith("Prediction void: the run was stopped")
        [made] = predictions(app)
        assert made.graded is None


# -- from a question ------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [SMALL, LARGE])
async def test_from_a_question_a_prediction_is_offered_before_the_first_run(app: QuizApp, size: Any) -> None:
    async with app.run_test(size=size) as pilot:
        app.open_simulation(SimLink(id="cnn-receptive-field", params={"layers": 10}, label="Count the field"))
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SimulationScreen) and screen.from_question
        await wait_for_workers(pilot)
        assert screen.run_number == 0 and screen.result is None  # nothing ran by itself
        assert OFFER in verdict_of(screen)
        assert "p predicts" in OFFER and "r just runs" in OFFER
        assert "s Question's" in footer_keys(screen)  # p is named by the offer line instead, where s is
        await predict(pilot, "2", "1", "h")  # 10 layers of width 3: 21
        assert screen.run_number == 1
        assert (
            screen.outcome.prediction_text
            == "Your prediction: holds ✓ · estimate 21 vs 21 measured ✓ within 25%"
        )
        [made] = predictions(app)
        assert made.params["layers"] == 10 and made.estimate_right


async def test_from_a_question_r_just_runs(app: QuizApp) -> None:
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_sim(app, pilot, "cnn-receptive-field", params={}, label="Count it")
        assert OFFER in verdict_of(screen)
        await pilot.press("r")
        await wait_for_workers(pilot)
        assert "✓ claim holds" in verdict_of(screen) and predictions(app) == []
        assert "p Predict" in footer_keys(screen)  # no question's setting: p fits in the footer
        field = screen.form.query_one("#param-layers", Input)
        assert field.value == "8"
