"""The first four simulations: defaults hold, counters do not, frames and params follow the contract."""

from __future__ import annotations

import numpy as np
import pydantic
import pytest

from quizapp.text import plain
from sims import run_simulation
from sims.recurrence import lag_jacobians, rnn_states

IDS = ["rnn-gradient-decay", "path-length-reachability", "cnn-receptive-field", "fc-flat-sequence"]

# A value just outside one bound of each simulation's Params.
OUT_OF_BOUNDS = {
    "rnn-gradient-decay": [{"steps": 1}, {"steps": 10_000}, {"sigma": 0.0}, {"hidden": 100_000}],
    "path-length-reachability": [
        {"n_max": 1},
        {"n_max": 100_000},
        {"kernel": 1},
        {"n_min": 200, "n_max": 100},
        {"points": 0},
    ],
    "cnn-receptive-field": [{"layers": 0}, {"kernel": 1}, {"stride": 9}, {"layers": 24, "stride": 3}],
    "fc-flat-sequence": [{"n_min": 0}, {"d": 10_000}, {"n_min": 10, "n_max": 5}, {"unknown": 1}],
}


@pytest.mark.parametrize(
    ("sim_id", "overrides"), [(s, o) for s in IDS for o in OUT_OF_BOUNDS[s]], ids=lambda v: str(v)
)
def test_params_out_of_bounds_refused(sim_id: str, overrides: dict) -> None:
    with pytest.raises(pydantic.ValidationError):
        run_simulation(sim_id, overrides)


def test_path_length_deterministic() -> None:
    a = run_simulation("path-length-reachability", {"n_max": 512})
    b = run_simulation("path-length-reachability", {"n_max": 512})
    assert a.verdict == b.verdict


@pytest.mark.parametrize(
    ("layers", "kernel", "stride", "expected"),
    [(3, 5, 1, 13), (1, 2, 1, 2), (10, 7, 1, 61), (3, 3, 2, 15), (4, 2, 3, 41)],
)
def test_receptive_field_known_values(layers: int, kernel: int, stride: int, expected: int) -> None:
    # stride s: 1 + (k-1)(1 + s + ... + s^(L-1)); e.g. L=3, k=3, s=2 -> 1 + 2*7 = 15.
    result = run_simulation("cnn-receptive-field", {"layers": layers, "kernel": kernel, "stride": stride})
    assert result.verdict.measured["measured_at_L"] == expected
    # Every position in the span influences the unit unless the stride outruns the kernel.
    influencing = result.verdict.measured["influencing_at_L"]
    assert influencing == (expected if stride <= kernel else kernel**layers)
    assert result.verdict.holds == (stride == 1)


@pytest.mark.parametrize(
    ("n", "kernel", "rnn", "conv", "dilated"),
    [(100, 3, 99, 50, 5), (1000, 10, 999, 111, 3), (64, 4, 63, 21, 3), (65, 4, 64, 22, 4)],
)
def test_path_length_known_values(n: int, kernel: int, rnn: int, conv: int, dilated: int) -> None:
    result = run_simulation("path-length-reachability", {"n_min": n, "n_max": n, "kernel": kernel})
    m = result.verdict.measured
    assert (m["rnn_layers_at_n_max"], m["conv_layers_at_n_max"], m["dilated_layers_at_n_max"]) == (
        rnn,
        conv,
        dilated,
    )
    assert m["attention_layers_at_n_max"] == 1
    assert m["formula_mismatches"] == 0


def test_path_length_kernel_as_wide_as_sequence() -> None:
    result = run_simulation("path-length-reachability", {"n_min": 50, "n_max": 50, "kernel": 50})
    assert result.verdict.measured["conv_layers_at_n_max"] == 1
    assert not result.verdict.holds


def test_fc_counts_exact() -> None:
    result = run_simulation("fc-flat-sequence", {"d": 8, "n_min": 3, "n_max": 1000, "points": 5})
    m = result.verdict.measured
    assert m["fc_weights_at_n_max"] == (1000 * 8) ** 2
    assert m["attention_weights_at_n_max"] == 4 * 8**2
    assert m["allocation_mismatches"] == 0 and m["allocated_and_checked"] >= 3
    assert m["fc_rejects_other_length"] and m["attention_accepts_other_length"]
    assert result.verdict.holds


def test_fc_one_length_is_refused_as_unfittable() -> None:
    # One length cannot show growth with n: refused up front, not reported as the claim failing.
    with pytest.raises(pydantic.ValidationError, match="cannot fit a slope"):
        run_simulation("fc-flat-sequence", {"n_min": 64, "n_max": 64})
    with pytest.raises(pydantic.ValidationError):
        run_simulation("fc-flat-sequence", {"points": 1})


def test_fc_counter_is_one_position_where_the_flat_layer_is_smaller() -> None:
    result = run_simulation("fc-flat-sequence", counter=True)
    m = result.verdict.measured
    assert not result.verdict.holds and abs(m["fc_slope"] - 2) < 1e-9
    assert m["first_n_attention_not_fewer"] == 1 and m["fc_weights_there"] == 64**2
    assert "only from n = 3" in plain(result.verdict.summary)


def test_fc_two_positions_ties_attention() -> None:
    # n = 2: (2d)^2 = 4d^2, equal to attention's, so "fewer" fails although the slopes are right.
    result = run_simulation("fc-flat-sequence", {"n_min": 2, "n_max": 64})
    assert not result.verdict.holds
    assert abs(result.verdict.measured["fc_slope"] - 2) < 1e-9


def test_rnn_bound_and_decay() -> None:
    result = run_simulation("rnn-gradient-decay", {"sigma": 0.5, "steps": 30, "hidden": 16})
    m = result.verdict.measured
    assert result.verdict.holds
    assert m["norm_k1"] <= 0.5 * (1 + 1e-9)
    assert m["norm_kT"] <= 0.5**30 * (1 + 1e-9)
    assert m["fitted_rate_per_step"] <= 0.5 + 1e-9


def test_rnn_jacobians_match_finite_differences() -> None:
    # dh_T/dh_(T-k) column j by central differences: perturb h_(T-k) along e_j and run the same
    # inputs forward to T. Catches an off-by-one in the tanh' index or a wrong product order.
    rng = np.random.default_rng(5)
    n, t_max, eps = 5, 7, 1e-6
    w = rng.standard_normal((n, n)) * 0.6
    u = rng.standard_normal((n, n)) / np.sqrt(n)
    x = rng.standard_normal((t_max, n)) * 0.8
    states = rnn_states(w, u, x, np.zeros(n), np)  # (T, n), row t-1 = h_t

    def h_T_from(k: int, h: np.ndarray) -> np.ndarray:
        # h is h_(T-k); steps T-k+1..T read inputs x[T-k..T-1]
        return rnn_states(w, u, x[t_max - k :], h, np)[-1]

    for k, jac in enumerate(lag_jacobians(w, states, np), start=1):
        start = states[t_max - k - 1] if k < t_max else np.zeros(n)  # h_(T-k); h_0 = 0
        numeric = np.column_stack(
            [(h_T_from(k, start + eps * e) - h_T_from(k, start - eps * e)) / (2 * eps) for e in np.eye(n)]
        )
        np.testing.assert_allclose(jac, numeric, rtol=1e-6, atol=1e-9)


def test_rnn_counter_explodes_at_the_spectral_radius_not_sigma() -> None:
    # sigma = 3 with no input: the product is W^k, whose growth rate is W's spectral radius (~1.53 here).
    m = run_simulation("rnn-gradient-decay", counter=True).verdict.measured
    assert m["fitted_rate_per_step"] == pytest.approx(m["w_spectral_radius"], rel=0.02)
    assert 1.4 < m["fitted_rate_per_step"] < 1.7 and m["norm_kT"] > 1e8


def test_rnn_linear_regime_is_matrix_power() -> None:
    # With no input h stays 0, tanh' = 1, and dh_T/dh_(T-1) is W itself: its norm is exactly sigma.
    result = run_simulation("rnn-gradient-decay", {"input_scale": 0.0, "sigma": 2.0, "steps": 10})
    assert result.verdict.measured["norm_k1"] == pytest.approx(2.0)
    assert result.verdict.measured["max_norm_over_bound"] == pytest.approx(1.0)
