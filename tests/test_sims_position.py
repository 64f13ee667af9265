"""Position simulations: permutation equivariance, sinusoidal shifts, RoPE offsets, causal position.

Defaults hold, counters do not, frames and params follow the contract, and the numbers the maths fixes
come out exactly.
"""

from __future__ import annotations

import math

import numpy as np
import pydantic
import pytest

from sims import run_simulation
from sims.encodings import rope_rotate, shift_matrix, sinusoidal_table
from sims.symmetry import count_distinct_rows

IDS = [
    "permutation-equivariance",
    "sinusoidal-pe-linear-shift",
    "rope-relative-score",
    "causal-mask-position",
]

OUT_OF_BOUNDS = {
    "permutation-equivariance": [
        {"n": 1},
        {"n": 257},
        {"d": 0},
        {"positional": "learned"},
        {"trials": 0},
        {"trials": 33},
        {"seed": -1},
    ],
    "sinusoidal-pe-linear-shift": [
        {"d": 3},
        {"d": 258},
        {"positions": 8},
        {"max_shift": 0},
        {"table": "rope"},
        {"base": 1.0},
        {"positions": 100, "max_shift": 90},
    ],
    "rope-relative-score": [
        {"d": 5},
        {"d": 0},
        {"positions": 1},
        {"positions": 513},
        {"encoding": "alibi"},
        {"base": 1e7},
    ],
    "causal-mask-position": [
        {"n": 2},
        {"n": 1025},
        {"d": 0},
        {"d": 65},
        {"query_scale": -0.1},
        {"query_scale": 5.0},
        {"x": 1},
    ],
}


@pytest.mark.parametrize(
    ("sim_id", "overrides"), [(s, o) for s in IDS for o in OUT_OF_BOUNDS[s]], ids=lambda v: str(v)
)
def test_params_out_of_bounds_refused(sim_id: str, overrides: dict) -> None:
    with pytest.raises(pydantic.ValidationError):
        run_simulation(sim_id, overrides)


# --- permutation-equivariance -----------------------------------------------------------------


def test_permutation_all_three_numbers(default_runs) -> None:
    m = default_runs["permutation-equivariance"][0].verdict.measured
    assert m["max_output_equivariance_error"] < 1e-12
    assert m["max_score_equivariance_error"] < 1e-12
    assert m["min_score_change"] > 1e-3  # the scores are permuted, not unchanged


@pytest.mark.parametrize("overrides", [{"causal": True}, {"positional": "sinusoidal", "causal": True}])
def test_permutation_broken_by_mask(overrides: dict) -> None:
    result = run_simulation("permutation-equivariance", overrides)
    assert not result.verdict.holds
    assert result.verdict.measured["max_output_equivariance_error"] > 1e-3


# --- sinusoidal-pe-linear-shift ---------------------------------------------------------------


def test_sinusoidal_table_known_values() -> None:
    table = sinusoidal_table(3, 4, np)
    np.testing.assert_allclose(table[0], [0.0, 1.0, 0.0, 1.0])
    expected = [math.sin(2), math.cos(2), math.sin(0.02), math.cos(0.02)]  # w = 1 and 10000^(-1/2)
    np.testing.assert_allclose(table[2], expected, rtol=1e-15)
    assert sinusoidal_table(5, 7, np).shape == (5, 7)


@pytest.mark.parametrize("k", [1, 5, 40])
def test_shift_matrix_is_a_rotation_that_shifts(k: int) -> None:
    m = shift_matrix(k, 16, np)
    np.testing.assert_allclose(m @ m.T, np.eye(16), atol=1e-14)
    table = sinusoidal_table(200, 16, np)
    np.testing.assert_allclose(table[k:], table[:-k] @ m.T, atol=1e-12)
    off_blocks = m.copy()
    for i in range(0, 16, 2):
        off_blocks[i : i + 2, i : i + 2] = 0
    assert not off_blocks.any()


def test_shift_residuals(default_runs) -> None:
    m = default_runs["sinusoidal-pe-linear-shift"][0].verdict.measured
    assert m["max_fit_residual"] < 1e-11 and m["max_rotation_residual"] < 1e-11
    learned = run_simulation("sinusoidal-pe-linear-shift", counter=True).verdict.measured
    assert learned["max_fit_residual"] > 0.3 * learned["table_max_abs"]


# --- rope-relative-score ----------------------------------------------------------------------


def test_rope_rotation_known_values() -> None:
    # d = 2, theta_0 = 1: position m turns (1, 0) to (cos m, sin m), norms are kept.
    x = np.tile([1.0, 0.0], (4, 1))
    np.testing.assert_allclose(rope_rotate(x, np), [[math.cos(m), math.sin(m)] for m in range(4)], atol=1e-15)
    y = np.random.default_rng(1).standard_normal((10, 8))
    np.testing.assert_allclose(np.linalg.norm(rope_rotate(y, np), axis=1), np.linalg.norm(y, axis=1))


def test_rope_score_is_cosine_of_offset() -> None:
    # (R_m e1) . (R_n e1) = cos(m - n) for d = 2.
    r = rope_rotate(np.tile([1.0, 0.0], (6, 1)), np)
    offsets = np.arange(6)[:, None] - np.arange(6)[None, :]
    np.testing.assert_allclose(r @ r.T, np.cos(offsets), atol=1e-15)


def test_rope_spreads(default_runs) -> None:
    m = default_runs["rope-relative-score"][0].verdict.measured
    assert m["relative_spread"] < 1e-12 and m["pairs_compared"] == 64 * 64
    absolute = run_simulation("rope-relative-score", counter=True).verdict.measured
    assert absolute["relative_spread"] > 0.1


# --- causal-mask-position ---------------------------------------------------------------------


def test_causal_equal_scores_give_one_over_i_plus_one() -> None:
    result = run_simulation("causal-mask-position", {"query_scale": 0.0, "n": 100})
    m = result.verdict.measured
    assert result.verdict.holds
    assert m["bos_weight_max_gap_to_1_over_i_plus_1"] < 1e-15
    assert m["bos_weight_at_1"] == pytest.approx(0.5) and m["bos_weight_at_last"] == pytest.approx(0.01)


def test_causal_counts(default_runs) -> None:
    m = default_runs["causal-mask-position"][0].verdict.measured
    assert m["distinct_outputs"] == m["identical_positions"] == 63
    assert m["probe_ordered_fraction"] == 1.0
    bidirectional = run_simulation("causal-mask-position", counter=True).verdict.measured
    assert bidirectional["distinct_outputs"] == 1
    assert bidirectional["probe_ordered_fraction"] == 0.0


def test_count_distinct_rows() -> None:
    rows = np.array([[1.0, 2.0], [1.0, 2.0], [3.0, 0.0], [1.0, 2.0 + 1e-14], [3.0, 1e-3]])
    assert count_distinct_rows(rows, np) == 3
    assert count_distinct_rows(rows, np, block_elements=2) == 3  # one row per block


def test_causal_outputs_1e9_apart_are_distinct() -> None:
    """The audit's false negative: outputs 1e-9 apart (relative) are distinct float64 numbers."""
    result = run_simulation("causal-mask-position", {"query_scale": 4.0, "n": 1024, "seed": 8})
    assert result.verdict.holds, result.verdict.summary
    assert result.verdict.measured["distinct_outputs"] == 1023


def test_count_distinct_rows_tolerance_is_round_off_not_1e9() -> None:
    base = np.array([[1.0, 2.0]])
    assert count_distinct_rows(np.vstack([base, base * (1 + 1e-10)]), np) == 2  # far above round-off
    assert count_distinct_rows(np.vstack([base, base * (1 + 4e-16)]), np) == 1  # one ulp: the same


# --- causal-mask-future-edit ------------------------------------------------------------------


def test_future_edit_leaves_the_prefix_bit_for_bit(default_runs) -> None:
    m = default_runs["causal-mask-future-edit"][0].verdict.measured
    assert m["max_relative_change_before"] == 0.0 and m["positions_before_changed"] == 0
    assert m["min_relative_change_from"] > 1e-3 and m["positions_from_unchanged"] == 0


def test_future_edit_without_mask_moves_every_earlier_output() -> None:
    result = run_simulation("causal-mask-future-edit", counter=True)
    assert not result.verdict.holds
    assert result.verdict.measured["positions_before_changed"] == 20
    assert "information flowed backward" in result.verdict.summary


def test_future_edit_position_must_be_in_the_sequence() -> None:
    with pytest.raises(pydantic.ValidationError):
        run_simulation("causal-mask-future-edit", {"n": 8, "edit_at": 8})
