"""Simulations in a process of their own: same verdict, cancellable, failures reported."""

from __future__ import annotations

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
    with pytest.raises(sims.SimulationFailed, match="BackendUnavailable|unknown backend"):
        sims.run_isolated("cnn-receptive-field", backend="tpu")
