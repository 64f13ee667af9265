"""KV-head simulations: cache sizing against real model shapes, and MHA -> GQA conversion.

Defaults hold, counters do not, frames and params follow the contract, and the byte counts equal
the published figures exactly.
"""

from __future__ import annotations

import math

import numpy as np
import pydantic
import pytest

from sims import run_simulation
from sims.gqa import pool_heads, rank_correlation
from sims.kv_heads import allocated_bytes, formula_bytes

IDS = ["kv-cache-sizing", "gqa-interpolation"]
GIB = 2**30

OUT_OF_BOUNDS = {
    "kv-cache-sizing": [
        {"model": "llama-4"},
        {"tokens": 0},
        {"tokens": 1 << 21},
        {"batch": 0},
        {"dtype": "float64"},
        {"check": "speed"},
        {"model": "custom", "query_heads": 32, "kv_heads": 5},
        {"model": "custom", "head_dim": 1024},
        {"model": "custom", "layers": 0},
    ],
    "gqa-interpolation": [
        {"heads": 6},
        {"heads": 1},
        {"heads": 128},
        {"head_spread": -0.1},
        {"n": 1},
        {"d": 10_000},
    ],
}


@pytest.mark.parametrize(
    ("sim_id", "overrides"), [(s, o) for s in IDS for o in OUT_OF_BOUNDS[s]], ids=lambda v: str(v)
)
def test_params_out_of_bounds_refused(sim_id: str, overrides: dict) -> None:
    with pytest.raises(pydantic.ValidationError):
        run_simulation(sim_id, overrides)


# ---------------------------------------------------------------------------------------------
# kv-cache-sizing known answers


@pytest.mark.parametrize(
    ("model", "gqa_gib", "mha_gib", "ratio"),
    [("llama-2-70b", 0.3125, 2.5, 8.0), ("llama-3-8b", 0.125, 0.5, 4.0), ("mistral-7b", 0.125, 0.5, 4.0)],
)
def test_published_cache_sizes(model: str, gqa_gib: float, mha_gib: float, ratio: float) -> None:
    # Llama 2 70B: 2 x 80 x 8 x 128 x 1024 x 2 bytes = 335,544,320 bytes = 0.3125 GiB per 1,024 tokens.
    result = run_simulation("kv-cache-sizing", {"model": model})
    m = result.verdict.measured
    assert m["gqa_gib"] == gqa_gib and m["mha_gib"] == mha_gib
    assert m["memory_ratio_mha_over_gqa"] == ratio == m["h_over_g"]
    assert m["formula_mismatches"] == 0
    assert result.verdict.holds


def test_llama_2_70b_bytes_exact() -> None:
    m = run_simulation("kv-cache-sizing").verdict.measured
    assert m["gqa_bytes"] == 335_544_320
    assert m["mqa_bytes"] == 335_544_320 // 8


@pytest.mark.parametrize(
    "overrides",
    [
        {"tokens": 1 << 20, "batch": 1024},  # ~320 TiB: allocated in part, scaled up exactly
        {"tokens": 1, "batch": 1},
        {"tokens": 4097, "batch": 3, "dtype": "float32"},
        {"tokens": 999, "dtype": "int8"},
        {
            "model": "custom",
            "layers": 128,
            "query_heads": 128,
            "kv_heads": 128,
            "head_dim": 256,
            "dtype": "float32",
        },
    ],
)
def test_formula_matches_allocation_everywhere(overrides: dict) -> None:
    result = run_simulation("kv-cache-sizing", overrides)
    assert result.verdict.measured["formula_mismatches"] == 0
    assert result.verdict.holds


def test_allocation_is_capped_and_scaled() -> None:
    got, scaled = allocated_bytes(80, 64, 128, 1 << 20, 1024, np.float16, np)
    assert got <= 1 << 25
    assert scaled == formula_bytes(80, 64, 128, 1 << 20, 1024, 2)


def test_flops_check_counts_equal_flops() -> None:
    # Every query head scores n x n keys either way: 2 H n^2 head_dim FLOPs, MHA or GQA.
    m = run_simulation("kv-cache-sizing", {"check": "flops"}).verdict.measured
    assert m["qk_flops_mha"] == m["qk_flops_gqa"] == 2 * 64 * 16 * 16 * 128
    assert m["flops_ratio_mha_over_gqa"] == 1.0
    assert m["grouped_scores_max_gap"] < 1e-9


def test_flops_check_holds_only_without_grouping() -> None:
    # With G = H there is nothing to cut, so "FLOPs fall by H/G = 1" is true.
    mha = {"model": "custom", "query_heads": 16, "kv_heads": 16, "check": "flops"}
    assert run_simulation("kv-cache-sizing", mha).verdict.holds


# ---------------------------------------------------------------------------------------------
# gqa-interpolation known answers


def test_pool_heads_known_values() -> None:
    w = np.arange(8.0).reshape(4, 1, 2)  # heads [0,1], [2,3], [4,5], [6,7]
    assert np.array_equal(pool_heads(w, 4), w)
    assert pool_heads(w, 2).ravel().tolist() == [1.0, 2.0, 5.0, 6.0]
    assert pool_heads(w, 1).ravel().tolist() == [3.0, 4.0]


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("heads", [2, 8, 32])
@pytest.mark.parametrize("spread", [0.5, 1.0])
def test_gqa_exact_at_h_and_rising(seed: int, heads: int, spread: float) -> None:
    result = run_simulation(
        "gqa-interpolation", {"seed": seed, "heads": heads, "n": 32, "head_spread": spread}
    )
    m = result.verdict.measured
    assert m["error_at_g_h"] == 0.0
    assert result.verdict.holds, result.verdict.summary


def test_gqa_identical_heads_lose_nothing() -> None:
    m = run_simulation("gqa-interpolation", {"head_spread": 0.0, "heads": 16}).verdict.measured
    result = run_simulation("gqa-interpolation", {"head_spread": 0.0, "heads": 16})
    assert not result.verdict.holds and "identical heads pool exactly" in result.verdict.summary
    assert m["error_at_g_1"] < 1e-12 and m["error_at_g_half"] < 1e-12


def test_gqa_trend_is_measured_not_a_theorem() -> None:
    """Nearly independent heads: the error saturates and dips between halvings (no monotone law)."""
    result = run_simulation("gqa-interpolation", {"head_spread": 10.0})
    m = result.verdict.measured
    assert not result.verdict.holds and m["smallest_step"] < 0
    assert m["error_at_g_half"] > 0.5 * m["error_at_g_1"]  # half the heads pooled already loses most


def test_rank_correlation_known_values() -> None:
    x = np.arange(5.0)
    assert rank_correlation(x, x**3) == pytest.approx(1.0)
    assert rank_correlation(x, -x) == pytest.approx(-1.0)
    assert rank_correlation(x, np.zeros(5)) == 0.0
    assert rank_correlation(x, np.array([0.0, 1.0, 1.0, 2.0, 3.0])) == pytest.approx(
        9.5 / math.sqrt(95)
    )  # ranks 0, 1.5, 1.5, 3, 4


def test_expanded_cache_saves_nothing() -> None:
    result = run_simulation("kv-cache-sizing", {"layout": "expanded"})
    m = result.verdict.measured
    assert not result.verdict.holds and m["memory_ratio_mha_over_gqa"] == 1.0 and m["formula_mismatches"] == 0
    assert "saves no bytes" in result.verdict.summary
