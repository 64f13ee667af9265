"""The simulation screen: a claim, a form of its parameters, a live plot, progress, and the verdict.

Opened from a question (the link's parameters over the defaults, and its label in the title line) or
from the simulation browser (the defaults). The learner edits the parameters and runs them (r),
resets them (d), or loads the counter setting and runs it (c) to watch the verdict flip; from a
question's link, c keeps the link's parameters and applies the counter's overrides on top. Esc stops
a run and puts the previous result back on screen.

The run happens in a thread worker that only posts messages (frames, coalesced, and the end);
one ``Worker.StateChanged`` handler turns a failure into an error panel on this screen.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Button, Footer, ProgressBar, Select, Static, TabbedContent, TabPane
from textual.worker import Worker, WorkerState, get_current_worker

from sims import Cancelled, Frame, RunResult, Simulation, run_isolated, run_simulation
from sims import ids as sims_ids

from ..widgets.param_form import ParamForm
from ..widgets.prose import literal
from ..widgets.sim_plot import SimPlot
from ..widgets.sim_tables import MeasuredList, fmt

PROGRESS_STEP = 0.05
"""A frame whose progress moved this far since the last one posted is posted even inside the interval,
so a run that yields rarely never leaves the bar behind (at most 20 such posts a run)."""
FRAME_INTERVAL_S = 1 / 8
"""At most this often a running simulation posts a frame; the final one comes with the verdict.
Each frame redraws the plot in the app's thread, which holds the GIL the run needs: at 30 frames a
second the redraws made a run several times slower than headless (prenorm-gradient-flow: 0.7 s
headless, 5 to 13 s on the screen, on a busy 2-core machine) and skewed the timing claims."""

FORM_KEYS = {"run", "defaults", "counter", "edit", "show_params", "show_measured"}
"""Actions on letter keys. They work while a number is being typed: the form's number inputs let
every key but a number's characters bubble up to these bindings, in order after the digits before
them (an input for free text takes every key, and Textual drops these bindings while it has the
focus)."""


class SimulationScreen(Screen[None]):
    """Runs one simulation live from a form of its parameters; `c` shows the verdict flip."""

    BINDINGS = [
        Binding("escape", "stop", "Stop", id="simulation.stop"),
        Binding("escape", "leave_form", "Leave form", id="simulation.leave_form"),
        Binding("escape", "back", "Back", id="simulation.back"),
        Binding("r", "run", "Run", id="simulation.run"),
        Binding("d", "defaults", "Defaults", tooltip="Reset to defaults", id="simulation.defaults"),
        Binding("c", "counter", "Try to break it", id="simulation.counter"),
        Binding("e", "edit", "Edit", id="simulation.edit"),
        Binding("m", "show_measured", "Measured", id="simulation.measured"),
        Binding("m", "show_params", "Params", id="simulation.params"),
    ]

    AUTO_FOCUS = ""  # keys act on the screen until the learner chooses to edit (e, tab or a click)

    progress: reactive[float] = reactive(0.0)
    """Progress of the current run, 0..1 (the progress bar is bound to it)."""
    running: reactive[bool] = reactive(False, init=False)
    """Whether a run is in flight."""

    class FrameArrived(Message):
        """A frame from the running simulation; a newer one replaces one not yet handled."""

        def __init__(self, run: int, frame: Frame) -> None:
            super().__init__()
            self.run = run
            self.frame = frame

        def can_replace(self, message: Message) -> bool:
            """A newer frame of the same run supersedes this one (each frame is complete)."""
            return isinstance(message, SimulationScreen.FrameArrived) and message.run == self.run

    class RunFinished(Message):
        """The run reached its verdict."""

        def __init__(self, run: int, result: RunResult) -> None:
            super().__init__()
            self.run = run
            self.result = result

    def __init__(
        self,
        simulation: Simulation,
        params: Mapping[str, Any] | None = None,
        *,
        label: str | None = None,
        backend: str | None = None,
    ) -> None:
        """``params`` and ``label`` come from a question's link; without them (the simulation
        browser) the screen opens at the defaults."""
        super().__init__()
        self.simulation = simulation
        self.link_params = dict(params or {})
        self.label = label
        self.backend = backend
        self.defaults = simulation.params().model_dump(mode="json")
        self.link_error: ValidationError | None = None
        try:
            self.start_values = simulation.params(self.link_params).model_dump(mode="json")
        except ValidationError as exc:  # a link the bank's checks let through: shown, never run
            self.link_error = exc
            self.start_values = {**self.defaults, **self.link_params}
        self.counter_over_link = False
        """Whether `c` applies the counter's overrides on top of the link's parameters (else the defaults)."""
        self.counter_values = simulation.params(counter=True).model_dump(mode="json")
        if self.link_params and self.link_error is None:
            try:  # the link's setting, with the counter's overrides on top
                values = {**self.link_params, **simulation.counter}
                self.counter_values = simulation.params(values).model_dump(mode="json")
                self.counter_over_link = True
            except ValidationError:  # the two do not combine: the counter over the defaults
                pass
        self.setting = "defaults"
        """Which parameters the current run uses, in words: defaults, question's setting, counter setting."""
        self.setting_text = self.setting
        """The setting with the values that differ from the defaults: 'your setting: steps=80'."""
        self.shown_tab = "tab-params"
        """The side panel's tab on show: the form, or the measured numbers."""
        self.run_number = 0
        self.worker: Worker[RunResult | None] | None = None
        self.result: RunResult | None = None
        self.shown: tuple[RunResult, str] | None = None
        """The last finished run and its setting text: what Esc puts back when it stops a newer run."""

    def compose(self) -> ComposeResult:
        """Title, claim, plot beside the form and the measurements, progress, verdict."""
        sim = self.simulation
        title = [("Simulation  ", "dim"), (sim.title, "bold")]
        if self.label:
            title += [("  ·  ", "dim"), (self.label, "italic")]
        yield Static(Content.assemble(*title), id="sim-title", classes="title-bar")
        yield Static(Content.assemble(("Claim: ", "bold"), sim.claim), id="sim-claim")
        with Horizontal(id="sim-main"):
            yield SimPlot(sim.plot, id="sim-plot")
            with Vertical(id="sim-side"):
                with Horizontal(id="sim-buttons"):
                    yield Button("Run", id="sim-run", variant="primary", compact=True)
                    yield Button("Defaults", id="sim-defaults", compact=True)
                    yield Button("Try to break it", id="sim-counter", variant="warning", compact=True)
                with TabbedContent(id="sim-tabs"):
                    with TabPane("Parameters", id="tab-params"):
                        yield ParamForm(sim.Params, self.start_values, id="sim-form")
                    with TabPane("Measured", id="tab-measured"), VerticalScroll(id="sim-measured-pane"):
                        yield MeasuredList(id="sim-measured")
                        if sim.explains:
                            yield Static(literal("What this proves"), classes="heading")
                            yield Static(literal(sim.explains), id="sim-explains")
        with Horizontal(id="sim-status"):
            yield ProgressBar(total=1.0, show_eta=False, id="sim-progress").data_bind(
                progress=SimulationScreen.progress
            )
            yield Static(id="sim-message")
        with Vertical(id="sim-outcome"):
            yield Static(id="sim-verdict")
            yield Static(id="sim-error")
        yield Footer()

    @property
    def form(self) -> ParamForm:
        """The parameter form."""
        return self.query_one("#sim-form", ParamForm)

    def on_mount(self) -> None:
        """Run at once with the starting setting (the link's, or the defaults)."""
        self.form.check()
        self.update_run_button()
        if self.link_error is not None:
            self.show_error(self.link_error, "The question's setting is refused")
            return
        self.start_run()

    def watch_running(self) -> None:
        """Escape stops a run, or goes back when none is running: update the footer."""
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Escape stops a run, else leaves the form, else goes back; Run waits for a valid form."""
        if action in FORM_KEYS and self._choosing():
            return False  # the letter belongs to the open list of a Select
        if action == "stop":
            return self.running
        if action == "leave_form":
            return not self.running and self._in_side_panel()
        if action == "back":
            return not self.running and not self._in_side_panel()
        if action == "run":
            forms = self.query(ParamForm)  # none yet while the screen is being built
            return True if not forms or forms.first().valid else None  # None: shown disabled
        if action in ("show_measured", "show_params"):
            showing = "tab-measured" if action == "show_measured" else "tab-params"
            return self.query_one(TabbedContent).active != showing
        return True

    def _in_side_panel(self) -> bool:
        """Whether the focus is in the form, its tabs or the buttons beside the plot."""
        focused = self.focused
        return focused is not None and self.query_one("#sim-side") in focused.ancestors_with_self

    def _choosing(self) -> bool:
        """Whether the focus is in the open list of a Select."""
        focused = self.focused
        return focused is not None and any(isinstance(n, Select) and n.expanded for n in focused.ancestors)

    # -- running -----------------------------------------------------------------------------------

    def setting_of(self, values: Mapping[str, Any]) -> str:
        """Name a set of values: the question's setting, the defaults, the counter setting, or yours."""
        if self.link_params and dict(values) == self.start_values:
            return "question's setting"
        if dict(values) == self.defaults:
            return "defaults"
        if dict(values) == self.counter_values:
            return "question's setting + counter" if self.counter_over_link else "counter setting"
        return "your setting"

    def changes(self, values: Mapping[str, Any]) -> str:
        """The values that differ from the defaults, as 'steps=80, sigma=3'."""
        return ", ".join(f"{k}={fmt(v)}" for k, v in values.items() if self.defaults.get(k) != v)

    def start_run(self) -> None:
        """Start a run with the form's values (nothing happens while the form refuses them)."""
        if self.form.check() is None:
            self.update_run_button()
            return
        values = self.form.values()
        self.run_number += 1
        self.result = None
        self.progress = 0.0
        self.query_one("#sim-error", Static).update("")
        self.query_one("#sim-error").display = False
        self.query_one(MeasuredList).show({})
        self.setting = self.setting_of(values)
        changed = self.changes(values)
        self.setting_text = f"{self.setting}: {changed}" if changed else self.setting
        self.query_one("#sim-verdict", Static).update(
            Content.assemble(("running…", "dim"), (f"  ({self.setting_text})", "dim"))
        )
        self.query_one("#sim-verdict").set_classes("")
        self.set_message("starting")
        self.running = True
        self.worker = self.run_in_thread(self.run_number, values)

    @work(thread=True, exclusive=True, exit_on_error=False, group="sim", description="run a simulation")
    def run_in_thread(self, number: int, values: dict[str, Any]) -> RunResult | None:
        """The run itself; it only posts messages and stops between frames once cancelled."""
        worker = get_current_worker()
        last_post, last_progress = 0.0, -1.0

        def on_frame(frame: Frame) -> None:
            """Post a frame every FRAME_INTERVAL_S, or sooner when its progress moved PROGRESS_STEP."""
            # Coalesce at the source too: a fast simulation must not flood the app's message queue.
            nonlocal last_post, last_progress
            now = time.monotonic()
            if now - last_post >= FRAME_INTERVAL_S or frame.progress - last_progress >= PROGRESS_STEP:
                last_post, last_progress = now, frame.progress
                self.post_message(self.FrameArrived(number, frame))

        try:
            # A timing claim gets a process of its own: in this thread it would share the
            # interpreter lock with the interface and measure the interference.
            run = (
                run_isolated if self.simulation.timed and self.simulation.id in sims_ids() else run_simulation
            )
            result = run(
                self.simulation,
                values,
                backend=self.backend,
                on_frame=on_frame,
                should_stop=lambda: worker.is_cancelled,
            )
        except Cancelled:
            return None
        self.post_message(self.RunFinished(number, result))
        return result

    @on(FrameArrived)
    def frame_arrived(self, event: FrameArrived) -> None:
        """Draw the latest frame: plot, progress, message."""
        if event.run != self.run_number or not self.running:  # a stale run, or one stopped meanwhile
            return
        self.show_frame(event.frame)

    def show_frame(self, frame: Frame) -> None:
        """Redraw the plot and progress from one (complete) frame."""
        self.query_one(SimPlot).draw(frame.series)
        self.progress = max(0.0, min(1.0, frame.progress))
        self.set_message(frame.message)

    @on(RunFinished)
    def run_finished(self, event: RunFinished) -> None:
        """Show the verdict, with the setting it was reached at, and the numbers that decided it."""
        if event.run != self.run_number:
            return
        result = event.result
        self.result = result
        self.shown = (result, self.setting_text)
        self.show_result(result, self.setting_text)
        self.set_message(f"done in {result.seconds:.2f} s on {result.backend}")
        self.running = False

    def show_result(self, result: RunResult, setting_text: str) -> None:
        """Plot, verdict with the setting it was reached at, and the numbers that decided it."""
        self.show_frame(result.last_frame)
        self.progress = 1.0
        verdict = result.verdict
        if verdict.holds:
            mark = ("✓ claim holds", "bold $text-success")
        else:
            mark = ("✗ claim does not hold", "bold $text-error")
        self.query_one("#sim-verdict", Static).update(
            Content.assemble(mark, (f"  ({setting_text})", "dim"), "\n", verdict.summary)
        )
        self.query_one("#sim-verdict").set_classes("-holds" if verdict.holds else "-fails")
        self.query_one(MeasuredList).show(verdict.measured)

    @on(Worker.StateChanged)
    def worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place a run's failure or cancellation is turned into something on screen."""
        if event.worker is not self.worker:
            return
        if event.state == WorkerState.ERROR:
            self.show_error(event.worker.error)
        elif event.state == WorkerState.CANCELLED:
            self.running = False
            if self.shown is not None:  # the stopped run had not decided anything: show the last that did
                result, setting_text = self.shown
                self.result = result
                self.show_result(result, setting_text)
                self.set_message(f"stopped: the previous result ({setting_text}) is back; r runs the form")
            else:
                self.query_one("#sim-verdict", Static).update(Content.styled("stopped — no verdict", "dim"))
                self.set_message("stopped: r runs again, Esc goes back")
        elif event.state == WorkerState.SUCCESS:
            self.running = False

    def show_error(self, error: BaseException | None, headline: str = "The simulation failed") -> None:
        """An error panel instead of a verdict; the app keeps running."""
        self.running = False
        text = f"{type(error).__name__}: {error}" if error is not None else "unknown error"
        panel = self.query_one("#sim-error", Static)
        panel.update(Content.assemble((headline, "bold"), "\n", text))
        panel.display = True
        self.query_one("#sim-verdict", Static).update(Content.styled("no verdict", "dim"))
        self.set_message("failed: r runs again, Esc goes back")

    def set_message(self, message: str) -> None:
        """The status line beside the progress bar."""
        self.query_one("#sim-message", Static).update(literal(message))

    # -- the form ----------------------------------------------------------------------------------

    def update_run_button(self) -> None:
        """Run is disabled (button and key) while the form refuses its values."""
        button = self.query_one("#sim-run", Button)
        if button.disabled == (not self.form.valid):
            return  # the footer recomposes on every refresh: only when Run's state changes
        button.disabled = not self.form.valid
        self.refresh_bindings()

    @on(ParamForm.Changed, "#sim-form")
    def form_changed(self) -> None:
        """A value changed: Run follows the form's validity."""
        self.update_run_button()

    @on(ParamForm.Submitted, "#sim-form")
    def form_submitted(self) -> None:
        """Enter in a field runs the form's values."""
        self.action_run()

    @on(Button.Pressed, "#sim-buttons Button")
    def button_pressed(self, event: Button.Pressed) -> None:
        """Run, Defaults and Try to break it do what their keys do."""
        action = {"sim-run": self.action_run, "sim-defaults": self.action_defaults}.get(event.button.id or "")
        (action or self.action_counter)()

    # -- actions -----------------------------------------------------------------------------------

    def action_stop(self) -> None:
        """Cancel the running simulation (it stops at its next frame)."""
        if self.worker is not None:
            self.worker.cancel()

    def action_leave_form(self) -> None:
        """Take the focus out of the form, so that letters are keys again and Esc goes back."""
        self.set_focus(None)

    def action_back(self) -> None:
        """Back to where the simulation was opened."""
        self.dismiss(None)

    def action_run(self) -> None:
        """Run with the form's values."""
        self.start_run()

    def action_defaults(self) -> None:
        """Put the starting setting back in the form: the question's, or the defaults (no run)."""
        self.form.load(self.start_values)
        self.update_run_button()
        what = "the question's setting" if self.link_params else "the defaults"
        if not self.running:
            self.set_message(f"form reset to {what}: r runs it")

    def action_counter(self) -> None:
        """Load the counter setting, where the claim must not hold, into the form and run it: over a
        question's link, the link's parameters with the counter's overrides on top."""
        form = self.form
        form.load(self.counter_values)
        self.query_one(TabbedContent).active = "tab-params"
        overridden = set(self.simulation.counter)
        first = next((k for k in self.counter_values if k in overridden), None)
        if first is not None:  # bring the values that break the claim into view
            form.scroll_to_widget(form.query_one(f"#label-{first}"), animate=False, top=True)
        self.start_run()

    def action_edit(self) -> None:
        """Show the form and focus its first field (the first refused one, if any)."""
        self.query_one(TabbedContent).active = "tab-params"
        form = self.form
        first = next(iter(form.errors), None) or next(iter(form.model.model_fields))
        self.set_focus(form.query_one(f"#param-{first}"))

    def action_show_measured(self) -> None:
        """Show the measured numbers and what they prove beside the plot."""
        self.query_one(TabbedContent).active = "tab-measured"

    def action_show_params(self) -> None:
        """Show the parameter form beside the plot."""
        self.query_one(TabbedContent).active = "tab-params"

    @on(TabbedContent.TabActivated, "#sim-tabs")
    def tab_activated(self, event: TabbedContent.TabActivated) -> None:
        """The m key names the other tab (the first activation, on mount, changes nothing)."""
        if event.pane.id != self.shown_tab:
            self.shown_tab = event.pane.id or ""
            self.refresh_bindings()
