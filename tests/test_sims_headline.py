"""The headline contract: a simulation's headline is a number its run measures at the defaults, with a
label, so a learner can estimate it before running (predict, then run)."""

from __future__ import annotations

import math

import pytest

import sims

HEADLINED = [sim_id for sim_id in sims.ids() if sims.get(sim_id).headline is not None]


def test_enough_simulations_have_a_headline() -> None:
    assert len(HEADLINED) >= 6


@pytest.mark.parametrize("sim_id", HEADLINED)
def test_the_headline_is_a_labelled_number_measured_at_the_defaults(sim_id: str, default_runs) -> None:
    sim = sims.get(sim_id)
    key = sim.headline
    assert key is not None
    assert sim.quantities.get(key), f"{sim_id}: headline {key!r} has no quantities label"
    result, _ = default_runs[sim_id]
    value = result.verdict.measured.get(key)
    assert isinstance(value, int | float) and not isinstance(value, bool), f"{sim_id}: {key} = {value!r}"
    assert math.isfinite(value)
