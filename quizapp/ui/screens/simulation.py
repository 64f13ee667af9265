"""The simulation screen: a claim, a form of its parameters, a live plot, progress, and the verdict.

Opened from a question (the link's parameters over the defaults, and its label in the title line) or
from the simulation browser (the defaults). The learner edits the parameters and runs them (r), loads
the defaults and runs them (d), loads the question's setting and runs it (s, only when the screen came
from a question that sets parameters), or loads the counter setting and runs it (c) to watch the
verdict flip; from a question's link, c keeps the link's parameters and applies the counter's
overrides on top. Esc stops a run and puts the previous result back on screen, marked as such.

Predict, then run (p): the learner commits a prediction at the form's setting (the claim holds or
fails, and an estimate of the simulation's headline number when it has one), the store keeps it and the
run starts at once; the run's verdict grades it, in one line under the verdict. A prediction is void
(stored, never graded) when the form changes or the run is stopped before it finishes. Opened from a
question, the screen does not run at once: it offers a prediction first (opened from the browser, it
runs the defaults at once).

The screen never lets the verdict and the form disagree silently: while the form cannot run, a line
beside the verdict says why; while the form differs from the setting the verdict was reached at, the
verdict is dimmed and marked stale, with what differs (see :mod:`..widgets.sim_outcome`).

The run happens in a thread worker that only posts messages (frames, coalesced, and the end, see
:mod:`.sim_run`); one ``Worker.StateChanged`` handler turns a failure into an error panel.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Button, Footer, ProgressBar, Select, Static, TabbedContent, TabPane
from textual.worker import Worker, WorkerState, get_current_worker

from sims import Frame, RunResult, Simulation

from ...text import plain
from ..widgets.param_form import ParamForm
from ..widgets.prose import literal, paragraphs
from ..widgets.sim_header import SimHeader
from ..widgets.sim_outcome import SimOutcome
from ..widgets.sim_plot import SimPlotPanel
from ..widgets.sim_tables import MeasuredList
from .sim_keys import BINDINGS, FORM_KEYS, WIDE
from .sim_predict import Pending, PredictThenRun
from .sim_run import FrameArrived, RunFinished, run_posting
from .sim_settings import Settings, differences

OFFER = "Predict first? p predicts, r just runs"
"""Before the first run of a screen opened from a question."""


class SimulationScreen(PredictThenRun):
    """Runs one simulation live from a form of its parameters; `c` shows the verdict flip."""

    BINDINGS = BINDINGS

    AUTO_FOCUS = ""  # keys act on the screen until the learner chooses to edit (e, tab or a click)

    progress: reactive[float] = reactive(0.0)
    """Progress of the current run, 0..1 (the progress bar is bound to it)."""
    progress_total: reactive[float | None] = reactive(1.0)
    """1, or None while the run has reported no progress yet (the bar pulses: measuring, not stuck)."""
    running: reactive[bool] = reactive(False, init=False)
    """Whether a run is in flight."""

    def __init__(
        self,
        simulation: Simulation,
        params: Mapping[str, Any] | None = None,
        *,
        label: str | None = None,
        backend: str | None = None,
    ) -> None:
        """``params`` and ``label`` come from a question's link (``params`` is given, if empty, by
        every link): the screen then offers a prediction before its first run. Without them (the
        simulation browser) the screen opens at the defaults and runs them at once."""
        super().__init__()
        self.from_question = params is not None or label is not None
        self.pending: Pending | None = None
        """The committed prediction the run in flight will grade."""
        self.simulation = simulation
        self.settings = Settings(simulation, params)
        self.label = label
        self.backend = backend
        self.run_number = 0
        self.run_values: dict[str, Any] = {}
        """The values of the run in flight (or of the last one started)."""
        self.setting_text = "defaults"
        """The setting of the run in flight, in words: 'your setting: steps=80'."""
        self.worker: Worker[RunResult | None] | None = None
        self.result: RunResult | None = None
        """The result on show."""
        self.shown: tuple[RunResult, str] | None = None
        """The last finished run and its setting text: what Esc puts back when it stops a newer run."""
        self.shown_tab = "tab-params"
        """The side panel's tab on show: the form, or the measured numbers."""

    # -- building ----------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        """Title, claim, plot beside the form and the measurements, progress, verdict."""
        sim = self.simulation
        yield SimHeader(sim.title, self.label, id="sim-title")
        yield Static(Content.assemble(("Claim: ", "bold"), plain(sim.claim)), id="sim-claim")
        with Horizontal(id="sim-main"):
            yield SimPlotPanel(sim.plot, id="sim-plot-box")
            with Vertical(id="sim-side"):
                with Horizontal(id="sim-buttons"):
                    yield Button("Run", id="sim-run", variant="primary", compact=True)
                    yield Button("Defaults", id="sim-defaults", compact=True)
                    yield Button("Try to break it", id="sim-counter", variant="warning", compact=True)
                with TabbedContent(id="sim-tabs"):
                    with TabPane("Parameters", id="tab-params"):
                        yield ParamForm(sim.Params, self.settings.start, id="sim-form")
                    with TabPane("Measured", id="tab-measured"), VerticalScroll(id="sim-measured-pane"):
                        yield MeasuredList(id="sim-measured")
                        if sim.explains:
                            yield Static(literal("What this proves"), classes="heading")
                            yield Static(literal(paragraphs(sim.explains)), id="sim-explains")
        with Horizontal(id="sim-status"):
            yield ProgressBar(total=1.0, show_eta=False, id="sim-progress").data_bind(
                progress=SimulationScreen.progress, total=SimulationScreen.progress_total
            )
            yield Static(id="sim-message")
        yield SimOutcome(id="sim-outcome")
        yield Footer(compact=True)

    @property
    def form(self) -> ParamForm:
        """The parameter form."""
        return self.query_one("#sim-form", ParamForm)

    @property
    def outcome(self) -> SimOutcome:
        """The notice, verdict and error panel."""
        return self.query_one(SimOutcome)

    def on_mount(self) -> None:
        """Run at once with the starting setting (the link's, or the defaults)."""
        self.form.check()
        self.update_run_button()
        for button, key in (("#sim-run", "r"), ("#sim-defaults", "d"), ("#sim-counter", "c")):
            binding = next(b for b in self.BINDINGS if isinstance(b, Binding) and b.key == key)
            self.query_one(button).tooltip = f"{binding.tooltip} ({key})"
        if self.settings.link_error is not None:
            self.show_error(self.settings.link_error, "The question's setting is refused")
            return
        if self.from_question:  # offer a prediction before the first run
            self.outcome.show_nothing(OFFER)
            self.set_message("not run yet")
            return
        self.start_run()

    def on_resize(self) -> None:
        """The footer offers the command palette only where it has room for it beside every key."""
        for footer in self.query(Footer):
            footer.show_command_palette = self.size.width >= WIDE

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
        if action in ("predict", "predict_unlisted"):
            # one p key: in the footer unless s is there too (no room for both at 80 columns)
            if self._store() is None or (action == "predict") == self.settings.has_question_setting:
                return False
            forms = self.query(ParamForm)
            return None if self.running or (forms and not forms.first().valid) else True
        if action == "question_setting":
            return self.settings.has_question_setting
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

    def start_run(self, prediction: int | None = None) -> None:
        """Start a run with the form's values (nothing happens while the form refuses them); the
        run grades ``prediction`` (a committed one's id) when it finishes."""
        if self.form.check() is None:
            self.update_run_button()
            self.refresh_notice()
            return
        values = self.form.values()
        if self.pending is not None:
            self.void_prediction("a new run started before its own finished")
        elif prediction is None:
            self.outcome.show_prediction(None)
        self.run_number += 1
        if prediction is not None:
            self.pending = Pending(prediction, values, self.run_number)
        self.run_values = values
        self.result = None
        self.progress_total = None  # pulses until the run reports progress
        self.progress = 0.0
        self.query_one(MeasuredList).show({})
        self.query_one(SimPlotPanel).set_class(True, "-previous")  # until this run draws
        self.setting_text = self.settings.describe(values)
        self.outcome.show_running(self.setting_text)
        self.set_message("measuring…")
        self.running = True
        self.refresh_notice()
        self.worker = self.run_in_thread(self.run_number, values)

    @work(thread=True, exclusive=True, exit_on_error=False, group="sim", description="run a simulation")
    def run_in_thread(self, number: int, values: dict[str, Any]) -> RunResult | None:
        """The run itself; it only posts messages and stops between frames once cancelled."""
        worker = get_current_worker()
        return run_posting(
            self.simulation,
            values,
            number=number,
            backend=self.backend,
            post=self.post_message,
            cancelled=lambda: worker.is_cancelled,
        )

    @on(FrameArrived)
    def frame_arrived(self, event: FrameArrived) -> None:
        """Draw the latest frame: plot, progress, message."""
        if event.run != self.run_number or not self.running:  # a stale run, or one stopped meanwhile
            return
        self.show_frame(event.frame)

    def show_frame(self, frame: Frame) -> None:
        """Redraw the plot and progress from one (complete) frame. Until a run has curves of its own
        (a timing run may have none until its end), the previous run's stay up, dimmed."""
        panel = self.query_one(SimPlotPanel)
        if frame.series or frame.verdict is not None:
            panel.draw(frame.series)
            panel.set_class(False, "-previous")
        if frame.progress > 0:
            self.progress_total = 1.0
        self.progress = max(0.0, min(1.0, frame.progress))
        self.set_message(plain(frame.message))

    @on(RunFinished)
    def run_finished(self, event: RunFinished) -> None:
        """Show the verdict, with the setting it was reached at, and the numbers that decided it."""
        if event.run != self.run_number or not self.running:  # a stale run, or one stopped meanwhile
            return
        result = event.result
        self.shown = (result, self.setting_text)
        self.show_result(result, self.setting_text)
        self.grade_prediction(event.run, result)
        seconds = f"{result.seconds:.2f} s" if result.seconds >= 0.005 else "< 0.01 s"
        self.set_message(f"done in {seconds} on {result.backend}")
        self.running = False
        self.refresh_notice()

    def show_result(self, result: RunResult, setting_text: str, *, previous: bool = False) -> None:
        """Plot, verdict with the setting it was reached at, and the numbers that decided it."""
        self.result = result
        self.show_frame(result.last_frame)
        self.progress_total = 1.0
        self.progress = 1.0
        self.outcome.show_verdict(result.verdict, setting_text, previous=previous)
        self.query_one(MeasuredList).show(result.verdict.measured, self.simulation.quantities)

    @on(Worker.StateChanged)
    def worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place a run's failure or cancellation is turned into something on screen."""
        if event.worker is not self.worker:
            return
        if event.state == WorkerState.ERROR:
            self.void_prediction("the run failed")
            self.show_error(event.worker.error)
        elif event.state == WorkerState.CANCELLED:
            self.running = False
            self.void_prediction("the run was stopped")
            if self.shown is not None:  # the stopped run decided nothing: show the last that did
                result, setting_text = self.shown
                self.show_result(result, setting_text, previous=True)
                self.set_message("stopped: the previous run's result is back")
            else:
                self.progress_total = 1.0
                self.outcome.show_nothing("stopped — no verdict")
                self.set_message("stopped: r runs again, esc goes back")
            self.refresh_notice()
        elif event.state == WorkerState.SUCCESS:
            self.running = False

    def show_error(self, error: BaseException | None, headline: str = "The simulation failed") -> None:
        """An error panel instead of a verdict; the app keeps running."""
        self.running = False
        self.progress_total = 1.0
        text = f"{type(error).__name__}: {error}" if error is not None else "unknown error"
        self.outcome.show_error(headline, text)
        self.set_message("failed: r runs again, esc goes back")
        self.refresh_notice()

    def set_message(self, message: str) -> None:
        """The status line beside the progress bar."""
        self.query_one("#sim-message", Static).update(literal(message))

    # -- the form and the verdict ------------------------------------------------------------------

    def refresh_notice(self) -> None:
        """Say beside the verdict why the form cannot run, or how it differs from what is on show."""
        form = self.form
        if self.running:
            reference: Mapping[str, Any] = self.run_values
        elif self.outcome.shown is not None and self.result is not None:
            reference = self.result.params
        else:
            reference = {}
        self.outcome.set_notice(
            problem="" if form.valid else form.problem,
            differences=differences(reference, form.typed) if reference else "",
            running=self.running,
        )

    def update_run_button(self) -> None:
        """Run is disabled (button and key) while the form refuses its values."""
        button = self.query_one("#sim-run", Button)
        if button.disabled == (not self.form.valid):
            return  # the footer recomposes on every refresh: only when Run's state changes
        button.disabled = not self.form.valid
        self.refresh_bindings()

    @on(ParamForm.Changed, "#sim-form")
    def form_changed(self) -> None:
        """A value changed: Run follows the form's validity, the notice its difference from the run;
        a prediction not yet graded is void once the form leaves the values it was made for."""
        self.update_run_button()
        self.refresh_notice()
        if self.pending is not None and differences(self.pending.values, self.form.typed):
            self.void_prediction("the form changed after you committed it")

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
        """Load the defaults into the form and run them."""
        self.form.load(self.settings.defaults)
        self.start_run()

    def action_question_setting(self) -> None:
        """Load the question's setting (the link's parameters over the defaults) and run it."""
        self.form.load(self.settings.start)
        self.start_run()

    def action_counter(self) -> None:
        """Load the counter setting, where the claim must not hold, into the form and run it: over a
        question's link, the link's parameters with the counter's overrides on top."""
        form = self.form
        form.load(self.settings.counter)
        self.show_tab("tab-params")
        overridden = set(self.simulation.counter)
        first = next((k for k in self.settings.counter if k in overridden), None)
        if first is not None:  # bring the values that break the claim into view
            form.scroll_to_widget(form.query_one(f"#row-{first}"), animate=False, top=True)
        self.start_run()

    def action_edit(self) -> None:
        """Show the form and focus its first field (the first refused one, if any) that can be edited."""
        self.show_tab("tab-params")
        form = self.form
        editable = [name for name in form.model.model_fields if name not in form.fixed]
        first = next(iter(form.errors), None) or next(iter(editable), None)
        if first is not None:
            self.set_focus(form.query_one(f"#param-{first}"))

    def action_show_measured(self) -> None:
        """Show the measured numbers and what they prove beside the plot."""
        self.show_tab("tab-measured")

    def action_show_params(self) -> None:
        """Show the parameter form beside the plot."""
        self.show_tab("tab-params")

    def show_tab(self, pane: str) -> None:
        """Show a tab of the side panel. The focus leaves a pane that is hidden: a field keeping it
        would pull its own tab back into view (TabbedContent follows the focus)."""
        tabs = self.query_one(TabbedContent)
        focused = self.focused
        hidden = self.query_one(f"#{tabs.active}") if tabs.active != pane else None
        if focused is not None and hidden is not None and hidden in focused.ancestors_with_self:
            self.set_focus(None)
        tabs.active = pane

    @on(TabbedContent.TabActivated, "#sim-tabs")
    def tab_activated(self, event: TabbedContent.TabActivated) -> None:
        """The m key names the other tab (the first activation, on mount, changes nothing)."""
        if event.pane.id != self.shown_tab:
            self.shown_tab = event.pane.id or ""
            self.refresh_bindings()
