"""Why several heads: one softmax head cannot fetch two tokens at once; two positional heads can.

``multihead-vs-single`` fits the best single softmax head it can find to the target "previous token in
one channel block, next token in the other", bounds every single head's error from below (its output
rows span at most d dimensions: Eckart-Young), and builds two positional heads that reach the target
exactly (Vaswani et al. 2017, "Attention Is All You Need", sec. 3.2.2, "Multi-Head Attention").
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any, Literal

import numpy as np
from pydantic import Field

from ._words import plural, sci
from .backend import to_host
from .core import Frame, PlotSpec, Probe, Series, SimParams, Simulation, Verdict
from .kernels import attention
from .registry import register

TINY = 1e-18
"""Height at which an exact 0 is drawn on a log scale."""

FLOOR_MIN = 0.05
"""A single head's error floor (fraction of the target's energy) is 'bounded away from 0' above this."""
EXACT = 1e-9
"""Two heads 'reach the target' when their relative error is below this."""
SHARP = 40.0
"""Logit of the attended position in the positional heads: other weights are e^-40 or less."""


class MultiheadParams(SimParams):
    """Sequence, token width, the target, and how hard the single head is fitted."""

    n: int = Field(64, ge=4, le=128, description="Sequence length $n$ (neighbours wrap around).")
    d: int = Field(4, ge=1, le=16, description="Token width $d$ (each target block is $d$ wide).")
    target: Literal["prev_and_next", "prev"] = Field(
        "prev_and_next", description="'prev_and_next': $[x_{i-1}; x_{i+1}]$; 'prev': $x_{i-1}$ alone."
    )
    rounds: int = Field(20, ge=1, le=40, description="Rounds of the single-head fit (weights, then $W$).")
    steps: int = Field(60, ge=10, le=100, description="Projected-gradient steps on the weights per round.")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="Seed for the tokens and the fit's start.")


def fit_gradient(a: Any, z: Any, y: Any) -> Any:
    """Gradient of 0.5 ||A z - y||_F^2 with respect to A: (A z - y) z^T. (n, n), (n, m), (n, m) -> (n, n)"""
    return (a @ z - y) @ z.T


def project_rows_to_simplex(v: Any, xp: Any) -> Any:
    """Euclidean projection of each row of ``v`` onto the probability simplex. (r, n) -> (r, n)"""
    n = v.shape[1]
    u = -xp.sort(-v, axis=1)  # (r, n) descending
    css = xp.cumsum(u, axis=1) - 1.0  # (r, n)
    ks = xp.arange(1, n + 1)  # (n,)
    count = xp.sum(u - css / ks > 0, axis=1)  # (r,) entries kept positive
    theta = xp.take_along_axis(css, (count - 1)[:, None], axis=1) / count[:, None]  # (r, 1)
    return xp.maximum(v - theta, 0.0)


@register
class MultiheadVsSingle(Simulation):
    """Best single softmax head vs two positional heads on 'previous and next token, side by side'."""

    id = "multihead-vs-single"
    title = "One head cannot fetch two tokens at once; two heads can"
    claim = (
        "For $n > d$ generic (random) tokens of width $d$, a single softmax attention head cannot output "
        "$[x_{i-1}; x_{i+1}]$ (previous and next token in separate channel blocks): its best error stays "
        "bounded away from 0, while two heads, one attending to $i - 1$ and one to $i + 1$, reach it exactly."
    )
    Params = MultiheadParams
    counter = {"target": "prev"}
    quantities = {
        "target": "target",
        "tokens": "tokens $n$",
        "width": "token width $d$",
        "single_head_floor": "least error any single head can reach (share of the target's energy)",
        "single_head_best_fit": "best single head found (share of the energy)",
        "positional_heads": "positional heads used",
        "positional_heads_error": "their error (share of the energy)",
        "single_head_mean_max_weight": "single head: mean largest attention weight per row",
    }
    probes = (
        Probe(
            {"n": 16, "d": 16, "rounds": 2},
            False,
            "n <= d: the n x 2d target has rank <= n <= d, so one head's rank-d output can match it",
        ),
        Probe(
            {"n": 32, "d": 16, "rounds": 2}, True, "d < n < 2d: the target's rank exceeds d, the floor is > 0"
        ),
        Probe({"n": 128, "d": 1, "rounds": 2}, True, "d = 1: a rank-1 output against a rank-2 target"),
        Probe(
            {"target": "prev", "n": 4, "rounds": 2}, False, "one token to fetch: one positional head is exact"
        ),
    )
    plot = PlotSpec(x_label="fit round", y_label="relative squared error", log_y=True, x_integer=True)
    explains = (
        r"A head's output at $i$ is $W \left(\sum_j a_{ij} x_j\right)$: one convex mix of tokens through one "
        "linear map, so its rows span at most $d$ dimensions, while two independent tokens side by side need "
        "$2d$. The run bounds every single head from below by the target's tail singular energy, fits one "
        "(projected gradient on the simplex, least squares on $W$) that lands on that floor, and builds two "
        "positional heads that are exact. When the target is only the previous token, one head attending "
        "to $i - 1$ already does it."
    )

    def measure(self, params: MultiheadParams, xp: Any) -> Iterator[Frame]:
        n, d = params.n, params.d
        yield Frame(0.0, f"target {params.target} over $n = {n}$ tokens of width {d}")

        rng = np.random.default_rng(params.seed)
        x = xp.asarray(rng.standard_normal((n, d)))  # (n, d) tokens, no structure between neighbours
        offsets = (1, -1) if params.target == "prev_and_next" else (1,)  # x_(i-1) = roll by +1
        y = xp.concatenate([xp.roll(x, s, axis=0) for s in offsets], axis=1)  # (n, b*d) target
        energy = float(xp.sum(y * y))

        sv = to_host(xp.linalg.svd(y, compute_uv=False))  # (min(n, b*d),)
        floor = float(np.sum(sv[d:] ** 2) / energy)  # every rank-<=d output misses at least this

        positions = xp.eye(n)  # (n, n) one-hot positions: the heads' queries and keys
        heads = [  # head h: query i matches key i - offset only, with logit SHARP
            attention(SHARP * xp.roll(positions, -s, axis=1), positions, x, xp, scale=1.0) for s in offsets
        ]
        multi = xp.concatenate(heads, axis=1)  # (n, b*d): head h writes block h
        multi_err = float(xp.sum((multi - y) ** 2) / energy)

        a = xp.asarray(rng.dirichlet(np.ones(n), size=n))  # (n, n) a random row-stochastic start
        w = xp.asarray(rng.standard_normal((y.shape[1], d)))  # (b*d, d) output map W
        errors: list[float] = []
        for r in range(params.rounds):
            a = self._fit_weights(a, x @ w.T, y, params.steps, xp)
            mix = a @ x  # (n, d) each row a convex mix of tokens
            w = xp.linalg.lstsq(mix, y, rcond=None)[0].T  # (b*d, d) best output map for these weights
            errors.append(float(xp.sum((mix @ w.T - y) ** 2) / energy))
            yield Frame(
                0.95 * (r + 1) / params.rounds,
                f"round {r + 1}: single head {sci(errors[-1], 3)} (floor {sci(floor, 3)})",
                self._series(errors, floor, multi_err),
            )

        peak = float(xp.mean(xp.max(a, axis=1)))  # mean largest weight per row: 1 if all rows are one-hot
        measured = {
            "target": params.target,
            "tokens": n,
            "width": d,
            "single_head_floor": floor,
            "single_head_best_fit": min(errors),
            "positional_heads": len(offsets),
            "positional_heads_error": multi_err,
            "single_head_mean_max_weight": peak,
        }
        yield Frame(1.0, "measured", self._series(errors, floor, multi_err), measured=measured)

    @staticmethod
    def _fit_weights(a: Any, z: Any, y: Any, steps: int, xp: Any) -> Any:
        """Accelerated projected gradient on min ||A z - y||^2 over row-stochastic A (convex, per row)."""
        lipschitz = float(xp.linalg.svd(z, compute_uv=False)[0]) ** 2 + 1e-300  # ‖z‖₂²: safe step 1/L
        b, prev, t = a, a, 1.0
        for _ in range(steps):
            new = project_rows_to_simplex(b - fit_gradient(b, z, y) / lipschitz, xp)  # (n, n)
            t_next = (1.0 + math.sqrt(1.0 + 4.0 * t * t)) / 2.0
            b = new + ((t - 1.0) / t_next) * (new - prev)
            prev, t = new, t_next
        return prev

    @staticmethod
    def _series(errors: list[float], floor: float, multi: float) -> tuple[Series, ...]:
        rounds = np.arange(1, len(errors) + 1)
        return (
            Series.of("best single head found", rounds, np.maximum(errors, TINY)),
            Series.of("floor for any single head", rounds, np.full(rounds.size, max(floor, TINY))),
            Series.of("positional heads, one per token", rounds, np.full(rounds.size, max(multi, TINY))),
        )

    def decide(self, measured: Mapping[str, Any], params: MultiheadParams) -> Verdict:
        """Holds when no single head can get below a floor bounded away from 0 and two heads are exact."""
        floor, single = float(measured["single_head_floor"]), float(measured["single_head_best_fit"])
        multi, heads = float(measured["positional_heads_error"]), int(measured["positional_heads"])
        holds = bool(floor >= FLOOR_MIN and single >= floor - 1e-9 and multi <= EXACT)
        reach = f"{plural(heads, 'positional head')} {'reach' if heads > 1 else 'reaches'} {sci(multi)}"
        if floor >= FLOOR_MIN:
            single_text = (
                f"no single head goes below {sci(floor, 3)} of the target's energy (best {sci(single, 3)})"
            )
        else:
            single_text = (
                f"one head is not bounded away from 0 (floor {sci(floor)}, best fit {sci(single)}): "
                "the target's rank does not exceed the width $d$ one head can output"
            )
        summary = (
            f"target {measured['target']}, $n = {measured['tokens']}$, $d = {measured['width']}$: "
            f"{single_text}; {reach}"
        )
        return Verdict(holds, summary, dict(measured))
