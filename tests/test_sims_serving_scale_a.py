"""Serving at scale (part a): speculative sampling, paged KV memory, KV-cache quantization.

Computed values match numbers derived by hand, and bad settings are refused. Defaults, counters, probes
and seeds are checked for every simulation by tests/test_sims_contract.py.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pydantic
import pytest

import sims
from sims import run_simulation
from sims.kv_quant import per_channel, per_token, quantize
from sims.speculative import expected_tokens, tv_tolerance

IDS = ["speculative-decoding", "paged-kv-waste", "kv-quant-outliers"]


@pytest.mark.parametrize(
    ("sim_id", "overrides"),
    [
        ("speculative-decoding", {"rule": "argmax"}),
        ("speculative-decoding", {"steps": 10}),
        ("paged-kv-waste", {"median_len": 4096, "max_len": 1024}),
        ("kv-quant-outliers", {"tokens": 1000, "group": 128}),
        ("kv-quant-outliers", {"outliers": 128, "channels": 128}),
    ],
)
def test_bad_params_refused(sim_id: str, overrides: dict) -> None:
    with pytest.raises(pydantic.ValidationError):
        sims.get(sim_id).params(overrides)


# --- speculative-decoding ---------------------------------------------------------------------


def test_expected_tokens_by_hand() -> None:
    # alpha = 0.8, gamma = 4: 1 + 0.8 + 0.64 + 0.512 + 0.4096 = 3.3616 = (1 - 0.8^5)/(1 - 0.8).
    mean, var = expected_tokens(0.8, 4)
    assert mean == pytest.approx(3.3616) == pytest.approx((1 - 0.8**5) / 0.2)
    # E[N^2] = 1 + 3(0.8) + 5(0.64) + 7(0.512) + 9(0.4096) = 13.8704, so Var = 13.8704 - 3.3616^2.
    assert var == pytest.approx(13.8704 - 3.3616**2)
    assert expected_tokens(1.0, 4) == (5.0, 0.0)  # q = p: every draft accepted
    assert expected_tokens(0.0, 4)[0] == 1.0  # nothing accepted: one token per target step


def test_tv_tolerance_by_hand() -> None:
    # V = 16, N = 200,000: 0.5 sqrt(15/200000) + sqrt(ln(1e6)/400000) = 0.004330 + 0.005877.
    assert tv_tolerance(16, 200_000) == pytest.approx(0.010207, abs=1e-6)


def test_speculative_default_numbers() -> None:
    m = run_simulation("speculative-decoding").verdict.measured
    assert m["alpha"] == pytest.approx(0.80, abs=0.001)
    assert m["tokens_predicted"] == pytest.approx((1 - m["alpha"] ** 5) / (1 - m["alpha"]))
    assert abs(m["tokens_per_step"] - m["tokens_predicted"]) < m["tokens_tolerance"]
    assert m["acceptance_measured"] == pytest.approx(m["alpha"], abs=0.005)
    assert m["tv_distance"] < m["tv_tolerance"] / 2


def test_greedy_emits_only_the_argmax() -> None:
    m = run_simulation("speculative-decoding", {"rule": "greedy"}).verdict.measured
    assert m["tv_distance"] == pytest.approx(1 - m["target_top_p"])  # a point mass on the argmax


def test_draft_identical_to_target_accepts_everything() -> None:
    m = run_simulation("speculative-decoding", {"draft_noise": 0.0, "gamma": 7}).verdict.measured
    assert m["alpha"] == pytest.approx(1.0) and m["tokens_per_step"] == 8.0


# --- paged-kv-waste ---------------------------------------------------------------------------


def test_paged_waste_by_hand() -> None:
    m = run_simulation("paged-kv-waste").verdict.measured
    assert m["max_waste"] == 15  # B - 1 with B = 16, reached when a request opens a block
    assert m["mean_waste"] == pytest.approx(7.5, abs=0.4)  # (B - 1)/2: lengths spread over many blocks
    assert m["reads_exact"] and m["finished"] > 100
    assert m["utilisation"] >= m["utilisation_bound"]


def test_contiguous_waste_is_max_len_minus_length() -> None:
    m = run_simulation("paged-kv-waste", {"allocation": "contiguous"}).verdict.measured
    assert m["max_waste"] == 8191  # a request of one token in an 8,192-slot reservation
    assert m["mean_waste"] == pytest.approx(8192 - m["mean_live_len"])
    assert m["utilisation"] == pytest.approx(m["mean_live_len"] / 8192)


@pytest.mark.parametrize("block", [1, 8, 64, 256])
def test_waste_never_exceeds_a_block(block: int) -> None:
    m = run_simulation("paged-kv-waste", {"block_size": block, "steps": 1000}).verdict.measured
    assert m["max_waste"] <= block - 1 and m["reads_exact"]


# --- kv-quant-outliers ------------------------------------------------------------------------


def test_quantize_by_hand() -> None:
    # 2 bits over [0, 3]: levels 0, 1, 2, 3 (step 1); 1.4 -> 1, 2.6 -> 3.
    x = np.array([[0.0, 1.4, 2.6, 3.0]])
    assert quantize(x, 2, 1, np).tolist() == [[0.0, 1.0, 3.0, 3.0]]
    assert np.array_equal(quantize(np.full((2, 3), 5.0), 2, 1, np), np.full((2, 3), 5.0))  # zero range


def test_per_token_range_is_set_by_an_outlier_channel() -> None:
    # One token, channels [0.3, -0.2, 0.1, 15]: range 15.2, 2-bit step 5.07; the small channels all
    # round to the lowest level -0.2, losing their values; per channel over tokens each keeps its own.
    k = np.array([[0.3, -0.2, 0.1, 15.0], [-0.3, 0.2, -0.1, 15.5]] * 4)  # (8, 4)
    kt = per_token(k, 2, np)
    assert kt[0, :3].tolist() == pytest.approx([-0.2, -0.2, -0.2])
    kc = per_channel(k, 2, 8, np)
    assert np.abs(kc - k).max() < 0.11  # each channel's step is at most 1.0/3


def test_kv_quant_margin_and_counter() -> None:
    m = run_simulation("kv-quant-outliers").verdict.measured
    assert m["error_ratio"] > 6 and m["scales_per_token_channel"] == m["scales_per_token_token"] == 1.0
    c = run_simulation("kv-quant-outliers", counter=True).verdict.measured
    assert c["error_ratio"] == pytest.approx(1.0, abs=0.1)


def test_kv_quant_error_falls_with_bits() -> None:
    result = run_simulation("kv-quant-outliers")
    per_token_curve = result.last_frame.series[0].y
    assert all(a > b for a, b in itertools.pairwise(per_token_curve))
    # Uniform rounding error: each extra bit halves the step, so 4 -> 8 bits cuts it about 16x.
    assert 10 < per_token_curve[3] / per_token_curve[7] < 25
    assert math.isfinite(result.verdict.measured["error_ratio"])
