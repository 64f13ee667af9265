"""Recurrence: how a gradient fares on its way back through time in a tanh RNN.

``rnn-gradient-decay`` backpropagates through an actual tanh RNN, one Jacobian at a time, and
measures the norm of d h_T / d h_{T-k} for every k. When the recurrent matrix's largest singular
value ``sigma`` times the bound ``gamma = 1`` on tanh' is below one, each factor shrinks the
gradient, so it vanishes exponentially (Pascanu, Mikolov & Bengio 2013, "On the difficulty of
training recurrent neural networks", sec. 2.1).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np
from pydantic import Field

from .backend import to_host
from .core import Frame, PlotSpec, Series, SimParams, Simulation, Verdict
from .registry import register

GAMMA = 1.0
"""The bound on |tanh'|: the factor diag(1 - h^2) never stretches a vector by more than this."""
VANISHED = 1e-3
"""The gradient has vanished when |dh_T/dh_0| is below this fraction of |dh_T/dh_{T-1}|."""
BOUND_SLACK = 1e-9
"""Relative round-off allowed when checking a measured norm against (gamma*sigma)^k."""


class RecurrenceParams(SimParams):
    """Size of the RNN, how far back the gradient goes, and the recurrent matrix's scale."""

    hidden: int = Field(64, ge=2, le=128, description="Hidden state size (W is hidden x hidden).")
    steps: int = Field(50, ge=2, le=400, description="T: time steps the gradient is carried back.")
    sigma: float = Field(
        0.9, gt=0.0, le=5.0, description="Largest singular value W is scaled to (sigma*gamma < 1 vanishes)."
    )
    input_scale: float = Field(
        0.5, ge=0.0, le=5.0, description="Scale of the random inputs; 0 keeps tanh in its linear regime."
    )
    seed: int = Field(0, ge=0, le=2**31 - 1, description="Seed for W, U and the inputs.")


def spectral_norms(jacobians: Any, xp: Any) -> np.ndarray:
    """Largest singular value of each matrix in a stack ``(m, n, n)``, as host floats ``(m,)``."""
    return to_host(xp.linalg.svd(jacobians, compute_uv=False)[:, 0]).astype(float)


@register
class RnnGradientDecay(Simulation):
    """Backpropagation through time in a tanh RNN, with the Jacobian norm measured at every lag."""

    id = "rnn-gradient-decay"
    title = "Vanishing gradients in a tanh RNN"
    claim = (
        "In a tanh RNN, the norm of dh_T/dh_(T-k) stays within (gamma*sigma)^k and decays exponentially "
        "in k, where sigma is the recurrent matrix's largest singular value and gamma = 1 bounds tanh' "
        "(sigma*gamma < 1 guarantees the decay)."
    )
    Params = RecurrenceParams
    counter = {"sigma": 3.0, "input_scale": 0.0}
    plot = PlotSpec(x_label="k (steps back from T)", y_label="‖dh_T / dh_(T-k)‖₂", log_y=True)
    explains = (
        "Each step back through time multiplies the gradient by diag(1 - h_t²) W, whose norm is at most "
        "gamma*sigma; below one, the product shrinks geometrically and early inputs stop receiving any "
        "signal. The run multiplies the real Jacobians of a real forward pass, so saturation of tanh "
        "only helps the decay. With sigma = 3 and no input, tanh stays linear, the product is W^k, and "
        "the gradient explodes instead: the bound is a sufficient condition, not a law of RNNs."
    )

    def run(self, params: RecurrenceParams, xp: Any) -> Iterator[Frame]:
        n, t_max, sigma = params.hidden, params.steps, params.sigma
        yield Frame(0.0, f"forward pass: {t_max} steps of a {n}-unit tanh RNN")

        rng = np.random.default_rng(params.seed)
        w = xp.asarray(rng.standard_normal((n, n)))  # (n, n)
        w = w * (sigma / float(xp.linalg.svd(w, compute_uv=False)[0]))  # (n, n), ‖W‖₂ = sigma
        u = xp.asarray(rng.standard_normal((n, n)) / math.sqrt(n))  # (n, n) input projection
        x = xp.asarray(rng.standard_normal((t_max, n)) * params.input_scale)  # (T, n)

        h = xp.zeros(n)  # (n,) h_0
        states = xp.empty((t_max, n))  # (T, n): row t-1 holds h_t
        for t in range(t_max):
            h = xp.tanh(w @ h + u @ x[t])
            states[t] = h
        slope = 1.0 - states**2  # (T, n): tanh'(pre-activation) = 1 - h_t^2, the diagonal of D_t

        bound = (GAMMA * sigma) ** np.arange(1, t_max + 1)  # (T,) (γσ)^k
        lags = np.arange(1, t_max + 1)  # (T,) k
        norms = np.empty(t_max)  # (T,) ‖dh_T/dh_(T-k)‖₂, filled as the backward pass goes
        chunk = max(1, t_max // 10)
        jac = xp.eye(n)  # (n, n) dh_T/dh_T
        block = xp.empty((chunk, n, n))  # (chunk, n, n) Jacobians waiting for their norms
        done = 0
        for k in range(1, t_max + 1):
            # dh_T/dh_(T-k) = dh_T/dh_(T-k+1) · diag(1 - h_(T-k+1)^2) W
            jac = (jac * slope[t_max - k][None, :]) @ w
            block[(k - 1) - done] = jac
            if k - done == chunk or k == t_max:
                norms[done:k] = spectral_norms(block[: k - done], xp)
                done = k
                yield Frame(
                    0.05 + 0.9 * k / t_max,
                    f"backprop through time: {k}/{t_max} steps",
                    self._series(lags[:k], norms[:k], bound[:k]),
                )

        yield Frame(1.0, "done", self._series(lags, norms, bound), self._verdict(params, norms, bound))

    @staticmethod
    def _series(lags: np.ndarray, norms: np.ndarray, bound: np.ndarray) -> tuple[Series, ...]:
        """The measured norms and the (γσ)^k bound over the lags computed so far."""
        return (
            Series.of("measured ‖dh_T/dh_(T-k)‖", lags, norms),
            Series.of("bound (γσ)^k", lags, bound),
        )

    @staticmethod
    def _verdict(params: RecurrenceParams, norms: np.ndarray, bound: np.ndarray) -> Verdict:
        """Holds when every norm respects the bound and the gradient really vanished, exponentially.

        Decided from the measured norms alone; whether gamma*sigma < 1 is reported, not required.
        """
        contracting = GAMMA * params.sigma < 1.0
        within = bool(np.all(norms <= bound * (1.0 + BOUND_SLACK)))
        worst = float(np.max(norms / bound))  # ≤ 1 when within the bound
        ratio = float(norms[-1] / norms[0]) if norms[0] > 0 else 0.0
        positive = norms > 0
        lags = np.arange(1, norms.size + 1)[positive]
        rate = float(np.exp(np.polyfit(lags, np.log(norms[positive]), 1)[0])) if lags.size >= 2 else 0.0
        vanished = ratio < VANISHED
        holds = within and vanished and rate < 1.0
        t = params.steps
        summary = (
            f"|dh_T/dh_T-{t}| = {ratio:.2g} × |dh_T/dh_T-1|, fitted rate {rate:.3f}/step; "
            + ("every step within (γσ)^k" if within else f"bound broken (max norm/bound {worst:.3g})")
            + ("" if contracting else f" (γσ = {GAMMA * params.sigma:g} ≥ 1)")
        )
        return Verdict(
            holds,
            summary,
            {
                "gamma_sigma": float(GAMMA * params.sigma),
                "gamma_sigma_below_1": contracting,
                "norm_k1": float(norms[0]),
                "norm_kT": float(norms[-1]),
                "ratio_kT_over_k1": ratio,
                "fitted_rate_per_step": rate,
                "max_norm_over_bound": worst,
                "within_bound": within,
                "vanished": bool(vanished),
            },
        )
