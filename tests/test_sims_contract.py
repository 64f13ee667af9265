"""The simulation contract, checked for every registered simulation (new ones included by default):
defaults hold, the counter setting does not, frames and measured numbers have the promised shape,
parameters are bounded and documented, and a seeded run repeats itself."""

from __future__ import annotations

import json
import typing
from typing import Any

import annotated_types
import pydantic
import pytest

import sims
from sims import run_simulation

IDS = sims.ids()


def untimed(result: sims.RunResult) -> dict[str, Any]:
    """The measured numbers that do not come from a clock."""
    timed = sims.get(result.sim_id).timed
    return {k: v for k, v in result.verdict.measured.items() if k not in timed}


@pytest.mark.parametrize("sim_id", IDS)
def test_default_holds(sim_id, default_runs):
    result, _ = default_runs[sim_id]
    assert result.verdict.holds, result.verdict.summary


@pytest.mark.parametrize("sim_id", IDS)
def test_counter_fails_and_equals_its_overrides(sim_id):
    by_flag = run_simulation(sim_id, counter=True)
    assert not by_flag.verdict.holds, by_flag.verdict.summary
    by_overrides = run_simulation(sim_id, dict(sims.get(sim_id).counter))
    assert by_overrides.params == by_flag.params
    assert by_overrides.verdict.holds == by_flag.verdict.holds
    assert untimed(by_overrides) == untimed(by_flag)


@pytest.mark.parametrize("sim_id", IDS)
def test_frames_follow_the_contract(sim_id, default_runs):
    result, frames = default_runs[sim_id]
    assert len(frames) >= 2
    progress = [f.progress for f in frames]
    assert all(0.0 <= p <= 1.0 for p in progress) and progress == sorted(progress)
    assert [f.verdict is not None for f in frames] == [False] * (len(frames) - 1) + [True]
    assert frames[-1].series, "the last frame carries the full series"
    for frame in frames:
        for series in frame.series:
            assert len(series.x) == len(series.y)
            assert all(isinstance(v, float) for v in series.x + series.y)
    assert frames[0].series == () or result.first_frame_seconds < 0.15


@pytest.mark.parametrize("sim_id", IDS)
def test_measured_numbers_are_plain_json(sim_id, default_runs):
    result, _ = default_runs[sim_id]
    measured = dict(result.verdict.measured)
    assert measured and all(type(v) in (bool, int, float, str) for v in measured.values()), measured
    json.dumps(result.as_json(), allow_nan=False)
    assert sims.get(sim_id).timed <= set(measured), "timed names keys that are not measured"


@pytest.mark.parametrize("sim_id", IDS)
def test_metadata_is_complete(sim_id):
    sim = sims.get(sim_id)
    assert sim.claim.endswith(".") and sim.title and sim.explains
    assert sim.plot.x_label != "x" and sim.plot.y_label != "y"
    for name, field in sim.Params.model_fields.items():
        assert field.description, f"{sim_id}.{name} has no description"
    sim.params(sim.gpu_params)


def beyond_bounds(sim_id: str) -> list[dict[str, Any]]:
    """For each bounded numeric parameter, a value just past each bound; a wrong word for Literals."""
    cases = []
    for name, field in sims.get(sim_id).Params.model_fields.items():
        for meta in field.metadata:
            if isinstance(meta, annotated_types.Ge):
                cases.append({name: meta.ge - 1})
            elif isinstance(meta, annotated_types.Gt):
                cases.append({name: meta.gt})
            elif isinstance(meta, annotated_types.Le):
                cases.append({name: meta.le + 1})
            elif isinstance(meta, annotated_types.Lt):
                cases.append({name: meta.lt})
        if typing.get_origin(field.annotation) is typing.Literal:
            cases.append({name: "no-such-choice"})
    return cases + [{"no_such_parameter": 1}]


@pytest.mark.parametrize(
    ("sim_id", "overrides"), [(s, o) for s in IDS for o in beyond_bounds(s)], ids=lambda v: str(v)
)
def test_values_beyond_the_bounds_are_refused(sim_id, overrides):
    with pytest.raises(pydantic.ValidationError):
        sims.get(sim_id).params(overrides)


@pytest.mark.parametrize("sim_id", [s for s in IDS if "seed" in sims.get(s).Params.model_fields])
def test_a_seeded_run_repeats_itself(sim_id, default_runs):
    again = run_simulation(sim_id)
    first, _ = default_runs[sim_id]
    assert untimed(again) == untimed(first)
    if not sims.get(sim_id).timed:  # a timing verdict is decided by the clock, so only the rest repeats
        assert again.verdict.holds == first.verdict.holds
        assert again.last_frame.series == first.last_frame.series
