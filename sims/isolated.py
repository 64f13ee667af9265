"""Running a simulation in a child process, for callers whose own threads would disturb it.

A timing claim measured in a thread of a busy program (a TUI redrawing its plot, say) shares the
interpreter lock and the cores with that program, and can report a slope or a speed-up that only
measures the interference. The child (`python -m sims.isolated`) has an interpreter of its own and
imports nothing of the caller; frames and the result come back pickled over its stdout, and
cancelling terminates it.
"""

from __future__ import annotations

import json
import os
import pickle
import select
import struct
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from typing import IO, Any

from .core import Frame, Simulation
from .runner import Cancelled, RunResult, SimulationFailed, run_simulation

POLL_S = 0.05
HEARTBEAT_S = 0.25
"""While the child starts up (imports take a second or more on a busy machine), the caller gets a frame
this often saying how long it has been, so a progress line never sits silent."""
_HEADER = struct.Struct("!I")


def _send(stream: IO[bytes], kind: str, payload: Any) -> None:
    data = pickle.dumps((kind, payload), protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def _read_exact(fd: int, size: int) -> bytes:
    chunks = []
    while size:
        chunk = os.read(fd, size)
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def run_isolated(
    sim: str | Simulation,
    overrides: Mapping[str, Any] | None = None,
    *,
    counter: bool = False,
    backend: str | None = None,
    on_frame: Callable[[Frame], None] | None = None,
    should_stop: Callable[[], bool] | None = None,
) -> RunResult:
    """Like :func:`run_simulation`, in a fresh process (the simulation must be a registered one).

    Parameters are validated here first, so a bad value raises pydantic's error in the caller.
    """
    from .registry import get

    simulation = get(sim) if isinstance(sim, str) else sim
    simulation.params(overrides, counter=counter)
    request = json.dumps(
        {"id": simulation.id, "overrides": dict(overrides or {}), "counter": counter, "backend": backend}
    )
    if on_frame is not None:
        on_frame(Frame(0.0, "starting a process of its own, so nothing else disturbs the measurement"))
    # the child must import this very package, wherever the caller found it
    package_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")])),
    }
    child = subprocess.Popen(
        [sys.executable, "-m", "sims.isolated", request],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        env=env,
    )
    assert child.stdout is not None and child.stderr is not None
    fd = child.stdout.fileno()
    started = time.monotonic()
    booting, beat = True, started  # until the child's first frame, the caller hears a heartbeat
    try:
        while True:
            if should_stop is not None and should_stop():
                raise Cancelled(simulation.id)
            ready, _, _ = select.select([fd], [], [], POLL_S)
            if not ready:
                now = time.monotonic()
                if booting and on_frame is not None and now - beat >= HEARTBEAT_S:
                    beat = now
                    on_frame(
                        Frame(
                            0.0,
                            f"starting a process of its own ({now - started:.1f} s): importing NumPy "
                            "and the simulations",
                        )
                    )
                continue
            try:
                (size,) = _HEADER.unpack(_read_exact(fd, _HEADER.size))
                kind, payload = pickle.loads(_read_exact(fd, size))
            except EOFError:
                child.wait(timeout=5)
                why = child.stderr.read().decode(errors="replace").strip().splitlines()[-1:] or ["no message"]
                raise SimulationFailed(
                    f"the process running '{simulation.id}' ended without a result "
                    f"(exit code {child.returncode}): {why[0]}"
                ) from None
            if kind == "frame":
                booting = False
                if on_frame is not None:
                    on_frame(payload)
            elif kind == "result":
                return payload
            else:
                raise SimulationFailed(payload)
    finally:
        if child.poll() is None:
            child.terminate()
        child.wait(timeout=5)
        child.stdout.close()
        child.stderr.close()


def main(argv: list[str]) -> int:
    """The child: run the requested simulation, sending each frame and then the result or error."""
    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # stray prints must not corrupt the frame stream
    request = json.loads(argv[0])
    try:
        result = run_simulation(
            request["id"],
            request["overrides"],
            counter=request["counter"],
            backend=request["backend"],
            on_frame=lambda frame: _send(out, "frame", frame),
        )
    except Exception as exc:  # the parent shows it; the child has nothing else to do
        _send(out, "error", f"{type(exc).__name__}: {exc}")
        return 1
    _send(out, "result", result)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
