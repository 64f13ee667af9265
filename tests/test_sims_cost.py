"""The cost simulations: quadratic time, linear-memory tiled attention, exact online softmax."""

from __future__ import annotations

import pydantic
import pytest

from sims import run_simulation
from sims.cost import flops, sizes

IDS = ["attention-quadratic-cost", "tiled-attention-memory", "online-softmax-exactness"]

# A value just outside one bound (or one cross-field rule) of each simulation's Params.
OUT_OF_BOUNDS = {
    "attention-quadratic-cost": [
        {"d": 4},
        {"d": 2048},
        {"n_min": 8},
        {"n_max": 32768},
        {"points": 1},
        {"repeats": 0},
        {"n_min": 512, "n_max": 256},
        {"part": "heads"},
        {"d": 1024, "n_max": 4096, "n_min": 1024},
    ],
    "tiled-attention-memory": [
        {"n_max": 16384},
        {"n_min": 32},
        {"block": 0},
        {"d": 0},
        {"points": 7},
        {"n_min": 1024, "n_max": 512},
        {"block": 1, "n_max": 1024},
        {"unknown": 1},
    ],
    "online-softmax-exactness": [
        {"n": 1},
        {"rows": 0},
        {"chunk": 0},
        {"magnitude": 0.0},
        {"rows": 256, "n": 65536},
        {"n": 65536, "chunk": 1},
        {"seed": -1},
    ],
}


@pytest.mark.parametrize(
    ("sim_id", "overrides"), [(s, o) for s in IDS for o in OUT_OF_BOUNDS[s]], ids=lambda v: str(v)
)
def test_params_out_of_bounds_refused(sim_id: str, overrides: dict) -> None:
    with pytest.raises(pydantic.ValidationError):
        run_simulation(sim_id, overrides)


def test_quadratic_cost_deterministic_except_timings() -> None:
    a = run_simulation("attention-quadratic-cost", {"seed": 3, "n_max": 1024, "repeats": 3})
    b = run_simulation("attention-quadratic-cost", {"seed": 3, "n_max": 1024, "repeats": 3})
    untimed = ["flop_slope", "flops_scores_at_n_max", "flops_projections_at_n_max"]
    untimed.append("scores_flop_share_at_n_max")
    assert [a.verdict.measured[k] for k in untimed] == [b.verdict.measured[k] for k in untimed]


# ------------------------------------------------------------------------------- known answers


def test_sizes_geometric() -> None:
    assert sizes(256, 2048, 4) == [256, 512, 1024, 2048]
    assert sizes(32, 256, 4) == [32, 64, 128, 256]
    assert sizes(100, 101, 8) == [100, 101]  # rounding collapses duplicates


def test_flop_counts_exact(default_runs) -> None:
    assert flops(1000, 64, "scores") == (0, 4 * 1000**2 * 64)
    assert flops(256, 1024, "layer") == (8 * 256 * 1024**2, 4 * 256**2 * 1024)
    m = default_runs["attention-quadratic-cost"][0].verdict.measured
    assert m["flops_scores_at_n_max"] == 4 * 2048**2 * 64 and m["flops_projections_at_n_max"] == 0
    assert m["flop_slope"] == pytest.approx(2.0, abs=1e-12)


def test_layer_flops_dominated_by_projections_at_small_n() -> None:
    m = run_simulation(
        "attention-quadratic-cost", {"part": "layer", "d": 1024, "n_min": 32, "n_max": 256}
    ).verdict.measured
    # at n = 256, d = 1024: scores 4n²d over projections 8nd² is n / 2d = 1/8, a share of 1/9.
    assert m["scores_flop_share_at_n_max"] == pytest.approx(1 / 9)
    assert m["time_slope"] < 1.4


def test_layer_at_small_d_is_still_quadratic() -> None:
    # n >> d: at d = 64 the projections are a small share and the whole layer goes as n².
    result = run_simulation("attention-quadratic-cost", {"part": "layer"})
    assert result.verdict.holds, result.verdict.summary


def test_tiled_at_8192_needs_under_5_percent_of_naive() -> None:
    # The done-when: at n = 8192 the tiled peak is at most 5% of the naive one's.
    result = run_simulation("tiled-attention-memory", {"n_min": 1024, "n_max": 8192, "points": 2, "d": 4})
    m = result.verdict.measured
    assert m["tiled_over_naive_at_n_max"] <= 0.05, result.verdict.summary
    assert m["naive_peak_bytes_at_n_max"] >= 8 * 8192**2  # at least the n×n float64 scores, measured
    assert m["max_abs_diff"] < 1e-10 and result.verdict.holds


def test_tiled_counter_one_block_holds_the_scores() -> None:
    m = run_simulation("tiled-attention-memory", counter=True).verdict.measured
    assert m["blocks_at_n_max"] == 1 and m["max_abs_diff"] < 1e-10  # still exact, but no longer small
    assert m["multi_block_lengths"] == 0
    assert m["tiled_peak_bytes_at_n_max"] >= 8 * 2048**2
    assert m["tiled_slope"] > 1.7


def test_online_softmax_known_counts(default_runs) -> None:
    m = default_runs["online-softmax-exactness"][0].verdict.measured
    assert m["steps"] == 4096 // 64
    assert m["naive_nan_rows"] == 32 and m["naive_inf_count"] > 0  # every row has a logit above 709.78
    assert m["max_rel_error"] < 1e-12 and m["max_row_sum_error"] < 1e-12


def test_online_softmax_small_logits_no_overflow() -> None:
    m = run_simulation("online-softmax-exactness", {"magnitude": 10.0}).verdict.measured
    assert m["naive_inf_count"] == 0 and m["naive_nan_rows"] == 0 and m["max_rel_error"] < 1e-12


def test_online_softmax_one_chunk_needs_no_rescale() -> None:
    # A single chunk never sees the max grow, so even without rescaling the result is exact.
    result = run_simulation("online-softmax-exactness", {"chunk": 4096, "rescale": False})
    assert result.verdict.holds and result.verdict.measured["steps"] == 1


def test_quadratic_counter_is_the_score_part_at_small_n() -> None:
    """The counter times the claim's own quantity where per-call overhead dominates."""
    result = run_simulation("attention-quadratic-cost", counter=True)
    m = result.verdict.measured
    assert m["part"] == "scores" and m["n_max"] == 64
    assert m["time_slope"] < 1.2 and "per-call cost" in result.verdict.summary


def test_tiled_slope_is_fitted_where_n_spans_two_blocks() -> None:
    m = run_simulation("tiled-attention-memory", {"block": 512}).verdict.measured
    assert m["multi_block_lengths"] == 2 and m["tiled_slope_from_n"] == 1024
    assert m["tiled_slope"] < 1.15  # n x 512 tiles: linear, not the mixed 1.24 over every length


def test_online_softmax_without_rescale_stays_finite_but_wrong() -> None:
    """The counter's error is not overflow: the streamed sum is a modest finite number."""
    result = run_simulation("online-softmax-exactness", counter=True)
    m = result.verdict.measured
    assert m["streamed_sum_min"] >= 1.0 and m["streamed_sum_max"] < 100.0
    assert m["max_rel_error"] > 0.1 and "different maxima" in result.verdict.summary
