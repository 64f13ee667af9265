"""Recurrence: how a gradient fares on its way back through time in a tanh RNN.

``rnn-gradient-decay`` backpropagates through an actual tanh RNN, one Jacobian at a time, and
measures the norm of d h_T / d h_{T-k} for every k. When the recurrent matrix's largest singular
value ``sigma`` times the bound ``gamma = 1`` on tanh' is below one, each factor shrinks the
gradient, so it vanishes exponentially; above one nothing stops it growing, and in tanh's linear
regime it grows at W's spectral radius per step (Pascanu, Mikolov & Bengio 2013, "On the difficulty of
training recurrent neural networks", sec. 2.1).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np
from pydantic import Field

from ._words import sci
from .backend import to_host
from .core import Frame, PlotSpec, Probe, Series, SimParams, Simulation, Verdict
from .registry import register

GAMMA = 1.0
"""The bound on |tanh'|: the factor diag(1 - h^2) never stretches a vector by more than this."""
BOUND_SLACK = 1e-9
"""Relative round-off allowed when checking a measured norm against (gamma*sigma)^k."""


class RecurrenceParams(SimParams):
    """Size of the RNN, how far back the gradient goes, and the recurrent matrix's scale."""

    hidden: int = Field(
        64, ge=2, le=128, description=r"Hidden state size ($W$ is $\text{hidden} \times \text{hidden}$)."
    )
    steps: int = Field(50, ge=2, le=400, description="$T$: time steps the gradient is carried back.")
    sigma: float = Field(
        0.9,
        gt=0.0,
        le=5.0,
        description=r"Largest singular value $\sigma$ that $W$ is scaled to ($\gamma\sigma < 1$ vanishes).",
    )
    input_scale: float = Field(
        0.5, ge=0.0, le=5.0, description="Scale of the random inputs; 0 keeps tanh in its linear regime."
    )
    seed: int = Field(0, ge=0, le=2**31 - 1, description="Seed for $W$, $U$ and the inputs.")


def spectral_norms(jacobians: Any, xp: Any) -> np.ndarray:
    """Largest singular value of each matrix in a stack ``(m, n, n)``, as host floats ``(m,)``."""
    return to_host(xp.linalg.svd(jacobians, compute_uv=False)[:, 0]).astype(float)


def rnn_states(w: Any, u: Any, x: Any, h0: Any, xp: Any) -> Any:
    """The hidden states h_1..h_T of h_t = tanh(W h_(t-1) + U x_t) from h_0. (T, n)"""
    h = h0  # (n,)
    states = xp.empty((x.shape[0], h0.shape[0]))  # (T, n): row t-1 holds h_t
    for t in range(x.shape[0]):
        h = xp.tanh(w @ h + u @ x[t])
        states[t] = h
    return states


def lag_jacobians(w: Any, states: Any, xp: Any) -> Iterator[Any]:
    """dh_T/dh_(T-k) for k = 1..T, in order, from the states h_1..h_T of :func:`rnn_states`.

    dh_t/dh_(t-1) = diag(1 - h_t^2) W, so going one step further back multiplies on the right:
    dh_T/dh_(T-k) = dh_T/dh_(T-k+1) · diag(1 - h_(T-k+1)^2) W. Each yielded array is (n, n).
    """
    t_max, n = states.shape
    slope = 1.0 - states**2  # (T, n): tanh' at each step, the diagonal of D_t
    jac = xp.eye(n)  # (n, n) dh_T/dh_T
    for k in range(1, t_max + 1):
        jac = (jac * slope[t_max - k][None, :]) @ w  # J · diag(s) scales the columns of J
        yield jac


@register
class RnnGradientDecay(Simulation):
    """Backpropagation through time in a tanh RNN, with the Jacobian norm measured at every lag."""

    id = "rnn-gradient-decay"
    title = "Vanishing gradients in a tanh RNN"
    claim = (
        r"If the recurrent matrix's largest singular value $\sigma$ satisfies $\gamma\sigma < 1$ ($\gamma = 1$ "
        r"bounds $\tanh'$), then in a tanh RNN the norm of $\partial h_T/\partial h_{T-k}$ stays within "
        r"$(\gamma\sigma)^k$ and the measured norm decays exponentially in $k$; with $\gamma\sigma \ge 1$ "
        "nothing guarantees the decay."
    )
    Params = RecurrenceParams
    counter = {"sigma": 3.0, "input_scale": 0.0}
    headline = "fitted_rate_per_step"
    quantities = {
        "steps": "time steps $T$",
        "w_largest_singular_value": r"measured largest singular value $\sigma$ of $W$",
        "w_spectral_radius": r"spectral radius $\rho(W)$",
        "gamma_sigma": r"$\gamma\sigma$",
        "norm_k1": r"$\|\partial h_T/\partial h_{T-1}\|_2$",
        "norm_kT": r"$\|\partial h_T/\partial h_0\|_2$",
        "ratio_kT_over_k1": r"$\|\partial h_T/\partial h_0\|_2 \,/\, \|\partial h_T/\partial h_{T-1}\|_2$",
        "fitted_rate_per_step": "fitted decay rate per step back",
        "max_norm_over_bound": r"largest norm ÷ bound $(\gamma\sigma)^k$",
        "gamma_sigma_below_1": r"$\gamma\sigma < 1$",
        "within_bound": r"every norm within $(\gamma\sigma)^k$",
        "decays": "the measured norm decays",
    }
    plot = PlotSpec(
        x_label="$k$ (steps back from $T$)",
        y_label=r"$\|\partial h_T / \partial h_{T-k}\|_2$",
        log_y=True,
        x_integer=True,
    )
    explains = (
        r"Each step back through time multiplies the gradient by $\operatorname{diag}(1 - h_t^2)\,W$, whose "
        r"norm is at most $\gamma\sigma$; below one, the product shrinks geometrically and early inputs stop "
        "receiving any signal. The run multiplies the real Jacobians of a real forward pass, checks every "
        "norm against the bound, and fits the decay rate per step from the measured norms. The bound is "
        "sufficient, not necessary: saturation of tanh makes the decay faster, and $W^k$ decays whenever "
        r"$W$'s spectral radius is below one even if $\sigma$ is not. Press c: with $\sigma = 3$ and no input, "
        "tanh stays linear, the product is $W^k$, and the gradient explodes at about $W$'s spectral radius "
        r"per step (about 1.5 for a random matrix scaled to $\sigma = 3$), not at $\sigma = 3$ per step."
    )
    probes = (
        Probe(
            {"hidden": 2, "steps": 2},
            True,
            "tiny RNN, two steps: each factor has norm <= 0.9, so two steps shrink",
        ),
        Probe(
            {"sigma": 0.99, "steps": 400, "hidden": 16},
            True,
            "gamma*sigma = 0.99 < 1: the bound 0.99^k still forces decay over 400 steps",
        ),
        Probe(
            {"sigma": 1.0, "input_scale": 0.0},
            True,
            "sigma = 1 but W^k -> 0 since W's spectral radius (~0.5 for a random matrix) is below 1 (Gelfand)",
        ),
        Probe(
            {"sigma": 3.0, "input_scale": 5.0},
            True,
            "large inputs saturate tanh, tanh' ~ 0 shrinks every factor: the condition is sufficient, not necessary",
        ),
        Probe(
            {"sigma": 5.0, "input_scale": 0.0, "steps": 100},
            False,
            "linear regime: W^k grows as spectral radius (~2.5)^k, the gradient explodes",
        ),
    )

    def measure(self, params: RecurrenceParams, xp: Any) -> Iterator[Frame]:
        n, t_max, sigma = params.hidden, params.steps, params.sigma
        yield Frame(0.0, f"forward pass: {t_max} steps of a {n}-unit tanh RNN")

        rng = np.random.default_rng(params.seed)
        w = xp.asarray(rng.standard_normal((n, n)))  # (n, n)
        w = w * (sigma / float(xp.linalg.svd(w, compute_uv=False)[0]))  # (n, n), ‖W‖₂ = sigma
        u = xp.asarray(rng.standard_normal((n, n)) / math.sqrt(n))  # (n, n) input projection
        x = xp.asarray(rng.standard_normal((t_max, n)) * params.input_scale)  # (T, n)
        states = rnn_states(w, u, x, xp.zeros(n), xp)  # (T, n)
        w_norm = float(xp.linalg.svd(w, compute_uv=False)[0])  # measured ‖W‖₂
        radius = float(np.max(np.abs(np.linalg.eigvals(to_host(w)))))  # spectral radius ρ(W)

        bound = (GAMMA * w_norm) ** np.arange(1, t_max + 1)  # (T,) (γσ)^k
        lags = np.arange(1, t_max + 1)  # (T,) k
        norms = np.empty(t_max)  # (T,) ‖dh_T/dh_(T-k)‖₂, filled as the backward pass goes
        chunk = max(1, t_max // 10)
        block = xp.empty((chunk, n, n))  # (chunk, n, n) Jacobians waiting for their norms
        done = 0
        for k, jac in enumerate(lag_jacobians(w, states, xp), start=1):
            block[(k - 1) - done] = jac
            if k - done == chunk or k == t_max:
                norms[done:k] = spectral_norms(block[: k - done], xp)
                done = k
                if k < t_max:
                    yield Frame(
                        0.05 + 0.9 * k / t_max,
                        f"backprop through time: {k}/{t_max} steps",
                        self._series(lags[:k], norms[:k], bound[:k]),
                    )

        positive = norms > 0
        rate = (
            float(np.exp(np.polyfit(lags[positive], np.log(norms[positive]), 1)[0]))
            if positive.sum() >= 2
            else 0.0
        )
        yield Frame(
            1.0,
            "done",
            self._series(lags, norms, bound),
            measured={
                "steps": t_max,
                "w_largest_singular_value": w_norm,
                "w_spectral_radius": radius,
                "gamma_sigma": GAMMA * w_norm,
                "norm_k1": float(norms[0]),
                "norm_kT": float(norms[-1]),
                "ratio_kT_over_k1": float(norms[-1] / norms[0]) if norms[0] > 0 else 0.0,
                "fitted_rate_per_step": rate,
                "max_norm_over_bound": float(np.max(norms / bound)),
            },
        )

    def decide(self, measured: Any, params: RecurrenceParams) -> Verdict:
        """Holds when every norm respects (γσ)^k and the measured norms decay: fitted rate < 1 per step
        and the norm at k = T below the norm at k = 1. Whether γσ < 1 is reported, not required: the
        claim says what the condition guarantees, and the counter shows the decay failing without it."""
        within = measured["max_norm_over_bound"] <= 1.0 + BOUND_SLACK
        rate, ratio = measured["fitted_rate_per_step"], measured["ratio_kT_over_k1"]
        decays = rate < 1.0 and ratio < 1.0
        gs = measured["gamma_sigma"]
        summary = (
            rf"$\|\partial h_T/\partial h_{{T-{measured['steps']}}}\|$ = {sci(ratio)} × "
            r"$\|\partial h_T/\partial h_{T-1}\|$, "
            f"fitted rate {rate:.3f}/step ({'decays' if decays else 'does not decay'}); "
            + (
                r"every step within $(\gamma\sigma)^k$"
                if within
                else f"bound broken (max norm/bound {sci(measured['max_norm_over_bound'], 3)})"
            )
            + rf"; $\gamma\sigma$ = {gs:.3g}, spectral radius $\rho(W)$ = {measured['w_spectral_radius']:.3g}"
        )
        if not decays and gs >= 1.0:
            summary += (
                r"; $\gamma\sigma \ge 1$, so the bound allows growth, and with tanh unsaturated the product "
                r"behaves like $W^k$, growing at about $\rho(W)$ per step"
            )
        return Verdict(
            bool(within and decays),
            summary,
            dict(measured)
            | {"gamma_sigma_below_1": bool(gs < 1.0), "within_bound": bool(within), "decays": bool(decays)},
        )

    @staticmethod
    def _series(lags: np.ndarray, norms: np.ndarray, bound: np.ndarray) -> tuple[Series, ...]:
        """The measured norms and the (γσ)^k bound over the lags computed so far."""
        return (
            Series.of(r"measured $\|\partial h_T/\partial h_{T-k}\|$", lags, norms),
            Series.of(r"bound $(\gamma\sigma)^k$", lags, bound),
        )
