"""The simulation screen: a claim, the parameters, a live plot, progress, and the verdict.

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
from textual.widgets import Footer, ProgressBar, Static
from textual.worker import Worker, WorkerState, get_current_worker

from sims import Cancelled, Frame, RunResult, Simulation, run_simulation

from ..widgets.prose import literal
from ..widgets.sim_plot import SimPlot
from ..widgets.sim_tables import MeasuredList, ParamsTable

FRAME_INTERVAL_S = 1 / 30
"""At most this often a running simulation posts a frame; the final one comes with the verdict."""


class SimulationScreen(Screen[None]):
    """Runs one simulation live; `c` runs its counter setting so the learner sees the verdict flip."""

    BINDINGS = [
        Binding("escape", "stop", "Stop", id="simulation.stop"),
        Binding("escape", "back", "Back", id="simulation.back"),
        Binding("r", "rerun", "Run again", id="simulation.rerun"),
        Binding("c", "counter", "Try to break it", id="simulation.counter"),
    ]

    progress: reactive[float] = reactive(0.0)
    """Progress of the current run, 0..1 (the progress bar is bound to it)."""
    running: reactive[bool] = reactive(False)
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
        backend: str | None = None,
    ) -> None:
        super().__init__()
        self.simulation = simulation
        self.link_params = dict(params or {})
        self.backend = backend
        self.setting = "defaults"
        """Which parameters the current run uses, in words: defaults, question's setting, counter setting."""
        self.run_number = 0
        self.worker: Worker[RunResult | None] | None = None
        self.result: RunResult | None = None

    def compose(self) -> ComposeResult:
        """Title, claim, plot beside parameters and measurements, progress, verdict."""
        sim = self.simulation
        title = Content.assemble(("Simulation  ", "dim"), (sim.title, "bold"))
        yield Static(title, id="sim-title", classes="title-bar")
        yield Static(Content.assemble(("Claim: ", "bold"), sim.claim), id="sim-claim")
        with Horizontal(id="sim-main"):
            yield SimPlot(sim.plot, id="sim-plot")
            with VerticalScroll(id="sim-side", can_focus=False):
                yield Static(id="sim-params-title", classes="heading")
                yield ParamsTable(id="sim-params")
                yield Static(classes="heading", id="sim-measured-title")
                yield MeasuredList(id="sim-measured")
                if sim.explains:
                    yield Static(literal("What it shows"), classes="heading")
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

    def on_mount(self) -> None:
        """Run at once with the question's setting."""
        self.start_run(counter=False)

    def watch_running(self) -> None:
        """Escape stops a run, or goes back when none is running: update the footer."""
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Escape means Stop while running and Back otherwise."""
        if action == "stop":
            return self.running
        if action == "back":
            return not self.running
        return True

    # -- running -----------------------------------------------------------------------------------

    def start_run(self, *, counter: bool) -> None:
        """Start a run: the question's setting, or the simulation's counter setting (its defaults plus
        the values under which the claim must not hold, so the verdict is sure to flip)."""
        overrides = {} if counter else dict(self.link_params)
        self.run_number += 1
        self.result = None
        self.progress = 0.0
        self.query_one("#sim-error", Static).update("")
        self.query_one("#sim-error").display = False
        self.query_one("#sim-measured-title", Static).update(literal("Measured"))
        self.query_one(MeasuredList).show({})
        self.query_one("#sim-verdict", Static).update(Content.styled("running…", "dim"))
        self.query_one("#sim-verdict").set_classes("")
        self.setting = "counter setting" if counter else ("question's setting" if overrides else "defaults")
        heading = Content.assemble("Parameters ", (f"({self.setting})", "dim"))
        self.query_one("#sim-params-title", Static).update(heading)
        try:
            params = self.simulation.params(overrides, counter=counter)
        except ValidationError as exc:
            self.show_error(exc)
            return
        self.query_one(ParamsTable).show(self.simulation.Params, params.model_dump(mode="json"))
        self.set_message("starting")
        self.running = True
        self.worker = self.run_in_thread(self.run_number, overrides, counter)

    @work(thread=True, exclusive=True, exit_on_error=False, group="sim", description="run a simulation")
    def run_in_thread(self, number: int, overrides: dict[str, Any], counter: bool) -> RunResult | None:
        """The run itself; it only posts messages and stops between frames once cancelled."""
        worker = get_current_worker()
        last_post = 0.0

        def on_frame(frame: Frame) -> None:
            """Post a frame, at most every FRAME_INTERVAL_S."""
            # Coalesce at the source too: a fast simulation must not flood the app's message queue.
            nonlocal last_post
            now = time.monotonic()
            if now - last_post >= FRAME_INTERVAL_S:
                last_post = now
                self.post_message(self.FrameArrived(number, frame))

        try:
            result = run_simulation(
                self.simulation,
                overrides,
                counter=counter,
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
        """Show the verdict and the numbers that decided it."""
        if event.run != self.run_number:
            return
        result = event.result
        self.result = result
        self.show_frame(result.last_frame)
        self.progress = 1.0
        verdict = result.verdict
        if verdict.holds:
            mark = ("✓ claim holds", "bold $text-success")
        else:
            mark = ("✗ claim does not hold", "bold $text-error")
        self.query_one("#sim-verdict", Static).update(
            Content.assemble(mark, (f"  ({self.setting})", "dim"), "\n", verdict.summary)
        )
        self.query_one("#sim-verdict").set_classes("-holds" if verdict.holds else "-fails")
        self.query_one(ParamsTable).show(self.simulation.Params, result.params)
        self.query_one(MeasuredList).show(verdict.measured)
        self.set_message(f"done in {result.seconds:.2f} s on {result.backend}")
        self.running = False

    @on(Worker.StateChanged)
    def worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place a run's failure or cancellation is turned into something on screen."""
        if event.worker is not self.worker:
            return
        if event.state == WorkerState.ERROR:
            self.show_error(event.worker.error)
        elif event.state == WorkerState.CANCELLED:
            self.running = False
            self.query_one("#sim-verdict", Static).update(Content.styled("stopped — no verdict", "dim"))
            self.set_message("stopped: r runs again, Esc goes back")
        elif event.state == WorkerState.SUCCESS:
            self.running = False

    def show_error(self, error: BaseException | None) -> None:
        """An error panel instead of a verdict; the app keeps running."""
        self.running = False
        text = f"{type(error).__name__}: {error}" if error is not None else "unknown error"
        panel = self.query_one("#sim-error", Static)
        panel.update(Content.assemble(("The simulation failed", "bold"), "\n", text))
        panel.display = True
        self.query_one("#sim-verdict", Static).update(Content.styled("no verdict", "dim"))
        self.set_message("failed: r runs again, Esc goes back")

    def set_message(self, message: str) -> None:
        """The status line beside the progress bar."""
        self.query_one("#sim-message", Static).update(literal(message))

    # -- actions -----------------------------------------------------------------------------------

    def action_stop(self) -> None:
        """Cancel the running simulation (it stops at its next frame)."""
        if self.worker is not None:
            self.worker.cancel()

    def action_back(self) -> None:
        """Back to the question."""
        self.dismiss(None)

    def action_rerun(self) -> None:
        """Run again with the question's setting."""
        self.start_run(counter=False)

    def action_counter(self) -> None:
        """Run the counter setting, where the claim must not hold."""
        self.start_run(counter=True)
