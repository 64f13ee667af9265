"""Mechanics simulations: scaled dot products, softmax dilution, one head vs two.

Defaults hold, counters do not, frames and params follow the contract, and the numbers the maths fixes
come out exactly.
"""

from __future__ import annotations

import math

import numpy as np
import pydantic
import pytest

from quizapp.text import plain
from sims import run_simulation
from sims.kernels import softmax
from sims.mechanics import jacobian_norms, softmax_jacobian
from sims.multihead import fit_gradient, project_rows_to_simplex

IDS = ["scaled-dot-variance", "softmax-dilution", "multihead-vs-single"]
SEEDED = ["scaled-dot-variance", "multihead-vs-single"]

OUT_OF_BOUNDS = {
    "scaled-dot-variance": [
        {"d_min": 0},
        {"d_max": 2048},
        {"d_min": 8, "d_max": 4},
        {"n_keys": 1},
        {"rows": 2048, "n_keys": 256, "d_max": 1024},
        {"points": 0},
        {"unknown": 1},
    ],
    "softmax-dilution": [
        {"margin": -1.0},
        {"margin": 31.0},
        {"margin_growth": "sqrt_n"},
        {"n_min": 1},
        {"n_max": 1 << 23},
        {"n_min": 100, "n_max": 10},
        {"points": 3},
    ],
    "multihead-vs-single": [
        {"n": 3},
        {"n": 129},
        {"d": 0},
        {"d": 17},
        {"target": "next"},
        {"rounds": 0},
        {"steps": 101},
    ],
}


@pytest.mark.parametrize(
    ("sim_id", "overrides"), [(s, o) for s in IDS for o in OUT_OF_BOUNDS[s]], ids=lambda v: str(v)
)
def test_params_out_of_bounds_refused(sim_id: str, overrides: dict) -> None:
    with pytest.raises(pydantic.ValidationError):
        run_simulation(sim_id, overrides)


def test_softmax_dilution_deterministic() -> None:
    assert run_simulation("softmax-dilution").verdict == run_simulation("softmax-dilution").verdict


# --- scaled-dot-variance ----------------------------------------------------------------------


@pytest.mark.parametrize("n", [2, 5, 16])
def test_jacobian_norm_known_values(n: int) -> None:
    # Uniform p: J = I/n - 11^T/n^2, whose Frobenius norm is sqrt(n-1)/n; one-hot p: J = 0.
    uniform = np.full((1, n), 1.0 / n)
    assert jacobian_norms(uniform, np) == pytest.approx([math.sqrt(n - 1) / n], rel=1e-12)
    one_hot = np.eye(n)[:1]
    assert jacobian_norms(one_hot, np) == pytest.approx([0.0], abs=1e-15)


def test_scaled_dot_variance_tracks_d(default_runs) -> None:
    m = default_runs["scaled-dot-variance"][0].verdict.measured
    assert m["variance_at_d_max"] == pytest.approx(m["d_k_max"], rel=0.1)
    assert m["variance_slope"] == pytest.approx(1.0, abs=0.05)
    assert m["jacobian_ratio_at_d_max"] < 0.02
    assert m["saturated_rows_unscaled_at_d_max"] > 0.5


def test_scaled_dot_counter_fails_because_scaling_barely_matters() -> None:
    m = run_simulation("scaled-dot-variance", counter=True).verdict.measured
    assert m["d_k_max"] == 2
    assert 0.7 < m["jacobian_ratio_at_d_max"] < 1.5
    assert m["saturated_rows_unscaled_at_d_max"] == 0.0


def test_scaled_dot_d_one_scaling_is_identity() -> None:
    # At d_k = 1 dividing by sqrt(1) changes nothing: the two Jacobians are the same numbers.
    m = run_simulation("scaled-dot-variance", {"d_min": 1, "d_max": 1}).verdict.measured
    assert m["jacobian_ratio_at_d_max"] == 1.0
    assert m["variance_at_d_max"] == m["scaled_variance_max"]


# --- softmax-dilution -------------------------------------------------------------------------


def test_dilution_weights_match_formula(default_runs) -> None:
    m = default_runs["softmax-dilution"][0].verdict.measured
    assert m["weight_at_n_min"] == pytest.approx(math.exp(3) / (math.exp(3) + 1), rel=1e-12)
    n = m["n_max"]
    assert m["weight_at_n_max"] == pytest.approx(math.exp(3) / (math.exp(3) + n - 1), rel=1e-12)
    assert m["max_relative_gap_to_formula"] < 1e-12


def test_dilution_zero_margin_is_exactly_one_over_n() -> None:
    result = run_simulation("softmax-dilution", {"margin": 0.0, "n_max": 4096})
    m = result.verdict.measured
    assert m["weight_at_n_max"] == pytest.approx(1 / 4096, rel=1e-12)
    assert m["large_n_slope"] == pytest.approx(-1.0, abs=1e-9)
    assert result.verdict.holds


def test_dilution_log_margin_keeps_weight() -> None:
    m = run_simulation("softmax-dilution", counter=True).verdict.measured
    # m = log n + 3: weight = e^3 n / (e^3 n + n - 1) -> e^3 / (e^3 + 1) for large n.
    assert m["weight_at_n_max"] == pytest.approx(math.exp(3) / (math.exp(3) + 1), rel=1e-5)
    assert abs(m["large_n_slope"]) < 1e-3


def test_dilution_huge_margin_not_yet_diluted() -> None:
    # With m = 20, e^m is far beyond any allowed n: the weight is still ~1 and the 1/n regime never starts.
    result = run_simulation("softmax-dilution", {"margin": 20.0})
    assert not result.verdict.holds
    assert result.verdict.measured["weight_at_n_max"] > 0.99


# --- multihead-vs-single ----------------------------------------------------------------------


def test_simplex_projection_known_values() -> None:
    v = np.array([[0.5, 0.5, 0.0], [2.0, 0.0, 0.0], [1.0, 1.0, 1.0], [0.2, -3.0, 0.4]])
    expected = np.array([[0.5, 0.5, 0.0], [1.0, 0.0, 0.0], [1 / 3, 1 / 3, 1 / 3], [0.4, 0.0, 0.6]])
    np.testing.assert_allclose(project_rows_to_simplex(v, np), expected, atol=1e-15)
    rows = project_rows_to_simplex(np.random.default_rng(0).standard_normal((50, 9)) * 3, np)
    assert np.all(rows >= 0)
    np.testing.assert_allclose(rows.sum(axis=1), 1.0, atol=1e-12)


def test_multihead_floor_and_fit(default_runs) -> None:
    m = default_runs["multihead-vs-single"][0].verdict.measured
    assert m["positional_heads"] == 2 and m["positional_heads_error"] < 1e-20
    assert m["single_head_floor"] > 0.2
    # The fit can never beat the floor (it bounds every single head) and lands close to it.
    assert m["single_head_floor"] - 1e-12 <= m["single_head_best_fit"] <= m["single_head_floor"] + 0.02


def test_multihead_counter_single_head_suffices() -> None:
    m = run_simulation("multihead-vs-single", counter=True).verdict.measured
    assert m["single_head_floor"] < 1e-20
    assert m["single_head_best_fit"] < 1e-3
    assert m["positional_heads"] == 1 and m["positional_heads_error"] < 1e-20


def test_multihead_short_sequence_single_head_can_cheat() -> None:
    # n <= d: the target has rank <= n <= d, so a single head's output space is wide enough.
    result = run_simulation("multihead-vs-single", {"n": 8, "d": 16, "rounds": 2})
    assert not result.verdict.holds
    assert result.verdict.measured["single_head_floor"] < 1e-20


def test_scaled_dot_band_widens_with_few_samples() -> None:
    """32 samples per width: a sample variance of 0.7 or 1.4 is within sampling error, not a failure."""
    for seed in range(6):
        result = run_simulation("scaled-dot-variance", {"rows": 16, "n_keys": 2, "seed": seed})
        assert result.verdict.holds, result.verdict.summary


def test_scaled_dot_dividing_by_d_overcorrects() -> None:
    result = run_simulation("scaled-dot-variance", {"scale": "d"})
    m = result.verdict.measured
    assert not result.verdict.holds and "divided by dₖ do not keep variance 1" in plain(
        result.verdict.summary
    )
    assert m["scaled_variance_min"] == pytest.approx(1 / 512, rel=0.1)  # Var(q.k / d) = 1 / d


def test_dilution_not_yet_large_says_so() -> None:
    result = run_simulation("softmax-dilution", {"margin": 12.0})
    assert not result.verdict.holds and result.verdict.measured["large_n_points"] == 0
    assert "never reaches 30 eᵐ" in plain(result.verdict.summary)


# --- finite-difference checks of the hand-written derivatives ---------------------------------


@pytest.mark.parametrize("scale", [0.1, 1.0, 8.0])
def test_softmax_jacobian_matches_finite_differences(scale: float) -> None:
    s = np.random.default_rng(3).standard_normal((4, 6)) * scale  # (rows, n) scores
    jac = softmax_jacobian(softmax(s, np), np)  # (rows, n, n), [r, i, j] = d p_i / d s_j
    h = 1e-6
    for j in range(6):
        step = np.zeros(6)
        step[j] = h
        numeric = (softmax(s + step, np) - softmax(s - step, np)) / (2 * h)  # (rows, n) column j
        np.testing.assert_allclose(jac[:, :, j], numeric, atol=1e-9)


def test_single_head_fit_gradient_matches_finite_differences() -> None:
    rng = np.random.default_rng(4)
    a, z, y = rng.random((5, 5)), rng.standard_normal((5, 3)), rng.standard_normal((5, 3))

    def loss(m: np.ndarray) -> float:
        return 0.5 * float(np.sum((m @ z - y) ** 2))

    grad = fit_gradient(a, z, y)  # (5, 5)
    h = 1e-6
    numeric = np.zeros_like(a)
    for idx in np.ndindex(a.shape):
        step = np.zeros_like(a)
        step[idx] = h
        numeric[idx] = (loss(a + step) - loss(a - step)) / (2 * h)
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-8)
