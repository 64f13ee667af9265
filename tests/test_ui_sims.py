"""Pilot tests of the simulation browser and the simulation screen's parameter form (no sleeps)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
from pydantic import Field
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Button, Input, Select, Static, Switch

import sims
from quizapp.ui import QuizApp, make_app
from quizapp.ui.screens.home import HomeScreen
from quizapp.ui.screens.sim_browser import SimBrowserScreen
from quizapp.ui.screens.simulation import SimulationScreen
from quizapp.ui.widgets.param_form import NumberInput
from quizapp.ui.widgets.sim_plot import SimPlot, axes_for
from quizapp.ui.widgets.sim_tables import fmt

FIXTURE = Path(__file__).parent / "fixtures" / "ui_bank"
SMALL = (80, 24)
LARGE = (120, 40)


# -- helpers ---------------------------------------------------------------------------------------


async def wait_for_workers(pilot: Pilot[Any]) -> None:
    """Wait until every worker is done and the messages they posted have been handled."""
    await pilot.app.workers.wait_for_complete()
    for _ in range(3):
        await pilot.pause()


def text_of(widget: Widget) -> str:
    """The plain text a Static (or Label) shows."""
    return str(widget.visual) if isinstance(widget, Static) else ""


def verdict_of(screen: SimulationScreen) -> str:
    """The verdict line and summary."""
    return text_of(screen.query_one("#sim-verdict"))


async def open_browser(app: QuizApp, pilot: Pilot[Any]) -> SimBrowserScreen:
    """Open the browser the way a learner does: `b` on the home screen."""
    assert isinstance(app.screen, HomeScreen)
    await pilot.press("b")
    await pilot.pause()
    assert isinstance(app.screen, SimBrowserScreen)
    return app.screen


async def open_sim(app: QuizApp, pilot: Pilot[Any], sim_id: str, **kwargs: Any) -> SimulationScreen:
    """Push a simulation screen directly and wait for its first run's verdict."""
    screen = SimulationScreen(sims.get(sim_id), **kwargs)
    app.push_screen(screen)
    await pilot.pause()
    await wait_for_workers(pilot)
    return screen


async def type_into(pilot: Pilot[Any], screen: SimulationScreen, name: str, text: str) -> Input:
    """Focus a field of the form, clear it and type, as a learner would."""
    field = screen.form.query_one(f"#param-{name}", Input)
    screen.set_focus(field)
    await pilot.pause()
    await pilot.press("end", "ctrl+u", *text)
    return field


@pytest.fixture
def app(tmp_path: Path) -> QuizApp:
    return make_app(bank_dir=FIXTURE, data_dir=tmp_path)


# -- the browser -----------------------------------------------------------------------------------


async def test_browser_filter_open_break_it_and_reset(app: QuizApp) -> None:
    async with app.run_test(size=SMALL) as pilot:
        browser = await open_browser(app, pilot)
        listed = browser.query_one("#browser-list")
        assert listed.option_count == len(sims.ids())
        await pilot.press(*"singular value")  # a phrase of the claim only
        assert listed.option_count == 1
        assert browser.highlighted == "rnn-gradient-decay"
        assert "largest singular value" in text_of(browser.query_one("#browser-detail"))
        await pilot.press("ctrl+u", *"nothing-like-this")
        assert listed.option_count == 0
        assert "No simulation matches" in text_of(browser.query_one("#browser-detail"))
        await pilot.press("ctrl+u", *"rnn gradient")
        assert browser.highlighted == "rnn-gradient-decay"

        await pilot.press("enter")
        screen = app.screen
        assert isinstance(screen, SimulationScreen)
        assert screen.simulation.id == "rnn-gradient-decay"
        await wait_for_workers(pilot)
        assert "✓ claim holds  (defaults)" in verdict_of(screen)
        form = screen.form
        assert form.values() == sims.get("rnn-gradient-decay").params().model_dump(mode="json")

        await pilot.press("c")  # try to break it: the counter setting, loaded into the form and run
        await wait_for_workers(pilot)
        assert form.query_one("#param-sigma", Input).value == "3.0"
        assert form.query_one("#param-input_scale", Input).value == "0.0"
        assert text_of(form.query_one("#label-sigma")).startswith("sigma*  (0, 5]")
        assert form.values()["sigma"] == 3.0
        assert screen.result is not None and screen.result.params["sigma"] == 3.0
        verdict = verdict_of(screen)
        assert "✗ claim does not hold" in verdict
        assert "counter setting: sigma=3, input_scale=0" in verdict

        runs = screen.run_number
        await pilot.press("d")  # the defaults back in the form, and run
        assert form.query_one("#param-sigma", Input).value == "0.9"
        assert text_of(form.query_one("#label-sigma")).startswith("sigma  (0, 5]")
        await wait_for_workers(pilot)
        assert screen.run_number == runs + 1
        assert "✓ claim holds  (defaults)" in verdict_of(screen)

        await pilot.press("escape")
        assert app.screen is browser
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)


REPRESENTATIVE = [
    # a wall-clock claim: timed in a process of its own (run_isolated), plotted log-log
    pytest.param("attention-quadratic-cost", "defaults", "✓ claim holds  (defaults)", id="timed-isolated"),
    # an exact count over decades: log-log axes, run in the UI's thread
    pytest.param("kv-cache-sizing", "defaults", "✓ claim holds  (defaults)", id="log-plot"),
    # linear axes, and the counter setting from the browser: the claim must visibly fail
    pytest.param(
        "cnn-receptive-field", "counter", "✗ claim does not hold  (counter setting", id="linear-counter"
    ),
]
"""Three kinds of run through the browser, each with the verdict it must show. Every simulation's
defaults and counter are decided by tests/test_sims_contract.py; here it is the screen that is tested."""


@pytest.mark.parametrize(("sim_id", "setting", "verdict"), REPRESENTATIVE)
async def test_a_simulation_opened_from_the_browser_shows_its_verdict(
    app: QuizApp, sim_id: str, setting: str, verdict: str
) -> None:
    async with app.run_test(size=SMALL) as pilot:
        browser = await open_browser(app, pilot)
        browser.query_one("#browser-filter", Input).value = sim_id
        await pilot.pause()
        while browser.highlighted != sim_id:  # an id can also occur in another's words
            await pilot.press("down")
        await pilot.press("enter")
        screen = app.screen
        assert isinstance(screen, SimulationScreen) and screen.simulation.id == sim_id
        await wait_for_workers(pilot)
        if setting == "counter":
            await pilot.press("c")
            await wait_for_workers(pilot)
        assert not screen.query_one("#sim-error").display, text_of(screen.query_one("#sim-error"))
        simulation = sims.get(sim_id)
        expected = simulation.params(counter=setting == "counter")
        assert screen.result is not None and screen.result.params == expected.model_dump(mode="json")
        assert verdict_of(screen).startswith(verdict)
        assert screen.result.verdict.holds is (setting == "defaults")
        plot = screen.query_one(SimPlot)
        for _ in range(2):  # a log plot must survive being rendered twice
            assert "cannot be drawn" not in str(plot.render())
        await pilot.press("escape")
        assert app.screen is browser


# -- the form --------------------------------------------------------------------------------------


async def test_out_of_range_value_is_marked_and_not_run(app: QuizApp) -> None:
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_sim(app, pilot, "rnn-gradient-decay")
        runs = screen.run_number
        field = await type_into(pilot, screen, "sigma", "99")
        form = screen.form
        assert field.value == "99"
        assert field.has_class("-invalid")
        hint = form.query_one("#note-sigma")
        assert text_of(hint).startswith("✗ must be ≤ 5\n")  # the reason, over the description
        assert form.query_one("#label-sigma").has_class("-invalid")
        assert not form.valid
        assert screen.query_one("#sim-run", Button).disabled
        await pilot.press("r")  # refused: nothing runs
        await pilot.press("enter")
        await pilot.pause()
        assert screen.run_number == runs
        assert not screen.running

        await pilot.press("backspace", "backspace", *"2.5")  # letters never reach a number field
        assert field.value == "2.5" and not field.has_class("-invalid")
        assert "✗" not in text_of(hint) and form.valid
        assert not screen.query_one("#sim-run", Button).disabled


async def test_a_cross_field_rule_is_refused(app: QuizApp) -> None:
    async with app.run_test(size=LARGE) as pilot:
        screen = await open_sim(app, pilot, "attention-quadratic-cost")
        runs = screen.run_number
        field = await type_into(pilot, screen, "n_min", "4096")  # within its own bounds, above n_max
        form = screen.form
        assert not field.has_class("-invalid")  # the field alone is fine ...
        assert not form.valid  # ... the model is not
        problem = form.query_one("#param-form-error")
        assert problem.display and "n_max must be larger than n_min" in text_of(problem)
        assert screen.query_one("#sim-run", Button).disabled
        await pilot.press("r")
        await pilot.pause()
        assert screen.run_number == runs

        await pilot.press("escape")  # leaves the form first ...
        assert screen.focused is None and app.screen is screen
        await pilot.press("d")  # ... and d resets it
        assert form.valid and not problem.display


async def test_an_edited_value_is_run(app: QuizApp) -> None:
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_sim(app, pilot, "rnn-gradient-decay")
        field = await type_into(pilot, screen, "steps", "80")
        assert text_of(screen.form.query_one("#label-steps")).startswith("steps*")
        await pilot.press("r")  # r works while the number field has the focus
        await wait_for_workers(pilot)
        assert field.value == "80"
        assert screen.result is not None and screen.result.params["steps"] == 80
        verdict = verdict_of(screen)
        assert "✓ claim holds  (your setting: steps=80)" in verdict

        await type_into(pilot, screen, "steps", "40")
        await pilot.press("enter")  # Enter in a field runs too
        await wait_for_workers(pilot)
        assert screen.result is not None and screen.result.params["steps"] == 40


async def test_choices_and_switches_are_form_fields(app: QuizApp) -> None:
    async with app.run_test(size=LARGE) as pilot:
        screen = await open_sim(app, pilot, "kv-cache-sizing")
        assert isinstance(screen.form.query_one("#param-tokens"), NumberInput)
        select = screen.form.query_one("#param-check", Select)
        select.value = "flops"
        await pilot.pause()
        assert screen.form.values()["check"] == "flops"
        assert text_of(screen.form.query_one("#label-check")).startswith("check*")
        await pilot.press("r")
        await wait_for_workers(pilot)
        assert "✗ claim does not hold  (counter setting: check=flops)" in verdict_of(screen)

        await pilot.press("escape")
        screen = await open_sim(app, pilot, "causal-mask-position")
        switch = screen.form.query_one("#param-causal", Switch)
        assert switch.value is True
        await pilot.click(switch)
        assert screen.form.values()["causal"] is False
        await pilot.press("r")
        await wait_for_workers(pilot)
        assert "✗ claim does not hold" in verdict_of(screen)


async def test_a_question_link_shows_its_label_and_resets_to_its_setting(app: QuizApp) -> None:
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_sim(
            app, pilot, "rnn-gradient-decay", params={"steps": 30}, label="Watch the gradient vanish"
        )
        title = text_of(screen.query_one("#sim-title"))
        assert "Vanishing gradients in a tanh RNN" in title and "Watch the gradient vanish" in title
        assert "Predict first?" in verdict_of(screen)  # from a question: no run before the learner's r
        assert screen.run_number == 0
        await pilot.press("r")
        await wait_for_workers(pilot)
        assert "✓ claim holds  (question's setting: steps=30)" in verdict_of(screen)
        await pilot.press("c")
        await wait_for_workers(pilot)
        values = screen.form.values()  # the link's setting, with the counter's overrides on top
        assert values["steps"] == 30 and values["sigma"] == 3.0 and values["input_scale"] == 0.0
        assert screen.result is not None and screen.result.params == values
        assert "✗ claim does not hold  (question's setting + counter: steps=30, sigma=3" in verdict_of(screen)
        await pilot.press("d")  # the defaults, run
        await wait_for_workers(pilot)
        assert screen.form.query_one("#param-steps", Input).value == "50"
        assert "✓ claim holds  (defaults)" in verdict_of(screen)
        await pilot.press("s")  # the question's setting, run
        await wait_for_workers(pilot)
        assert screen.form.query_one("#param-steps", Input).value == "30"
        assert "✓ claim holds  (question's setting: steps=30)" in verdict_of(screen)
        await pilot.press("m")  # the measured numbers and what they prove
        assert screen.query_one("#sim-tabs").active == "tab-measured"
        assert screen.result is not None
        assert f": {fmt(screen.result.verdict.measured['norm_k1'])}" in text_of(
            screen.query_one("#sim-measured")
        )
        assert "What this proves" in "\n".join(text_of(w) for w in screen.query(".heading"))
        await pilot.press("e")  # edit: back to the form, focus in its first field
        assert screen.query_one("#sim-tabs").active == "tab-params"
        assert isinstance(screen.focused, Input) and screen.focused.id == "param-hidden"


def test_a_link_the_model_refuses_is_shown_not_run() -> None:
    screen = SimulationScreen(sims.get("rnn-gradient-decay"), {"steps": 9999})
    assert screen.settings.link_error is not None
    assert screen.settings.start["steps"] == 9999


# -- the plot --------------------------------------------------------------------------------------


class WideParams(sims.SimParams):
    """Parameters of the wide-range test simulation."""

    decades: int = Field(6, ge=0, le=12, description="How many decades the series spans.")


class WideRange(sims.Simulation):
    """A linear-axis simulation whose one series spans many decades."""

    id: ClassVar[str] = "ui-test-wide-range"
    title: ClassVar[str] = "A series across decades"
    claim: ClassVar[str] = "It spans at least two decades."
    Params = WideParams
    counter: ClassVar[dict[str, Any]] = {"decades": 1}
    plot: ClassVar[sims.PlotSpec] = sims.PlotSpec(x_label="i", y_label="value")

    def measure(self, params: Any, xp: Any) -> Iterator[sims.Frame]:
        xs = list(range(params.decades + 1))
        series = sims.Series.of("10^i", xs, [10.0**i for i in xs])
        yield sims.Frame(1.0, "done", (series,), measured={"decades": params.decades})

    def decide(self, measured: Any, params: Any) -> sims.Verdict:
        return sims.Verdict(measured["decades"] >= 2, "spans", dict(measured))


@pytest.fixture
def wide_range() -> Iterator[None]:
    sims.register(WideRange)
    yield
    sims.registry.unregister(WideRange.id)


def test_a_linear_axis_turns_logarithmic_when_the_data_span_decades() -> None:
    spec = sims.PlotSpec(x_label="n", y_label="bytes")
    wide = sims.Series.of("a", [1, 2, 3], [1.0, 10.0, 1e5])
    narrow = sims.Series.of("b", [1, 2, 3], [1.0, 10.0, 100.0])
    axes = axes_for(spec, [wide, narrow])
    assert axes.log_y and not axes.log_x
    assert axes.y_label == "bytes (log scale: the data span 5 decades)"
    assert axes_for(spec, [narrow]) == spec
    with_zero = sims.Series.of("c", [1, 2, 3], [0.0, 10.0, 1e5])
    assert axes_for(spec, [wide, with_zero]) == spec  # a log axis would drop the zero
    logged = sims.PlotSpec(y_label="s", log_y=True)
    assert axes_for(logged, [wide]) == logged
    assert axes_for(sims.PlotSpec(), [sims.Series.of("x", [1, 1e4], [1, 2])]).log_x


async def test_the_plot_says_when_it_chose_a_log_scale(app: QuizApp, wide_range: None) -> None:
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_sim(app, pilot, "ui-test-wide-range")
        plot = screen.query_one(SimPlot)
        assert plot.axes.log_y and "log scale" in plot.axes.y_label
        for _ in range(2):
            assert "cannot be drawn" not in str(plot.render())
        await pilot.press("c")  # one decade: linear again
        await wait_for_workers(pilot)
        assert not plot.axes.log_y and plot.axes.y_label == "value"


# -- stopping a run --------------------------------------------------------------------------------


class SlowParams(sims.SimParams):
    """Parameters of the slow test simulation."""

    wait: bool = Field(False, description="Keep yielding frames until stopped (up to 10 s).")


class Slow(sims.Simulation):
    """A simulation that finishes at once, or runs until it is stopped."""

    id: ClassVar[str] = "ui-test-slow"
    title: ClassVar[str] = "A run that waits"
    claim: ClassVar[str] = "It finishes."
    Params = SlowParams
    counter: ClassVar[dict[str, Any]] = {"wait": True}
    plot: ClassVar[sims.PlotSpec] = sims.PlotSpec(x_label="step", y_label="value")

    def measure(self, params: Any, xp: Any) -> Iterator[sims.Frame]:
        steps = 1000 if params.wait else 1
        for i in range(steps):
            yield sims.Frame(i / steps, f"step {i}", (sims.Series.of("waiting", [0, 1], [1.0, 2.0]),))
            if params.wait:
                time.sleep(0.01)
        yield sims.Frame(
            1.0, "done", (sims.Series.of("finished", [0, 1], [3.0, 4.0]),), measured={"steps": steps}
        )

    def decide(self, measured: Any, params: Any) -> sims.Verdict:
        return sims.Verdict(measured["steps"] == 1, "finished at once", dict(measured))


@pytest.fixture
def slow() -> Iterator[None]:
    sims.register(Slow)
    yield
    sims.registry.unregister(Slow.id)


async def test_escape_stops_a_run_and_keeps_the_previous_result(app: QuizApp, slow: None) -> None:
    async with app.run_test(size=LARGE) as pilot:
        screen = await open_sim(app, pilot, "ui-test-slow")
        assert "✓ claim holds  (defaults)" in verdict_of(screen)
        finished = screen.result
        screen.form.query_one("#param-wait", Switch).value = True
        await pilot.pause()
        await pilot.press("r")
        while not screen.running or screen.query_one(SimPlot).series[0].name != "waiting":
            await pilot.pause(0.02)  # the slow run has drawn its first frame
        assert "running…" in verdict_of(screen)
        await pilot.press("escape")  # stops the run; does not leave the screen
        await wait_for_workers(pilot)
        assert app.screen is screen and not screen.running
        assert "✓ claim holds  (defaults)" in verdict_of(screen)  # the previous verdict is back ...
        assert screen.result is finished
        assert screen.query_one(SimPlot).series[0].name == "finished"  # ... with its plot ...
        assert "steps" in text_of(screen.query_one("#sim-measured"))  # ... and its numbers
        assert "previous run" in verdict_of(screen).splitlines()[0]  # ... marked as such
        message = text_of(screen.query_one("#sim-message"))
        assert message == "stopped: the previous run's result is back"
        await pilot.press("escape")
        assert app.screen is not screen


def test_the_counter_from_a_link_keeps_the_links_params() -> None:
    screen = SimulationScreen(sims.get("kv-cache-sizing"), {"model": "llama-3-8b", "tokens": 4096})
    assert screen.settings.counter_over_link
    assert screen.settings.counter["model"] == "llama-3-8b" and screen.settings.counter["tokens"] == 4096
    assert screen.settings.counter["check"] == "flops"
    assert screen.settings.name_of(screen.settings.counter) == "question's setting + counter"
    plain = SimulationScreen(sims.get("kv-cache-sizing"))  # from the browser: the counter over the defaults
    assert not plain.settings.counter_over_link and plain.settings.counter["model"] == "llama-2-70b"
    assert plain.settings.name_of(plain.settings.counter) == "counter setting"
