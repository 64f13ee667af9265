"""prenorm-gradient-flow: defaults hold, the counter does not, and the backward pass is exact."""

from __future__ import annotations

import numpy as np
import pydantic
import pytest

import sims
from sims import Frame, run_simulation
from sims.normalization import last_block_gradient, normalise, xavier

SIM = "prenorm-gradient-flow"


@pytest.fixture(scope="module")
def default_run() -> tuple[sims.RunResult, list[Frame]]:
    frames: list[Frame] = []
    return run_simulation(SIM, on_frame=frames.append), frames


def test_rmsnorm_holds_too() -> None:
    result = run_simulation(SIM, {"norm": "rms"})
    assert result.verdict.holds, result.verdict.summary
    assert result.verdict.measured["norm"] == "rms"


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_holds_for_other_seeds(seed: int) -> None:
    assert run_simulation(SIM, {"seed": seed}).verdict.holds


@pytest.mark.parametrize(
    "overrides",
    [{"depth": 0}, {"depth": 1000}, {"width": 8}, {"tokens": 0}, {"norm": "batch"}, {"other": 1}],
)
def test_params_out_of_bounds_refused(overrides: dict) -> None:
    with pytest.raises(pydantic.ValidationError):
        run_simulation(SIM, overrides)


def test_depth_not_power_of_two_is_measured_last() -> None:
    result = run_simulation(SIM, {"depth": 48})
    assert result.last_frame.series[0].x[-1] == 48.0
    assert result.verdict.holds


def test_normalise_centres_only_for_layernorm() -> None:
    x = np.random.default_rng(0).standard_normal((4, 16)) + 3.0
    y_ln, _ = normalise(x, True, np)
    y_rms, _ = normalise(x, False, np)
    assert np.allclose(y_ln.mean(axis=1), 0.0) and np.allclose((y_ln**2).mean(axis=1), 1.0, atol=1e-4)
    assert not np.allclose(y_rms.mean(axis=1), 0.0) and np.allclose((y_rms**2).mean(axis=1), 1.0, atol=1e-4)


@pytest.mark.parametrize("pre_ln", [False, True], ids=["post-ln", "pre-ln"])
@pytest.mark.parametrize("centre", [True, False], ids=["layernorm", "rmsnorm"])
def test_backward_pass_matches_finite_differences(pre_ln: bool, centre: bool) -> None:
    # dL/dW2 of the last block, entry by entry, against central differences of the loss.
    rng = np.random.default_rng(5)
    d, depth, tokens = 4, 3, 3
    w1 = [xavier(rng, 4 * d, d) for _ in range(depth)]
    w2 = [xavier(rng, d, 4 * d) for _ in range(depth)]
    x0, g_out = rng.standard_normal((tokens, d)), rng.standard_normal((tokens, d))

    def loss(top: np.ndarray) -> float:
        x = x0
        for i, (a, b) in enumerate(zip(w1, w2, strict=True)):
            b = top if i == depth - 1 else b
            if pre_ln:
                x = x + np.maximum(normalise(x, centre, np)[0] @ a.T, 0.0) @ b.T
            else:
                x = normalise(x + np.maximum(x @ a.T, 0.0) @ b.T, centre, np)[0]
        out = normalise(x, centre, np)[0] if pre_ln else x
        return float(np.sum(g_out * out))

    eps = 1e-6
    grad = np.zeros_like(w2[-1])
    for idx in np.ndindex(*grad.shape):
        step = np.zeros_like(grad)
        step[idx] = eps
        grad[idx] = (loss(w2[-1] + step) - loss(w2[-1] - step)) / (2 * eps)
    got = last_block_gradient(w1, w2, x0, g_out, pre_ln, np, centre)
    assert got == pytest.approx(float(np.linalg.norm(grad)), rel=1e-6)


def test_post_ln_top_gradient_ignores_what_is_below_at_equal_input_scale() -> None:
    # Post-LN: the top block sees a normalised input, so scaling x0 changes nothing above block 1.
    rng = np.random.default_rng(2)
    d = 32
    w1 = [xavier(rng, 4 * d, d) for _ in range(4)]
    w2 = [xavier(rng, d, 4 * d) for _ in range(4)]
    x0, g_out = rng.standard_normal((8, d)), rng.standard_normal((8, d))
    a = last_block_gradient(w1, w2, x0, g_out, False, np)
    b = last_block_gradient(w1, w2, 100.0 * x0, g_out, False, np)
    assert a == pytest.approx(b, rel=1e-6)


def test_run_matches_the_stack_built_whole() -> None:
    # The run grows the lower stack incrementally; each depth must equal a stack built from scratch.
    depth, d, tokens = 8, 32, 8
    result = run_simulation(SIM, {"depth": depth, "width": d, "tokens": tokens, "seed": 4})
    rng = np.random.default_rng(4)
    w1 = [xavier(rng, 4 * d, d) for _ in range(depth)]
    w2 = [xavier(rng, d, 4 * d) for _ in range(depth)]
    x0, g_out = rng.standard_normal((tokens, d)), rng.standard_normal((tokens, d))
    post, pre = result.last_frame.series
    for i, layers in enumerate(post.x):
        n = int(layers)
        a, b = w1[: n - 1] + w1[-1:], w2[: n - 1] + w2[-1:]
        assert post.y[i] == pytest.approx(last_block_gradient(a, b, x0, g_out, False, np), rel=1e-12)
        assert pre.y[i] == pytest.approx(last_block_gradient(a, b, x0, g_out, True, np), rel=1e-12)


def test_statistics_checks_per_token_vs_batch_and_layer_vs_rms() -> None:
    from sims.normalization import statistics_checks

    rng = np.random.default_rng(7)
    x, other = rng.standard_normal((8, 16)) + 0.5, rng.standard_normal((7, 16))
    for centre in (True, False):
        m = statistics_checks(x, other, centre, np)
        assert m["token0_change_per_token_stats"] == 0.0  # a token's own statistics only
        assert m["token0_change_batch_stats"] > 0.1  # batch statistics see the other tokens
    assert m["layer_vs_rms_max_diff"] > 0.1  # mean 0.5 per token: centring matters
    assert m["layer_vs_rms_max_diff_zero_mean"] < 1e-12  # no mean, no difference


def test_pre_ln_shrinks_with_depth_and_the_counter_says_why() -> None:
    held = run_simulation("prenorm-gradient-flow").verdict
    assert held.measured["pre_ln_rises"] == 0 and held.measured["pre_ln_loglog_slope"] < -0.3
    assert "shrinking with depth" in held.summary
    countered = run_simulation("prenorm-gradient-flow", counter=True).verdict
    assert not countered.holds and "no depth to shrink over" in countered.summary
