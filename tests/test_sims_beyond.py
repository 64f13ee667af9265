"""Beyond softmax attention: linear attention as a recurrence, the associative scan, and MLA's absorbed
decode path: the numbers fixed by arithmetic (state and cache sizes, scan levels and combines) come out
exactly, and out-of-range settings are refused. Defaults, counters, probes and seeds are checked for
every simulation by tests/test_sims_contract.py."""

from __future__ import annotations

import math

import numpy as np
import pydantic
import pytest

import sims
from sims import run_simulation
from sims.linear_attention import elu_plus_one, parallel_linear, recurrent_linear
from sims.mla import rope
from sims.recall import nearest_is_own
from sims.scan import blelloch, combine_linear, hillis_steele, sequential

IDS = ["linear-attention-recurrence", "associative-scan", "mla-absorption", "state-recall-capacity"]

OUT_OF_BOUNDS = {
    "state-recall-capacity": [{"pairs": 0}, {"d": 257}, {"beta": 0.0}],
    "linear-attention-recurrence": [{"n": 3}, {"d": 0}, {"kernel": "relu"}, {"logit_scale": 0.0}],
    "associative-scan": [{"n": 1}, {"n": 65536, "channels": 32}, {"method": "kogge-stone"}],
    "mla-absorption": [
        {"head_dim": 3},
        {"rope_dim": 5},
        {"heads": 128, "head_dim": 128, "latent": 1024},
        {"heads": 16, "tokens": 512},
    ],
}


@pytest.mark.parametrize(("sim_id", "overrides"), [(s, o) for s in IDS for o in OUT_OF_BOUNDS[s]], ids=str)
def test_params_out_of_bounds_refused(sim_id: str, overrides: dict) -> None:
    with pytest.raises(pydantic.ValidationError):
        sims.get(sim_id).params(overrides)


# --- linear-attention-recurrence --------------------------------------------------------------


def test_linear_state_and_cache_bytes_by_hand() -> None:
    m = run_simulation("linear-attention-recurrence").verdict.measured
    # state: d x d_v + d = 16 * 16 + 16 = 272 float64 numbers = 2,176 bytes, at t = 4 and at t = 512.
    assert m["state_bytes"] == m["state_bytes_first"] == 272 * 8 == 2176
    # KV cache at n = 512: 512 * (16 + 16) * 8 = 131,072 bytes; at t = 4: 4 * 32 * 8 = 1,024.
    assert m["kv_bytes"] == 131_072 and m["kv_bytes_first"] == 1024
    assert m["kv_over_state"] == pytest.approx(131_072 / 2176)
    assert m["max_abs_diff"] < 1e-12 and m["rank_floor"] < 1e-12


def test_exp_kernel_rank_floor_is_far_from_zero() -> None:
    m = run_simulation("linear-attention-recurrence", counter=True).verdict.measured
    assert m["rank_floor"] > 0.1 and m["max_abs_diff"] > 0.1


def test_elu_plus_one_is_positive_and_continuous() -> None:
    x = np.array([-50.0, -1.0, 0.0, 1e-12, 2.0])
    phi = elu_plus_one(x, np)
    assert np.all(phi > 0)
    assert phi.tolist() == pytest.approx([math.exp(-50), math.exp(-1), 1.0, 1.0, 3.0])


def test_recurrence_on_a_tiny_case_by_hand() -> None:
    # Two tokens with features (1, 0) and (0, 1): y_1 = v_0 (only itself), y_2 = (fq . fk_j) weighted mean.
    fq = np.array([[1.0, 0.0], [1.0, 1.0]])
    fk = np.array([[1.0, 0.0], [0.0, 1.0]])
    v = np.array([[2.0], [4.0]])
    out, held = recurrent_linear(fq, fk, v, np, {2})
    assert out[:, 0].tolist() == [2.0, 3.0]  # (1*2 + 1*4) / (1 + 1)
    assert np.allclose(parallel_linear(fq, fk, v, np), out)
    assert held == {2: (2 * 1 + 2) * 8}


# --- associative-scan -------------------------------------------------------------------------


def test_scan_levels_and_combines_by_hand() -> None:
    m = run_simulation("associative-scan").verdict.measured
    # n = 4096: ceil(log2 4096) = 12 levels; combines sum_{k<12} (4096 - 2^k) = 12 * 4096 - 4095 = 45,057.
    assert (m["levels"], m["combines"], m["sequential_steps"]) == (12, 45_057, 4095)
    b = run_simulation("associative-scan", {"method": "blelloch"}).verdict.measured
    # up-sweep 4095 + down-sweep 4095 + inclusive level 4096 = 12,286 combines; 12 + 12 + 1 = 25 levels.
    assert (b["levels"], b["combines"]) == (25, 12_286)


def test_operator_composes_affine_maps() -> None:
    # h -> 2h + 1, then h -> 3h + 5: h -> 3(2h + 1) + 5 = 6h + 8.
    assert combine_linear((2.0, 1.0), (3.0, 5.0)) == (6.0, 8.0)


@pytest.mark.parametrize("n", [2, 3, 5, 8, 13])
def test_both_scans_match_the_loop(n: int) -> None:
    rng = np.random.default_rng(n)
    a, b = rng.uniform(0.5, 1.0, (n, 2)), rng.standard_normal((n, 2))
    loop = sequential(a, b, combine_linear)
    *_, (hs, _) = hillis_steele(a, b, combine_linear)
    *_, (bl, _) = blelloch(a, b, combine_linear, np)
    assert np.allclose(hs, loop, rtol=0, atol=1e-14) and np.allclose(bl, loop, rtol=0, atol=1e-14)


def test_tanh_scan_is_wrong_and_loop_is_the_recurrence() -> None:
    m = run_simulation("associative-scan", counter=True).verdict.measured
    assert m["max_rel_error"] > 0.1 and m["associativity_gap"] > 0.1
    a, b = np.array([[0.9], [0.8], [0.7]]), np.array([[0.3], [-0.2], [0.5]])
    b0 = b.copy()
    b0[0] = np.tanh(b0[0])
    h1 = np.tanh(0.8 * np.tanh(0.3) - 0.2)
    h2 = np.tanh(0.7 * h1 + 0.5)
    loop = sequential(a, b0, lambda x, y: (x[0] * y[0], np.tanh(y[0] * x[1] + y[1])))
    assert loop[:, 0].tolist() == pytest.approx([math.tanh(0.3), h1, h2], abs=1e-15)


# --- mla-absorption ---------------------------------------------------------------------------


def test_mla_cache_sizes_by_hand() -> None:
    m = run_simulation("mla-absorption").verdict.measured
    # defaults: d_c + d_h^R = 256 + 32 = 288 per token per layer; MHA 2 * 16 * 64 = 2,048.
    assert (m["mla_numbers_per_token"], m["mha_numbers_per_token"]) == (288, 2048)
    deepseek = {"heads": 128, "head_dim": 128, "latent": 512, "rope_dim": 64, "model_dim": 64, "tokens": 8}
    d = run_simulation("mla-absorption", deepseek).verdict.measured
    # DeepSeek-V2: 512 + 64 = 576 = 4.5 d_h; MHA 2 * 128 * 128 = 32,768; ratio 56.9.
    assert (d["mla_numbers_per_token"], d["mha_numbers_per_token"]) == (576, 32_768)
    assert d["cache_ratio"] == pytest.approx(32_768 / 576)


def test_rope_is_a_rotation_with_relative_scores() -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal((10, 8))
    r = rope(x, np)
    assert np.allclose(np.linalg.norm(r, axis=1), np.linalg.norm(x, axis=1))
    same = np.tile(rng.standard_normal(8), (10, 1))
    rs = rope(same, np)
    # R_m q . R_n k depends on n - m only: positions (2, 5) and (4, 7) give the same score.
    assert rs[2] @ rs[5] == pytest.approx(rs[4] @ rs[7])
    assert np.allclose(r[0], x[0])  # position 0 is not rotated


def test_counter_breaks_scores_not_the_cache() -> None:
    m = run_simulation("mla-absorption", counter=True).verdict.measured
    assert m["score_rel_error"] > 0.1 and m["mla_numbers_per_token"] < m["mha_numbers_per_token"]


# --- state-recall-capacity --------------------------------------------------------------------


def test_recall_sizes_and_floor_by_hand() -> None:
    m = run_simulation("state-recall-capacity").verdict.measured
    # state d x d_v = 64 * 64 = 4,096 numbers; cache of 32 pairs: 32 * (64 + 64) = 4,096 numbers.
    assert (m["state_numbers"], m["cache_numbers"]) == (4096, 4096)
    assert m["best_state_error"] < 1e-12 and m["best_state_error_expected"] == 0.0
    c = run_simulation("state-recall-capacity", counter=True).verdict.measured
    # 256 pairs through rank 64: expected floor sqrt((256 - 64) / 256) = sqrt(0.75) = 0.866.
    assert c["best_state_error_expected"] == pytest.approx(math.sqrt(0.75))
    assert c["best_state_error"] == pytest.approx(math.sqrt(0.75), abs=0.05)
    assert c["softmax_cache_recall"] == 1.0 and c["best_state_recall"] < 0.5


def test_nearest_is_own_counts_by_hand() -> None:
    v = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    out = np.array([[1.0, 0.0], [9.0, 1.0], [9.0, 0.0]])  # the third is read back nearest to the second value
    assert nearest_is_own(out, v, np) == pytest.approx(2 / 3)
