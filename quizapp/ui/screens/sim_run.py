"""One simulation run, as the simulation screen's thread worker does it: frames out as messages,
coalesced, and the result at the end. Only messages cross to the app's thread.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from textual.message import Message

from sims import Cancelled, Frame, RunResult, Simulation, run_isolated, run_simulation
from sims import ids as sims_ids

PROGRESS_STEP = 0.05
"""A frame whose progress moved this far since the last one posted is posted even inside the interval,
so a run that yields rarely never leaves the bar behind (at most 20 such posts a run)."""
FRAME_INTERVAL_S = 1 / 8
"""At most this often a running simulation posts a frame; the final one comes with the verdict.
Each frame redraws the plot in the app's thread, which holds the GIL the run needs: at 30 frames a
second the redraws made a run several times slower than headless (prenorm-gradient-flow: 0.7 s
headless, 5 to 13 s on the screen, on a busy 2-core machine) and skewed the timing claims."""


class FrameArrived(Message):
    """A frame from the running simulation; a newer one replaces one not yet handled."""

    def __init__(self, run: int, frame: Frame) -> None:
        super().__init__()
        self.run = run
        self.frame = frame

    def can_replace(self, message: Message) -> bool:
        """A newer frame of the same run supersedes this one (each frame is complete)."""
        return isinstance(message, FrameArrived) and message.run == self.run


class RunFinished(Message):
    """The run reached its verdict."""

    def __init__(self, run: int, result: RunResult) -> None:
        super().__init__()
        self.run = run
        self.result = result


def run_posting(
    simulation: Simulation,
    values: dict[str, Any],
    *,
    number: int,
    backend: str | None,
    post: Callable[[Message], object],
    cancelled: Callable[[], bool],
) -> RunResult | None:
    """Run to the verdict, posting run ``number``'s frames and result; None once cancelled.

    Frames are coalesced at the source too (every FRAME_INTERVAL_S, or sooner when the progress moved
    PROGRESS_STEP): a fast simulation must not flood the app's message queue.
    """
    last_post, last_progress = 0.0, -1.0

    def on_frame(frame: Frame) -> None:
        nonlocal last_post, last_progress
        now = time.monotonic()
        if now - last_post >= FRAME_INTERVAL_S or frame.progress - last_progress >= PROGRESS_STEP:
            last_post, last_progress = now, frame.progress
            post(FrameArrived(number, frame))

    # A timing claim gets a process of its own: in this thread it would share the interpreter
    # lock with the interface and measure the interference.
    run = run_isolated if simulation.timed and simulation.id in sims_ids() else run_simulation
    try:
        result = run(simulation, values, backend=backend, on_frame=on_frame, should_stop=cancelled)
    except Cancelled:
        return None
    if cancelled():  # stopped as it finished: the screen has put the previous result back
        return None
    post(RunFinished(number, result))
    return result
