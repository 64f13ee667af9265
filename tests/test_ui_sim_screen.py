"""Pilot tests: the simulation screen says what it means (issue 13, item 1).

A form that cannot run says why beside the verdict; a verdict the form no longer matches is marked
stale; a preset's fields are disabled with the reason; d and s load a setting and run it; the tab
keys work from inside the form; the header keeps the link's label; the Measured tab shows labels;
the plot's legend sits under it; a stopped run leaves the previous result marked as such; a run
that reports no progress shows that it is measuring; the simulation's texts are shown as plain
Unicode, never as $LaTeX$.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar, Literal

import pytest
from pydantic import Field, model_validator
from textual.pilot import Pilot
from textual.widgets import Button, Footer, Input, Select, Switch

import sims
from quizapp.text import plain
from quizapp.ui import QuizApp, make_app
from quizapp.ui.screens.sim_browser import SimBrowserScreen
from quizapp.ui.screens.simulation import SimulationScreen
from quizapp.ui.widgets.sim_plot import PlotLegend, SimPlot

from .test_ui_sims import FIXTURE, LARGE, SMALL, open_sim, text_of, type_into, verdict_of, wait_for_workers


@pytest.fixture
def app(tmp_path: Path) -> QuizApp:
    return make_app(bank_dir=FIXTURE, data_dir=tmp_path)


def notice_of(screen: SimulationScreen) -> str:
    """The line beside the verdict ('' while hidden)."""
    notice = screen.query_one("#sim-notice")
    return text_of(notice) if notice.display else ""


def footer_keys(screen: SimulationScreen) -> str:
    """What the footer offers and shows in full on screen, as 'key description' pairs."""
    footer = screen.query_one(Footer)
    return " ".join(
        f"{item.key_display} {item.description}"  # type: ignore[attr-defined]
        for item in footer.query("FooterKey")
        if item.region.right <= footer.region.right and item.region.width > 0
    )


async def wait_until(pilot: Pilot[Any], condition: Callable[[], bool], tries: int = 300) -> None:
    """Pause until the condition holds (no fixed sleeps)."""
    for _ in range(tries):
        if condition():
            return
        await pilot.pause(0.01)
    raise AssertionError("condition never held")


# -- an invalid value, a stale verdict -------------------------------------------------------------


async def test_a_refused_value_says_why_beside_the_verdict_and_marks_it_stale(app: QuizApp) -> None:
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_sim(app, pilot, "cnn-receptive-field")
        assert "✓ claim holds  (defaults)" in verdict_of(screen)
        assert notice_of(screen) == ""
        await type_into(pilot, screen, "layers", "99")
        assert notice_of(screen) == "✗ Can't run: layers must be ≤ 24"
        assert screen.query_one("#sim-notice").has_class("-blocked")
        assert screen.query_one("#sim-run", Button).disabled
        verdict = screen.query_one("#sim-verdict")
        assert verdict.has_class("-stale") and verdict_of(screen).splitlines()[0].endswith("· stale")
        runs = screen.run_number
        await pilot.press("r")
        assert screen.run_number == runs

        await pilot.press("backspace")  # 9: valid, and not the setting the verdict was reached at
        assert notice_of(screen) == "stale: the form differs from this run (layers 8 → 9); r runs it"
        assert verdict.has_class("-stale")
        await pilot.press("backspace", "8")  # back to the verdict's setting: no mark at all
        assert notice_of(screen) == "" and not verdict.has_class("-stale")
        assert "stale" not in verdict_of(screen)

        await pilot.press("backspace", "1", "2", "r")
        await wait_for_workers(pilot)
        assert "✓ claim holds  (your setting: layers=12)" in verdict_of(screen)
        assert notice_of(screen) == "" and not verdict.has_class("-stale")


async def test_a_cross_field_problem_is_named_beside_the_verdict(app: QuizApp) -> None:
    async with app.run_test(size=LARGE) as pilot:
        screen = await open_sim(app, pilot, "attention-quadratic-cost")
        await type_into(pilot, screen, "n_min", "4096")
        assert notice_of(screen).startswith("✗ Can't run: n_max must be larger than n_min")


# -- preset fields -------------------------------------------------------------------------------------

SHAPE = ("layers", "query_heads", "kv_heads", "head_dim")


async def test_fields_a_preset_fixes_are_disabled_with_the_reason(app: QuizApp) -> None:
    async with app.run_test(size=LARGE) as pilot:
        screen = await open_sim(app, pilot, "kv-cache-sizing")
        form = screen.form
        for name, value in zip(SHAPE, ("80", "64", "8", "128"), strict=True):
            field = form.query_one(f"#param-{name}", Input)
            assert field.disabled and field.value == value  # the preset's values
            assert text_of(form.query_one(f"#note-{name}")) == (
                "fixed by model=llama-2-70b; set model=custom to change"
            )
        assert not form.query_one("#param-tokens", Input).disabled

        form.query_one("#param-model", Select).value = "custom"
        await pilot.pause()
        assert not any(form.query_one(f"#param-{name}", Input).disabled for name in SHAPE)
        assert "fixed by" not in text_of(form.query_one("#note-layers"))
        await type_into(pilot, screen, "layers", "40")
        assert form.valid

        form.query_one("#param-model", Select).value = "mistral-7b"  # the preset's shape comes back
        await pilot.pause()
        await pilot.pause()
        values = [form.query_one(f"#param-{name}", Input).value for name in SHAPE]
        assert values == ["32", "32", "8", "128"]
        assert all(form.query_one(f"#param-{name}", Input).disabled for name in SHAPE)
        assert form.valid and "fixed by model=mistral-7b" in text_of(form.query_one("#note-kv_heads"))
        await pilot.press("r")
        await wait_for_workers(pilot)
        assert "✓ claim holds  (your setting: model=mistral-7b" in verdict_of(screen)

        await pilot.press("e")  # the first field that can be edited gets the focus
        assert screen.focused is form.query_one("#param-model")


class SizedParams(sims.SimParams):
    """A size preset fixes the width; 'free' lets the learner choose it."""

    size: Literal["small", "free"] = Field("small", description="A preset, or 'free'.")
    width: int = Field(4, ge=1, le=64, description="Width (set by the preset).")
    seed: int = Field(0, ge=0, le=9, description="Seed.")

    @model_validator(mode="before")
    @classmethod
    def _preset(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("size", "small") == "small":
            if "width" in data and data["width"] != 4:
                raise ValueError("width is 4 when size=small")
            data = {**data, "width": 4}
        return data


class Sized(sims.Simulation):
    """A simulation with a preset that no code names: its fixed field is found by trying."""

    id: ClassVar[str] = "ui-test-sized"
    title: ClassVar[str] = "Sized"
    claim: ClassVar[str] = "It runs."
    Params = SizedParams
    counter: ClassVar[dict[str, Any]] = {"seed": 1}

    def measure(self, params: Any, xp: Any) -> Iterator[sims.Frame]:
        yield sims.Frame(1.0, "done", (), measured={"width": params.width, "seed": params.seed})

    def decide(self, measured: Any, params: Any) -> sims.Verdict:
        return sims.Verdict(measured["seed"] == 0, "ran", dict(measured))


@pytest.fixture
def sized() -> Iterator[None]:
    sims.register(Sized)
    yield
    sims.registry.unregister(Sized.id)


async def test_a_preset_in_any_simulation_disables_what_it_fixes(app: QuizApp, sized: None) -> None:
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_sim(app, pilot, "ui-test-sized")
        width = screen.form.query_one("#param-width", Input)
        assert width.disabled
        assert text_of(screen.form.query_one("#note-width")) == "fixed by size=small; set size=free to change"
        assert not screen.form.query_one("#param-seed", Input).disabled
        screen.form.query_one("#param-size", Select).value = "free"
        await pilot.pause()
        assert not width.disabled
        assert text_of(screen.form.query_one("#note-width")) == "Width (set by the preset)."


# -- keys ----------------------------------------------------------------------------------------------


async def test_d_runs_the_defaults_and_s_the_questions_setting(app: QuizApp) -> None:
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_sim(app, pilot, "rnn-gradient-decay", params={"steps": 30}, label="Watch it")
        keys = footer_keys(screen)
        assert "d Defaults" in keys and "s Question's" in keys
        assert "q Quit" in keys and "? Keys" in keys  # everything fits at 80 columns
        await pilot.press("d")
        await wait_for_workers(pilot)
        assert "✓ claim holds  (defaults)" in verdict_of(screen)
        await pilot.press("s")
        await wait_for_workers(pilot)
        assert "✓ claim holds  (question's setting: steps=30)" in verdict_of(screen)
        message = screen.query_one("#sim-message")
        assert text_of(message).startswith("done in ")
        await type_into(pilot, screen, "steps", "40")  # in the form, the footer still fits
        keys = footer_keys(screen)
        assert "esc Leave form" in keys and "? Keys" in keys

        await pilot.press("escape", "escape")
        screen = await open_sim(app, pilot, "rnn-gradient-decay")  # from the browser: no question's setting
        assert "s Question's" not in footer_keys(screen)
        runs = screen.run_number
        await pilot.press("s")
        assert screen.run_number == runs


async def test_the_binding_descriptions_say_what_the_keys_do() -> None:
    bindings = {b.action: b for b in SimulationScreen.BINDINGS if not isinstance(b, tuple)}
    assert "run" in (bindings["defaults"].tooltip or "").lower()
    assert "question's setting" in (bindings["question_setting"].tooltip or "")
    assert "counter" in (bindings["counter"].tooltip or "")


@pytest.mark.parametrize("field", ["steps", "sigma"])
async def test_m_shows_the_measured_tab_from_a_number_field(app: QuizApp, field: str) -> None:
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_sim(app, pilot, "rnn-gradient-decay")
        screen.set_focus(screen.form.query_one(f"#param-{field}"))
        await pilot.pause()
        await pilot.press("m")
        await pilot.pause()
        assert screen.query_one("#sim-tabs").active == "tab-measured"
        await pilot.press("m")
        assert screen.query_one("#sim-tabs").active == "tab-params"
        await pilot.press("e")
        assert isinstance(screen.focused, Input)


async def test_m_works_from_a_choice_and_a_switch(app: QuizApp) -> None:
    async with app.run_test(size=LARGE) as pilot:
        screen = await open_sim(app, pilot, "kv-cache-sizing")
        screen.set_focus(screen.form.query_one("#param-dtype", Select))
        await pilot.pause()
        await pilot.press("m")
        await pilot.pause()
        assert screen.query_one("#sim-tabs").active == "tab-measured"
        await pilot.press("escape")
        screen = await open_sim(app, pilot, "causal-mask-position")
        screen.set_focus(screen.form.query_one("#param-causal", Switch))
        await pilot.pause()
        await pilot.press("m")
        await pilot.pause()
        assert screen.query_one("#sim-tabs").active == "tab-measured"


async def test_the_changed_mark_is_explained(app: QuizApp) -> None:
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_sim(app, pilot, "rnn-gradient-decay", params={"steps": 30})
        assert text_of(screen.form.query_one("#label-steps")).startswith("steps*")
        assert text_of(screen.form.query_one("#param-legend")).startswith("* differs from default")


# -- the header ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [SMALL, LARGE])
async def test_the_header_keeps_the_links_label(app: QuizApp, size: tuple[int, int]) -> None:
    label = "Reach after 24 layers (98,280), short of 100,000"
    async with app.run_test(size=size) as pilot:
        screen = await open_sim(app, pilot, "sliding-window-reach", params={"layers": 24}, label=label)
        header = screen.query_one("#sim-title")
        await pilot.pause()
        assert label in text_of(header)
        assert header.size.height == (2 if size == SMALL else 1)


# -- the Measured tab ----------------------------------------------------------------------------------


class LabelledParams(sims.SimParams):
    """Parameters of the labelled test simulation."""

    n: int = Field(3, ge=1, le=9, description="How many points; $n \\le 9$.")


class Labelled(sims.Simulation):
    """A simulation whose every text carries $math$, and which labels one measured key of two."""

    id: ClassVar[str] = "ui-test-labelled"
    title: ClassVar[str] = "Scores scale as $1/\\sqrt{d_k}$"
    claim: ClassVar[str] = "The variance of $q \\cdot k$ is $d_k$."
    explains: ClassVar[str] = "Each term of $q \\cdot k$ has variance 1."
    Params = LabelledParams
    counter: ClassVar[dict[str, Any]] = {"n": 1}
    plot: ClassVar[sims.PlotSpec] = sims.PlotSpec(
        x_label="$d_k$", y_label="$\\mathrm{Var}(q \\cdot k)$", x_integer=True
    )
    quantities: ClassVar[dict[str, str]] = {"var_ratio": "$\\mathrm{Var}/d_k$"}

    def measure(self, params: Any, xp: Any) -> Iterator[sims.Frame]:
        xs = list(range(1, params.n * 10 + 1))
        series = (
            sims.Series.of("$\\sqrt{d_k}$ scaled", xs, xs),
            sims.Series.of("unscaled", xs, [2 * x for x in xs]),
        )
        yield sims.Frame(1.0, "done", series, measured={"var_ratio": 1.0, "points_at_L": params.n})

    def decide(self, measured: Any, params: Any) -> sims.Verdict:
        return sims.Verdict(measured["points_at_L"] > 1, "ratio $\\approx 1$ at every $d_k$", dict(measured))


@pytest.fixture
def labelled() -> Iterator[None]:
    sims.register(Labelled)
    yield
    sims.registry.unregister(Labelled.id)


async def test_every_text_the_simulation_supplies_is_plain(app: QuizApp, labelled: None) -> None:
    async with app.run_test(size=LARGE) as pilot:
        screen = await open_sim(app, pilot, "ui-test-labelled")
        shown = {
            "title": text_of(screen.query_one("#sim-title")),
            "claim": text_of(screen.query_one("#sim-claim")),
            "explains": text_of(screen.query_one("#sim-explains")),
            "description": text_of(screen.form.query_one("#note-n")),
            "verdict": verdict_of(screen),
            "measured": text_of(screen.query_one("#sim-measured")),
            "legend": text_of(screen.query_one(PlotLegend)),
        }
        for where, text in shown.items():
            assert "$" not in text and "\\" not in text, where
        assert plain(Labelled.title) in shown["title"]
        assert plain(Labelled.claim) in shown["claim"]
        assert plain("ratio $\\approx 1$ at every $d_k$") in shown["verdict"]
        assert plain(LabelledParams.model_fields["n"].description or "") in shown["description"]
        measured = shown["measured"].splitlines()
        assert measured == [f"{plain(Labelled.quantities['var_ratio'])}: 1", "points at L: 3"]  # label; words
        drawn = str(screen.query_one(SimPlot).render())
        assert plain("$\\mathrm{Var}(q \\cdot k)$") in drawn and plain("$d_k$") in drawn  # axis labels


async def test_the_legend_sits_under_the_plot_and_ticks_count(app: QuizApp, labelled: None) -> None:
    async with app.run_test(size=LARGE) as pilot:
        screen = await open_sim(app, pilot, "ui-test-labelled")
        legend = text_of(screen.query_one(PlotLegend))
        scaled = plain("$\\sqrt{d_k}$ scaled")
        assert legend == f"⠤⠤ {scaled}   ▄▄ unscaled"
        plot = screen.query_one(SimPlot)
        assert plot.region.bottom <= screen.query_one(PlotLegend).region.y  # under the plot, not on it
        x_labels, y_labels = plot.ticks
        assert x_labels and all(label.isdigit() for label in x_labels)  # x counts: whole numbers
        assert len(y_labels) >= 6  # a tall plot gets many y ticks
        assert "cannot be drawn" not in str(plot.render())


# -- stopping, and a run that reports no progress --------------------------------------------------


class WaitParams(sims.SimParams):
    """Parameters of the waiting test simulation."""

    hold: bool = Field(False, description="Wait for the test's signal before measuring.")


class Waiting(sims.Simulation):
    """Finishes at once, or yields nothing until the test releases it (as a timing run does)."""

    id: ClassVar[str] = "ui-test-waiting"
    title: ClassVar[str] = "A run without progress"
    claim: ClassVar[str] = "It finishes."
    Params = WaitParams
    counter: ClassVar[dict[str, Any]] = {"hold": True}
    release: ClassVar[threading.Event] = threading.Event()

    def measure(self, params: Any, xp: Any) -> Iterator[sims.Frame]:
        if params.hold:
            self.release.wait(10)
        series = (sims.Series.of("held" if params.hold else "quick", [0, 1], [1.0, 2.0]),)
        yield sims.Frame(1.0, "done", series, measured={"held": params.hold})

    def decide(self, measured: Any, params: Any) -> sims.Verdict:
        return sims.Verdict(not measured["held"], "quick", dict(measured))


@pytest.fixture
def waiting() -> Iterator[None]:
    Waiting.release.clear()
    sims.register(Waiting)
    yield
    Waiting.release.set()
    sims.registry.unregister(Waiting.id)


async def test_a_run_without_progress_shows_it_is_measuring(app: QuizApp, waiting: None) -> None:
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_sim(app, pilot, "ui-test-waiting")
        assert screen.progress_total == 1.0
        screen.form.query_one("#param-hold", Switch).value = True
        await pilot.pause()
        await pilot.press("r")
        await wait_until(pilot, lambda: screen.running)
        bar = screen.query_one("#sim-progress")
        assert bar.total is None  # type: ignore[attr-defined]  # indeterminate: pulses, never '0%'
        assert text_of(screen.query_one("#sim-message")) == "measuring…"
        panel = screen.query_one("#sim-plot-box")
        assert screen.query_one(SimPlot).series[0].name == "quick"  # the previous curves stay up ...
        assert panel.has_class("-previous")  # ... dimmed, until this run draws its own
        Waiting.release.set()
        await wait_for_workers(pilot)
        assert bar.total == 1.0 and bar.progress == 1.0  # type: ignore[attr-defined]
        assert screen.query_one(SimPlot).series[0].name == "held" and not panel.has_class("-previous")
        assert "✗ claim does not hold" in verdict_of(screen)


async def test_a_stopped_run_leaves_the_previous_result_marked(app: QuizApp, waiting: None) -> None:
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_sim(app, pilot, "ui-test-waiting")
        screen.form.query_one("#param-hold", Switch).value = True
        await pilot.pause()
        await pilot.press("r")
        await wait_until(pilot, lambda: screen.running)
        await pilot.press("escape")
        Waiting.release.set()  # the run notices the cancel once it is let go
        await wait_for_workers(pilot)
        assert not screen.running and app.screen is screen
        first = verdict_of(screen).splitlines()[0]
        assert first.startswith("✓ claim holds  (defaults)") and "previous run" in first
        assert "stale" in first  # the form says hold, the run on show did not
        assert screen.query_one(SimPlot).series[0].name == "quick"
        message = text_of(screen.query_one("#sim-message"))
        assert len(message) <= screen.query_one("#sim-message").size.width  # fits at 80 columns


async def test_the_browser_shows_and_finds_plain_text(app: QuizApp, labelled: None) -> None:
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("b")
        await pilot.pause()
        browser = app.screen
        assert isinstance(browser, SimBrowserScreen)
        browser.query_one(Input).value = "as 1/√dₖ"  # as shown (Pilot cannot press "√") ...
        await pilot.pause()
        assert browser.highlighted == "ui-test-labelled"
        detail = text_of(browser.query_one("#browser-detail"))
        assert plain(Labelled.title) in detail and plain(Labelled.claim) in detail and "$" not in detail
        await pilot.press("ctrl+u", *"as $1/\\sqrt{d_k}")  # ... or as written
        assert browser.highlighted == "ui-test-labelled"


async def test_typed_text_in_the_notice_is_never_markup(app: QuizApp) -> None:
    async with app.run_test(size=SMALL) as pilot:
        screen = await open_sim(app, pilot, "cnn-receptive-field")
        screen.outcome.set_notice(differences="name [b]x[/b] → [red]y")
        await pilot.pause()
        assert "[b]x[/b] → [red]y" in notice_of(screen)


@pytest.mark.parametrize("size", [SMALL, LARGE])
async def test_no_y_tick_sits_on_the_x_axis_row(app: QuizApp, size: tuple[int, int]) -> None:
    async with app.run_test(size=size) as pilot:
        screen = await open_sim(app, pilot, "rnn-gradient-decay")  # log y over 20 decades
        lines = str(screen.query_one(SimPlot).render()).splitlines()
        [axis] = [line for line in lines if "└" in line]
        assert not axis.split("└")[0].strip()  # nothing left of the corner: no label on the axis line
        legend = screen.query_one(PlotLegend)
        assert "bound" in text_of(legend) and legend.region.y >= screen.query_one(SimPlot).region.bottom
