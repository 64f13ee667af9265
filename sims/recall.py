"""How many key-value pairs a fixed d x d_v state can recall exactly, against a KV cache.

``state-recall-capacity`` stores N pairs (k_i, v_i), keys of width d, and reads each back with its own key.
A fixed state read linearly returns q^T S; the best such state for the stored keys is S = K^+ V (least
squares: the fit that delta-rule updates approach when the pairs are presented repeatedly, while one pass,
as in DeltaNet, only moves towards it; Schlag, Irie & Schmidhuber 2021, "Linear Transformers are secretly fast
weight programmers"), and K K^+ is a projection of rank at most d, so every value comes back exactly only
while N <= d. For N > d the error any such state leaves on random values is measured, with its expectation
sqrt((N - d) / N). The same pairs are also read by plain linear attention's summed state sum_i k_i v_i^T and by
softmax attention over a cache of all N pairs (Arora et al. 2023, "Zoology": associative recall).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
from pydantic import Field

from ._words import plural, sci
from .backend import to_host
from .core import Frame, PlotSpec, Probe, Series, SimParams, Simulation, Verdict
from .kernels import softmax
from .registry import register

EXACT = 1e-10
"""Recall is exact when the largest relative error over the stored values is below this."""


class RecallParams(SimParams):
    """How many pairs are stored, their widths, and how sharp the softmax reader is."""

    pairs: int = Field(32, ge=1, le=1024, description="$N$: key-value pairs stored.")
    d: int = Field(64, ge=1, le=256, description="$d$: key width (the state has $d$ rows).")
    d_v: int = Field(64, ge=1, le=256, description="$d_v$: value width (the state has $d_v$ columns).")
    beta: float = Field(
        16.0, gt=0.0, le=64.0, description=r"Softmax reader's logit scale $\beta$ on unit keys."
    )
    seed: int = Field(0, ge=0, le=2**31 - 1, description="Seed for the keys and values.")


def nearest_is_own(out: Any, v: Any, xp: Any) -> float:
    """Fraction of rows of ``out`` whose nearest stored value (Euclidean) is their own. (N, d_v) x2"""
    d2 = xp.sum(out * out, axis=1)[:, None] - 2 * out @ v.T + xp.sum(v * v, axis=1)[None, :]  # (N, N)
    return float(to_host(xp.mean(xp.argmin(d2, axis=1) == xp.arange(v.shape[0]))))


def rel_error(out: Any, v: Any, xp: Any) -> float:
    """Relative Frobenius error |out - v| / |v|."""
    return float(to_host(xp.linalg.norm(out - v) / xp.linalg.norm(v)))


@register
class StateRecallCapacity(Simulation):
    """N pairs read back through a fixed d x d_v state and through softmax over a cache."""

    id = "state-recall-capacity"
    title = "How many pairs a fixed state can recall"
    claim = (
        r"Reading each of $N$ stored pairs back with its own key, the best fixed $d \times d_v$ state read as "
        r"$q^\top S$ ($S = K^{+}V$, least squares) returns every stored value exactly (relative error below "
        "$10^{-10}$), which is possible only because $N \\le d$: $KK^{+}$ is a projection of rank at most $d$."
    )
    Params = RecallParams
    counter = {"pairs": 256}
    headline = "best_state_error"
    quantities = {
        "pairs": "pairs stored $N$",
        "d": "key width $d$",
        "best_state_error": r"least-squares $d \times d_v$ state ($S = K^{+}V$): relative error",
        "best_state_error_expected": r"expected floor $\sqrt{\max(0, N - d)/N}$",
        "best_state_recall": "least-squares state: share read back nearest to their own value",
        "sum_state_error": r"summed state $\sum k v^\top$: relative error",
        "sum_state_recall": "summed state: share read back nearest to their own value",
        "softmax_cache_error": "softmax over the cache: relative error",
        "softmax_cache_recall": "softmax over the cache: share read back nearest to their own value",
        "state_numbers": "numbers in the state ($d d_v$)",
        "cache_numbers": "numbers in the cache ($N(d + d_v)$)",
    }
    probes = (
        Probe({"pairs": 64}, True, "N = d: the key matrix is square and invertible, so K K^+ = I"),
        Probe(
            {"pairs": 65}, False, "one pair more than the key width: a rank-64 projection cannot be I on 65"
        ),
        Probe({"pairs": 1, "d": 1, "d_v": 1}, True, "one pair in a 1 x 1 state"),
        Probe({"pairs": 200, "d": 256, "d_v": 16}, True, "wider keys: 200 pairs fit in 256 dimensions"),
        Probe({"pairs": 128, "d_v": 1}, False, "one-number values: still 128 pairs through rank 64"),
    )
    plot = PlotSpec(x_label="stored pair $i$", y_label="relative error of the value read back", log_y=True)
    explains = (
        "A fixed state read linearly returns $KS$ for the stored keys $K$ ($N \\times d$); whatever $S$ is, "
        "$KS$ has rank at most $d$, so it can equal $N$ arbitrary values only when $N \\le d$. The best "
        "state, $S = K^{+}V$ (the fit repeated delta-rule updates approach), then recalls every pair exactly; past "
        "$d$ pairs the least error any state leaves is the part of $V$ outside the column space of $K$, "
        r"about $\sqrt{(N - d)/N}$ of it. Plain linear attention's state $\sum k_i v_i^\top$ does worse, "
        "since it adds every pair with no correction (though past $d$ pairs it can pick the nearest value more "
        "often than the least-squares state, which minimises total error, not mistakes). Softmax over a cache of all $N$ pairs is not a "
        "$d$-feature state: its weights can be nearly one-hot, so it reads back the right value at any $N$, "
        "at the price of a cache of $N(d + d_v)$ numbers. Press c for 256 pairs in 64 dimensions."
    )

    def measure(self, params: RecallParams, xp: Any) -> Iterator[Frame]:
        n, d, dv = params.pairs, params.d, params.d_v
        yield Frame(0.0, f"storing {n} pairs: keys of width {d}, values of width {dv}")
        rng = np.random.default_rng(params.seed)
        k = rng.standard_normal((n, d))
        k /= np.linalg.norm(k, axis=1, keepdims=True)  # (N, d) unit keys
        keys = xp.asarray(k)
        v = xp.asarray(rng.standard_normal((n, dv)))  # (N, d_v)
        best = keys @ (xp.linalg.pinv(keys) @ v)  # (N, d_v) read back through S = K^+ V (d x d_v)
        summed = keys @ (keys.T @ v)  # (N, d_v) through S = sum_i k_i v_i^T
        yield Frame(0.5, "read back through the states; now softmax over the cache")
        cache = softmax(params.beta * (keys @ keys.T), xp) @ v  # (N, d_v) softmax over all N cached pairs
        per_pair = to_host(xp.linalg.norm(best - v, axis=1) / xp.linalg.norm(v, axis=1))  # (N,)
        shown = np.arange(n)
        series = (
            Series.of("least-squares state", shown, np.maximum(per_pair, 1e-17)),
            Series.of(
                "softmax over the cache",
                shown,
                np.maximum(to_host(xp.linalg.norm(cache - v, axis=1) / xp.linalg.norm(v, axis=1)), 1e-17),
            ),
        )
        measured = {
            "pairs": n,
            "d": d,
            "best_state_error": rel_error(best, v, xp),
            "best_state_error_expected": math.sqrt(max(0, n - d) / n),
            "best_state_recall": nearest_is_own(best, v, xp),
            "sum_state_error": rel_error(summed, v, xp),
            "sum_state_recall": nearest_is_own(summed, v, xp),
            "softmax_cache_error": rel_error(cache, v, xp),
            "softmax_cache_recall": nearest_is_own(cache, v, xp),
            "state_numbers": d * dv,
            "cache_numbers": n * (d + dv),
        }
        yield Frame(1.0, "measured", series, measured=measured)

    def decide(self, measured: Mapping[str, Any], params: RecallParams) -> Verdict:
        """Holds when the best fixed state returns every stored value to EXACT."""
        err = float(measured["best_state_error"])
        holds = err < EXACT
        summary = (
            f"{plural(measured['pairs'], 'pair')}, keys of width {measured['d']}: least-squares state error {sci(err)} "
            f"(recalls {measured['best_state_recall']:.0%}), summed state {sci(float(measured['sum_state_error']))} "
            f"({measured['sum_state_recall']:.0%}), softmax over the cache {sci(float(measured['softmax_cache_error']))} "
            f"({measured['softmax_cache_recall']:.0%})"
        )
        if not holds:
            summary += (
                f"; {measured['pairs']} pairs exceed the {measured['d']} dimensions a $d \\times d_v$ state can "
                f"separate, so even the least-squares state leaves an error near "
                f"{float(measured['best_state_error_expected']):.2f}"
            )
        return Verdict(bool(holds), summary, dict(measured))
