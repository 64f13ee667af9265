"""residual-gradient-flow: defaults hold, the counter does not, and the backward pass is exact."""

from __future__ import annotations

import math

import numpy as np
import pydantic
import pytest

from sims import run_simulation
from sims.depth import input_gradient_ratio

SIM = "residual-gradient-flow"


@pytest.mark.parametrize(
    "overrides", [{"depth": 0}, {"depth": 1000}, {"width": 2}, {"init_gain": 0.0}, {"batch": 0}, {"other": 1}]
)
def test_params_out_of_bounds_refused(overrides: dict) -> None:
    with pytest.raises(pydantic.ValidationError):
        run_simulation(SIM, overrides)


def test_depth_not_power_of_two_is_measured_last() -> None:
    result = run_simulation(SIM, {"depth": 48})
    assert result.last_frame.series[0].x[-1] == 48.0
    assert result.verdict.holds


def test_backward_pass_matches_finite_differences() -> None:
    # d/d eps of sum(g * x_L(x0 + eps v)) equals <dL/dx0, v>; check one direction, both stacks.
    rng = np.random.default_rng(3)
    n, depth = 6, 5
    weights = [rng.uniform(-1, 1, (n, n)) / math.sqrt(n) for _ in range(depth)]
    x0, g_out, v = rng.standard_normal((1, n)), rng.standard_normal((1, n)), rng.standard_normal((1, n))

    def loss(x, shortcut):
        for w in weights:
            y = np.tanh(x @ w.T)
            x = x + y / math.sqrt(depth) if shortcut else y
        return float(np.sum(g_out * x))

    for shortcut in (False, True):
        eps = 1e-6
        slope = (loss(x0 + eps * v, shortcut) - loss(x0 - eps * v, shortcut)) / (2 * eps)
        # Reconstruct dL/dx0 along v by probing with unit directions.
        grad = np.array([
            (loss(x0 + eps * e, shortcut) - loss(x0 - eps * e, shortcut)) / (2 * eps)
            for e in np.eye(n)[:, None, :]
        ])
        assert slope == pytest.approx(float(grad @ v.ravel()), rel=1e-6)
        ratio = input_gradient_ratio(weights, x0, g_out, shortcut, np)
        assert ratio == pytest.approx(np.linalg.norm(grad) / np.linalg.norm(g_out), rel=1e-6)


def test_tiny_weights_residual_passes_gradient_unchanged() -> None:
    # With W ~ 0 the branch contributes nothing: the shortcut stack's Jacobian is the identity.
    m = run_simulation(SIM, {"init_gain": 1e-9, "depth": 16}).verdict.measured
    assert m["residual_min"] == pytest.approx(1.0, abs=1e-6)
    assert m["residual_max"] == pytest.approx(1.0, abs=1e-6)
    assert m["plain_ratio_at_depth"] < 1e-100


def test_variance_preserving_init_decays_too_slowly() -> None:
    # LeCun-variance weights (gain sqrt 3) put tanh at the edge of chaos: the gradient decays only
    # polynomially, so 64 layers do not take it below 1%.
    result = run_simulation(SIM, {"init_gain": math.sqrt(3)})
    assert not result.verdict.measured["plain_vanished"]
    assert not result.verdict.holds
