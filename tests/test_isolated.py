"""Simulations in a process of their own: same verdict, cancellable, failures reported."""

from __future__ import annotations

import itertools
import threading

import pydantic
import pytest

import sims


def test_an_isolated_run_reaches_the_verdict_and_streams_frames():
    frames: list[sims.Frame] = []
    result = sims.run_isolated("cnn-receptive-field", on_frame=frames.append)
    assert result.verdict.holds and result.sim_id == "cnn-receptive-field"
    assert frames[0].progress == 0.0 and frames[-1].verdict is not None
    assert not sims.run_isolated("cnn-receptive-field", counter=True).verdict.holds


def test_an_isolated_run_can_be_cancelled():
    stop = threading.Event()
    stop.set()
    with pytest.raises(sims.Cancelled):
        sims.run_isolated("decode-memory-bound", should_stop=stop.is_set)


def test_bad_parameters_fail_in_the_caller_and_child_errors_come_back():
    with pytest.raises(pydantic.ValidationError):
        sims.run_isolated("prefill-parallel", {"n": 1})
    with pytest.raises(sims.SimulationFailed, match=r"BackendUnavailable|unknown backend"):
        sims.run_isolated("cnn-receptive-field", backend="tpu")


def test_the_caller_hears_a_heartbeat_while_the_child_starts(monkeypatch):
    monkeypatch.setattr(
        sims.isolated, "HEARTBEAT_S", 0.0
    )  # every quiet poll: the child takes > 50 ms to import
    frames: list[sims.Frame] = []
    sims.run_isolated("cnn-receptive-field", on_frame=frames.append)
    beats = [f for f in frames if f.message.startswith("starting a process of its own (")]
    assert beats and all(f.progress == 0.0 for f in beats)
    first_real = next(i for i, f in enumerate(frames) if not f.message.startswith("starting a process"))
    assert all(not f.message.startswith("starting") for f in frames[first_real:])  # none once the child talks


def test_timing_simulations_report_progress_as_they_time():
    """No long silence at 0%: every timing simulation yields several frames with rising progress."""
    for sim_id in [s for s in sims.ids() if sims.get(s).timed]:
        frames: list[sims.Frame] = []
        sims.run_simulation(sim_id, on_frame=frames.append)
        progress = [f.progress for f in frames]
        assert len(set(progress)) >= 4, (sim_id, progress)
        assert max(b - a for a, b in itertools.pairwise(progress)) <= 0.5, (sim_id, progress)
