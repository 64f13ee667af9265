"""Running a simulation to its verdict, headless or for a viewer that wants every frame."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .backend import resolve
from .core import Frame, Simulation, Verdict
from .registry import get


class Cancelled(Exception):
    """Raised inside a run when its caller asked it to stop."""


class SimulationFailed(RuntimeError):
    """A run ended without a verdict (a bug in the simulation, reported rather than crashed on)."""


@dataclass(frozen=True)
class RunResult:
    """What one run decided, with what it ran on and how long it took."""

    sim_id: str
    claim: str
    params: dict[str, Any]
    backend: str
    verdict: Verdict
    seconds: float
    first_frame_seconds: float
    last_frame: Frame

    def as_json(self) -> dict[str, Any]:
        """The object `quizapp sim run --json` prints."""
        return {
            "id": self.sim_id,
            "claim": self.claim,
            "params": self.params,
            "backend": self.backend,
            "holds": self.verdict.holds,
            "summary": self.verdict.summary,
            "measured": dict(self.verdict.measured),
            "seconds": round(self.seconds, 4),
        }


def run_simulation(
    sim: str | Simulation,
    overrides: Mapping[str, Any] | None = None,
    *,
    counter: bool = False,
    backend: str | None = None,
    on_frame: Callable[[Frame], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> RunResult:
    """Run a simulation to its verdict.

    Parameters are the defaults, then the counter setting (if ``counter``), then ``overrides``;
    invalid ones raise pydantic's ValidationError before anything runs. ``on_frame`` sees every
    frame; ``should_stop`` is polled between frames and ends the run with :class:`Cancelled`.
    """
    simulation = get(sim) if isinstance(sim, str) else sim
    params = simulation.params(overrides, counter=counter)
    xp, backend_name = resolve(backend)
    start = time.perf_counter()
    first: float | None = None
    last: Frame | None = None
    for frame in simulation.run(params, xp):
        if first is None:
            first = time.perf_counter() - start
        last = frame
        if on_frame is not None:
            on_frame(frame)
        if frame.verdict is not None:
            break
        if should_stop is not None and should_stop():
            raise Cancelled(simulation.id)
    seconds = time.perf_counter() - start
    if last is None or last.verdict is None:
        raise SimulationFailed(f"simulation '{simulation.id}' ended without a verdict")
    return RunResult(
        sim_id=simulation.id,
        claim=simulation.claim,
        params=params.model_dump(mode="json"),
        backend=backend_name,
        verdict=last.verdict,
        seconds=seconds,
        first_frame_seconds=first if first is not None else seconds,
        last_frame=last,
    )
