"""GQA interpolation: what converting a multi-head layer to grouped-query attention costs.

``gqa-interpolation`` converts an MHA layer to GQA the way Ainslie et al. do (2023, "GQA: training
generalized multi-query transformer models from multi-head checkpoints", sec. 2.1: mean-pool the key
and value projection heads of each group) and measures how far the attention output moves. The
memory side of GQA is ``kv-cache-sizing`` in :mod:`sims.kv_heads`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
from pydantic import Field, model_validator

from ._words import sci
from .core import Frame, PlotSpec, Probe, Series, SimParams, Simulation, Verdict
from .kernels import attention
from .registry import register

LOSS_FLOOR = 1e-9
"""Relative output error below which a conversion counts as lossless (round-off only)."""
TREND = 0.8
"""Least Spearman rank correlation between halvings of G and the output error for a rising trend."""


def rank_correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman's rho with average ranks for ties; 0 when either side is constant. (m,), (m,) -> float"""

    def ranks(v: np.ndarray) -> np.ndarray:
        order = np.sort(v)
        return np.array([np.mean(np.flatnonzero(order == x)) for x in v])  # (m,) average rank of each value

    ra, rb = ranks(a), ranks(b)
    if ra.std() == 0 or rb.std() == 0:
        return 0.0
    return float(np.corrcoef(ra, rb)[0, 1])


class InterpolationParams(SimParams):
    """The MHA layer's size and how different its key/value heads are."""

    heads: int = Field(8, ge=2, le=64, description="$H$, heads of the MHA layer (a power of two).")
    head_dim: int = Field(16, ge=2, le=64, description="Width of every head.")
    d: int = Field(64, ge=4, le=256, description="Model width $d$ feeding the projections.")
    n: int = Field(64, ge=2, le=512, description="Tokens attended over ($n$).")
    head_spread: float = Field(
        0.5,
        ge=0.0,
        le=10.0,
        description="Each KV head's projection is a shared base plus this much independent noise (base = 1).",
    )
    seed: int = Field(0, ge=0, le=2**31 - 1, description="Seed for the projections and the tokens.")

    @model_validator(mode="after")
    def _power_of_two(self) -> InterpolationParams:
        if self.heads & (self.heads - 1):
            raise ValueError("heads must be a power of two, so G can halve down to 1")
        return self


def pool_heads(w: Any, groups: int) -> Any:
    """Mean-pool H head projections into G groups of H/G adjacent heads: (H, d, hd) -> (G, d, hd)."""
    heads = w.shape[0]
    return w.reshape(groups, heads // groups, *w.shape[1:]).mean(axis=1)


@register
class GqaInterpolation(Simulation):
    """Output error of an MHA layer converted to G KV groups by mean-pooling, for G = H down to 1."""

    id = "gqa-interpolation"
    title = "From MHA to GQA to MQA by mean-pooling key/value heads"
    claim = (
        "Converting a multi-head attention layer to $G$ key/value groups by mean-pooling its heads leaves "
        "the output exactly unchanged at $G = H$; for heads made of a shared base plus smaller per-head "
        r"differences ($\text{head\_spread} \le 1$), the output error grows as $G$ halves (rank correlation "
        r"$\ge 0.8$) and is largest at $G = 1$ (MQA)."
    )
    Params = InterpolationParams
    counter = {"head_spread": 0.0}
    headline = "error_at_g_1"
    quantities = {
        "heads": "MHA heads $H$",
        "head_spread": "per-head spread of the KV projections",
        "error_at_g_h": "relative output error at $G = H$",
        "error_at_g_half": "relative output error at $G = H/2$",
        "error_at_g_1": "relative output error at $G = 1$ (MQA)",
        "max_error_above_g_1": "largest relative error at any $G > 1$",
        "smallest_step": "smallest change in error from one halving to the next",
        "rank_correlation": "rank correlation of error with halvings of $G$",
    }
    probes = (
        Probe(
            {"heads": 64, "head_spread": 1.0},
            True,
            "more halvings, same trend: each pools heads further apart",
        ),
        Probe({"heads": 2, "n": 2}, True, "the smallest case: one pooling, 2 heads to 1, which loses"),
        Probe(
            {"head_spread": 10.0},
            False,
            "nearly independent heads: every pooling loses about everything, the error saturates and "
            "G = 1 is no longer reliably the worst",
        ),
        Probe(
            {"head_spread": 1e-6},
            True,
            "tiny differences: the error is tiny (~1e-7) but still grows as G halves",
        ),
    )
    plot = PlotSpec(
        x_label="$G$, key/value groups", y_label="relative output error vs MHA", log_x=True, x_integer=True
    )
    explains = (
        "GQA spans MHA ($G = H$) and MQA ($G = 1$). Pooling a group replaces each of its heads by their "
        "mean; at $G = H$ nothing is pooled and nothing changes. When the heads share a common base and "
        "differ by less, each halving averages heads further apart and the output error rises, largest at "
        "$G = 1$. "
        "This is a measured trend, not a theorem: the error is a nonlinear function of the pooled weights "
        "and can dip between halvings, and when the heads are nearly independent (head_spread 10) every "
        "pooling already loses about everything and the error saturates. If the KV heads were identical, "
        "every pooling would be exact and fewer groups would lose nothing: the loss comes from how "
        "different the heads are."
    )

    def measure(self, params: InterpolationParams, xp: Any) -> Iterator[Frame]:
        h, hd, d, n = params.heads, params.head_dim, params.d, params.n
        groups = [h >> i for i in range(h.bit_length())]  # H, H/2, ..., 1
        yield Frame(0.0, f"MHA with {h} heads, pooled to $G = {', '.join(map(str, groups))}$")
        rng = np.random.default_rng(params.seed)
        scale = 1.0 / math.sqrt(d)
        x = xp.asarray(rng.standard_normal((n, d)))  # (n, d) tokens
        w_q = xp.asarray(rng.standard_normal((h, d, hd)) * scale)  # (H, d, hd), independent queries

        def correlated() -> Any:
            base = rng.standard_normal((1, d, hd))  # shared by every head
            noise = rng.standard_normal((h, d, hd))  # one per head
            return xp.asarray((base + params.head_spread * noise) * scale)  # (H, d, hd)

        w_k, w_v = correlated(), correlated()
        q = x @ w_q  # (H, n, hd)
        original = attention(q, x @ w_k, x @ w_v, xp)  # (H, n, hd) the MHA output
        norm = float(xp.linalg.norm(original))

        errors = np.zeros(len(groups))  # (len(groups),)
        for i, g in enumerate(groups):
            k = xp.repeat(x @ pool_heads(w_k, g), h // g, axis=0)  # (H, n, hd), head j reads group j // (H/G)
            v = xp.repeat(x @ pool_heads(w_v, g), h // g, axis=0)  # (H, n, hd)
            errors[i] = float(xp.linalg.norm(attention(q, k, v, xp) - original)) / norm
            yield Frame(
                0.95 * (i + 1) / len(groups),
                f"$G = {g}$: relative output error {sci(errors[i], 3)}",
                (Series.of("mean-pooled GQA", groups[: i + 1], errors[: i + 1]),),
            )

        halvings = np.arange(len(groups))  # (len,) 0 at G = H, then one more per halving
        measured = {
            "heads": h,
            "head_spread": float(params.head_spread),
            "error_at_g_h": float(errors[0]),
            "error_at_g_half": float(errors[1]),
            "error_at_g_1": float(errors[-1]),
            "max_error_above_g_1": float(errors[:-1].max()),
            "smallest_step": float(np.diff(errors).min()),
            "rank_correlation": rank_correlation(halvings, errors),
        }
        yield Frame(1.0, "measured", (Series.of("mean-pooled GQA", groups, errors),), measured=measured)

    def decide(self, measured: Mapping[str, Any], params: InterpolationParams) -> Verdict:
        """Holds when G = H is exact, G = 1 loses and loses most, and the error rises with halvings."""
        at_h, at_1 = float(measured["error_at_g_h"]), float(measured["error_at_g_1"])
        rho = float(measured["rank_correlation"])
        exact_at_h = at_h == 0.0
        loses = at_1 > LOSS_FLOOR
        largest = at_1 >= float(measured["max_error_above_g_1"])
        rising = int(measured["heads"]) == 2 or rho >= TREND  # two heads: one pooling, nothing to rank
        holds = bool(exact_at_h and loses and largest and rising)
        reasons = []
        if not exact_at_h:
            reasons.append(f"$G = H$ is not exact ({sci(at_h)})")
        if not loses:
            reasons.append(
                f"nothing lost even at $G = 1$ (below {sci(LOSS_FLOOR)}): identical heads pool exactly"
            )
        elif not largest:
            reasons.append(
                f"$G = 1$ is not the worst ({sci(measured['max_error_above_g_1'], 3)} at a larger $G$): the error "
                "has saturated"
            )
        if loses and not rising:
            reasons.append(f"no rising trend (rank correlation {rho:.2f} < {TREND})")
        summary = (
            f"head_spread {measured['head_spread']:g}: error {sci(at_h, 3)} at $G = {measured['heads']}$, "
            f"{sci(measured['error_at_g_half'], 3)} at $G = {measured['heads'] // 2}$, {sci(at_1, 3)} at $G = 1$; "
            f"rank correlation with halvings {rho:.2f}" + ("" if holds else "; fails: " + "; ".join(reasons))
        )
        return Verdict(holds, summary, dict(measured))
