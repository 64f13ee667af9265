"""sliding-window-reach: defaults hold, the counter does not, frames and params follow the contract,
and the reach the window arithmetic fixes comes out exactly."""

from __future__ import annotations

import numpy as np
import pydantic
import pytest

import sims
from sims import Frame, run_simulation
from sims.window import formula_first_layer, window_layer

SIM = "sliding-window-reach"

OUT_OF_BOUNDS = [
    {"window": 1},
    {"window": 300_000},
    {"layers": 0},
    {"layers": 65},
    {"n": 1},
    {"n": 300_000},
    {"window": 200, "n": 100},
    {"unknown": 1},
]


@pytest.fixture(scope="module")
def default_run() -> tuple[sims.RunResult, list[Frame]]:
    """The simulation run once at its defaults, with every frame kept."""
    frames: list[Frame] = []
    return run_simulation(SIM, on_frame=frames.append), frames


def test_default_holds_at_mistral_scale(default_run) -> None:
    result, _ = default_run
    m = result.verdict.measured
    assert result.verdict.holds, result.verdict.summary
    # Mistral 7B: window 4096, 32 layers; with the window counting the token itself, 32 * 4095.
    assert (m["window"], m["layers"]) == (4096, 32)
    assert m["reach_after_1"] == 4095
    assert m["reach_after_L"] == m["formula_after_L"] == 32 * 4095 == 131_040
    assert m["layers_matching"] == 32 and m["first_layer_mismatches"] == 0


def test_default_is_fast(default_run) -> None:
    result, _ = default_run
    assert result.seconds < 1.0, result.seconds
    assert result.first_frame_seconds < 0.15


def test_counter_is_a_sequence_shorter_than_the_reach() -> None:
    # Mistral's stack on 4,096 tokens: w = n is full attention, the end is reached after one layer
    # and the other 31 add nothing, so L(w-1) = 131,040 is not the reach; the summary says why.
    result = run_simulation(SIM, counter=True)
    m = result.verdict.measured
    assert not result.verdict.holds
    assert m["n"] == m["window"] == 4096 and m["reach_after_1"] == m["reach_after_L"] == 4095
    assert m["layers_to_reach_end_measured"] == 1 and m["layers_matching"] == 1
    assert m["first_layer_mismatches"] == 0  # ceil(t/(w-1)) stays right for every position
    assert "the sequence ends" in result.verdict.summary and "full attention" in result.verdict.summary


def test_a_longer_sequence_than_one_window_is_cut_after_a_few_layers() -> None:
    # n = 16,384: the end is reached after ceil(16383/4095) = 5 layers, the other 27 add no reach.
    m = run_simulation(SIM, {"n": 16384}).verdict.measured
    assert (
        m["reach_after_L"] == 16383 and m["layers_to_reach_end_measured"] == 5 and m["layers_matching"] == 4
    )


def test_full_attention_reaches_everything_in_one_layer() -> None:
    m = run_simulation(SIM, {"window": 131072, "n": 131072, "layers": 3}).verdict.measured
    assert m["reach_after_1"] == m["reach_after_L"] == m["n"] - 1
    assert m["layers_to_reach_end_measured"] == 1 and m["layers_matching"] == 1


@pytest.mark.parametrize("overrides", OUT_OF_BOUNDS, ids=str)
def test_params_out_of_bounds_refused(overrides: dict) -> None:
    with pytest.raises(pydantic.ValidationError):
        run_simulation(SIM, overrides)


@pytest.mark.parametrize(
    ("window", "layers", "n", "reach", "to_end"),
    [
        (10, 5, 1000, 45, 111),  # 5 * 9; position 999 needs ceil(999/9) = 111 layers
        (2, 7, 50, 7, 49),  # w = 2: one position per layer, like a recurrence
        (3, 8, 100, 16, 50),  # w = 3: a width-3 convolution stack's L(k-1)
        (512, 4, 4096, 2044, 9),  # ceil(4095/511) = 9 (4095 = 8 * 511 + 7)
    ],
)
def test_known_reach(window: int, layers: int, n: int, reach: int, to_end: int) -> None:
    result = run_simulation(SIM, {"window": window, "layers": layers, "n": n})
    m = result.verdict.measured
    assert result.verdict.holds, result.verdict.summary
    assert m["reach_after_L"] == reach
    assert m["layers_to_reach_end_formula"] == to_end
    assert m["layers_to_reach_end_measured"] == -1  # not yet within L layers


def test_reaches_end_exactly_when_deep_enough() -> None:
    # n = 1 + L(w-1): the last position is reached at the last layer, and the claim still holds.
    result = run_simulation(SIM, {"window": 10, "layers": 11, "n": 100})
    m = result.verdict.measured
    assert result.verdict.holds
    assert m["reach_after_L"] == 99 and m["layers_to_reach_end_measured"] == 11


def test_short_sequence_caps_reach() -> None:
    # More layers than the sequence needs: reach stops at n-1 and l(w-1) overshoots, so it fails.
    result = run_simulation(SIM, {"window": 10, "layers": 20, "n": 100})
    m = result.verdict.measured
    assert not result.verdict.holds
    assert m["reach_after_L"] == 99 and m["layers_matching"] == 11
    assert m["first_layer_mismatches"] == 0  # ceil(t/(w-1)) still right for every position


def test_window_layer_reads_exactly_w_positions() -> None:
    # One marked input at position 5 marks outputs 5..5+w-1, nothing else.
    n, w = 40, 7
    reach = np.zeros(n, dtype=bool)
    reach[5] = True
    out = window_layer(reach, w, np)
    assert np.flatnonzero(out).tolist() == list(range(5, 5 + w))


def test_formula_first_layer() -> None:
    assert formula_first_layer(12, 4, 3).tolist() == [0, 1, 1, 1, 2, 2, 2, 3, 3, 3, -1, -1]
