"""Multi-head latent attention: cache a small latent, absorb the key up-projection into the query.

``mla-absorption`` builds one MLA layer (DeepSeek-AI 2024, "DeepSeek-V2", sec. 2.1.2-2.1.3):
each token's hidden state is compressed to a latent c_t = W_DKV h_t of width d_c, from which every head's
key W_UK^(i) c_t and value W_UV^(i) c_t are up-projected. Because q . (W_UK c) = (W_UK^T q) . c, the key
up-projection can be folded into the query and the value up-projection applied after the weighted sum, so
decoding needs only the cached c_t plus a decoupled RoPE key k^R_t of width d_h^R shared by all heads:
d_c + d_h^R numbers per token per layer instead of MHA's 2 n_h d_h. The run computes the scores and outputs
both ways and counts the bytes of the arrays each path holds. With ``rope = on-keys`` the rotation R_s of
key position s sits between W_UK and the score, q^T R_t^T R_s W_UK c_s, so no position-free matrix can be
folded into the query: the absorbed scores are wrong, which is why DeepSeek-V2 adds the decoupled key.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any, Literal

import numpy as np
from pydantic import Field, model_validator

from ._words import sci
from .backend import to_host
from .core import Frame, PlotSpec, Probe, Series, SimParams, Simulation, Verdict
from .kernels import causal_mask, softmax
from .registry import register

EXACT = 1e-10
"""Absorbed and materialised paths agree when their largest relative difference is below this."""


class MlaParams(SimParams):
    """The layer's shape, the context length and where RoPE is applied."""

    heads: int = Field(16, ge=1, le=128, description="$n_h$: attention heads.")
    head_dim: int = Field(
        64, ge=2, le=128, multiple_of=2, description="$d_h$: width of each head's key and value."
    )
    latent: int = Field(256, ge=1, le=1024, description="$d_c$: width of the cached latent $c_t$.")
    rope_dim: int = Field(
        32,
        ge=0,
        le=128,
        multiple_of=2,
        description="$d_h^R$: width of the decoupled RoPE key, shared by all heads.",
    )
    model_dim: int = Field(
        256, ge=8, le=1024, description="$d$: width of the hidden states fed to the layer."
    )
    tokens: int = Field(
        64, ge=1, le=512, description="Tokens in context (every one is scored against every one)."
    )
    rope: Literal["decoupled", "on-keys", "none"] = Field(
        "decoupled",
        description="'decoupled': a separate RoPE query/key; 'on-keys': RoPE on the up-projected keys; 'none'.",
    )
    seed: int = Field(0, ge=0, le=2**31 - 1, description="Seed for the weights and hidden states.")

    @model_validator(mode="after")
    def _small(self) -> MlaParams:
        if self.heads * self.head_dim * max(self.latent, self.model_dim) > 1 << 23:
            raise ValueError(
                "heads × head_dim × max(latent, model_dim) must stay at most 2²³ (DeepSeek-V2's 128·128·512)"
            )
        if self.heads * self.tokens * self.tokens > 1 << 20:
            raise ValueError("heads × tokens² must stay at most 2²⁰ (the score matrices of every head)")
        return self


def rope(x: Any, xp: Any, base: float = 10000.0) -> Any:
    """Rotate pairs (2i, 2i+1) of x by position t times base^(-2i/r). (..., n, r) -> (..., n, r)"""
    n, r = x.shape[-2], x.shape[-1]
    theta = base ** (-np.arange(0, r, 2) / r)  # (r/2,)
    angle = xp.asarray(np.arange(n)[:, None] * theta[None, :])  # (n, r/2)
    cos, sin = xp.cos(angle), xp.sin(angle)
    even, odd = x[..., 0::2], x[..., 1::2]
    out = xp.empty_like(x)
    out[..., 0::2] = even * cos - odd * sin
    out[..., 1::2] = even * sin + odd * cos
    return out


def rel_gap(a: Any, b: Any, xp: Any) -> float:
    """Largest |a - b| over the largest |b|."""
    return float(to_host(xp.max(xp.abs(a - b)) / xp.max(xp.abs(b))))


@register
class MlaAbsorption(Simulation):
    """Materialised keys and values against the absorbed, latent-only decode path."""

    id = "mla-absorption"
    title = "Multi-head latent attention: absorb the key projection, cache the latent"
    claim = (
        "In multi-head latent attention, folding the key up-projection into the query, "
        r"$q \cdot (W^{UK} c) = (W^{UK\top} q) \cdot c$, and the value up-projection after the weighted sum "
        "gives the same scores and outputs as materialising every head's keys and values (relative "
        "difference below $10^{-10}$), with a RoPE key kept apart from the latent, while the cache holds "
        "$d_c + d_h^R$ numbers per token per layer, fewer than multi-head attention's $2 n_h d_h$."
    )
    Params = MlaParams
    counter = {"rope": "on-keys"}
    headline = "mla_numbers_per_token"
    quantities = {
        "rope": "where RoPE is applied",
        "heads": "heads $n_h$",
        "tokens": "tokens in context",
        "score_rel_error": "largest score difference, absorbed vs materialised (relative)",
        "output_rel_error": "largest output difference, absorbed vs materialised (relative)",
        "mla_numbers_per_token": "MLA cache per token per layer (numbers)",
        "mha_numbers_per_token": "MHA cache per token per layer (numbers)",
        "cache_ratio": "MHA ÷ MLA cache",
        "score_flops_absorbed": "score multiply-adds per query, head and cached token, absorbed (from the shapes)",
        "score_flops_materialised": "score multiply-adds per query, head and cached token, materialised (from the shapes)",
    }
    probes = (
        Probe({"rope": "none"}, True, "no position term at all: W_UK folds into the query exactly"),
        Probe(
            {"rope": "on-keys", "tokens": 1},
            True,
            "one token at position 0: its rotation is the identity, so there is nothing to break",
        ),
        Probe(
            {"heads": 1, "head_dim": 16, "latent": 64, "rope_dim": 16},
            False,
            "one narrow head: absorption is exact, but 64 + 16 cached numbers exceed MHA's 2 x 16",
        ),
        Probe(
            {"heads": 128, "head_dim": 128, "latent": 512, "rope_dim": 64, "model_dim": 64, "tokens": 16},
            True,
            "DeepSeek-V2's shape: 512 + 64 = 576 numbers per token instead of 2 x 128 x 128 = 32,768",
        ),
    )
    plot = PlotSpec(
        x_label="tokens in context", y_label="cache per layer (numbers)", log_y=True, x_integer=True
    )
    explains = (
        "The layer is built twice from the same weights: once with every head's keys $W^{UK}c_s$ and values "
        "$W^{UV}c_s$ materialised, once reading only the cached latents: each query is multiplied by "
        r"$W^{UK\top}$ (absorbed) and scores the $d_c$-wide latents directly, and the attention-weighted sum of "
        "latents is up-projected by $W^{UV}$ at the end. Rotary position cannot live in the latent: rotating "
        r"the up-projected key puts $R_s$ between $W^{UK}$ and the score, $q^\top R_t^\top R_s W^{UK} c_s$, a matrix "
        "that changes with every pair of positions, so no fixed matrix can be folded into the query. "
        "DeepSeek-V2 therefore adds a small RoPE query per head and one RoPE key per token, shared by the "
        "heads and cached beside $c_t$. Press c to rotate the up-projected keys instead and watch the absorbed "
        "scores go wrong. The cache sizes are the bytes of the arrays each path holds, per token."
    )

    def measure(self, params: MlaParams, xp: Any) -> Iterator[Frame]:
        nh, dh, dc, n, d = params.heads, params.head_dim, params.latent, params.tokens, params.model_dim
        dr = params.rope_dim if params.rope == "decoupled" else 0
        yield Frame(0.0, f"{nh} heads of {dh}, latent {dc}, RoPE {params.rope}, {n} tokens")
        rng = np.random.default_rng(params.seed)

        def weights(*shape: int) -> Any:
            return xp.asarray(rng.standard_normal(shape) / math.sqrt(shape[-1]))

        h = xp.asarray(rng.standard_normal((n, d)))  # (n, d) hidden states
        c = h @ weights(dc, d).T  # (n, d_c) the cached latent
        w_uk, w_uv = weights(nh, dh, dc), weights(nh, dh, dc)  # (n_h, d_h, d_c) up-projections
        q = xp.swapaxes(weights(nh, dh, d) @ h.T, 1, 2)  # (n_h, n, d_h)
        k = xp.swapaxes(w_uk @ c.T, 1, 2)  # (n_h, n, d_h) materialised keys
        v = xp.swapaxes(w_uv @ c.T, 1, 2)  # (n_h, n, d_h) materialised values
        yield Frame(0.3, "keys and values materialised; absorbing the up-projections")
        scale = 1.0 / math.sqrt(dh + dr)
        if params.rope == "on-keys":
            q = rope(q, xp)
            k = rope(k, xp)  # R_s W_UK c_s: the rotation sits between W_UK and the score
        q_abs = q @ w_uk  # (n_h, n, d_c) W_UK^T q, position-free fold
        s_mat = q @ xp.swapaxes(k, 1, 2)  # (n_h, n, n)
        s_abs = q_abs @ c.T  # (n_h, n, n)
        cached = [c]
        if dr:
            q_r = rope(xp.swapaxes(weights(nh, dr, d) @ h.T, 1, 2), xp)  # (n_h, n, d_R)
            k_r = rope(h @ weights(dr, d).T, xp)  # (n, d_R) one RoPE key per token, shared by the heads
            s_mat = s_mat + q_r @ k_r.T
            s_abs = s_abs + q_r @ k_r.T
            cached.append(k_r)
        mask = causal_mask(n, xp)
        p_mat = softmax(xp.where(mask, s_mat * scale, -xp.inf), xp)  # (n_h, n, n)
        p_abs = softmax(xp.where(mask, s_abs * scale, -xp.inf), xp)
        out_mat = p_mat @ v  # (n_h, n, d_h)
        out_abs = (p_abs @ c) @ xp.swapaxes(w_uv, 1, 2)  # up-project the weighted latent sum
        mla = sum(int(a.nbytes) for a in cached) // (8 * n)  # numbers per token held by the absorbed path
        mha = (int(k.nbytes) + int(v.nbytes)) // (8 * n)
        xs = np.unique(np.linspace(1, n, 8).round())
        series = (
            Series.of("MHA: keys and values", xs, xs * mha),
            Series.of("MLA: latent + RoPE key", xs, xs * mla),
        )
        measured = {
            "rope": params.rope,
            "heads": nh,
            "tokens": n,
            "score_rel_error": rel_gap(s_abs, s_mat, xp),
            "output_rel_error": rel_gap(out_abs, out_mat, xp),
            "mla_numbers_per_token": mla,
            "mha_numbers_per_token": mha,
            "cache_ratio": mha / mla,
            "score_flops_absorbed": dc + dr,
            "score_flops_materialised": dh + dr,
        }
        yield Frame(1.0, "measured", series, measured=measured)

    def decide(self, measured: Mapping[str, Any], params: MlaParams) -> Verdict:
        """Holds when the absorbed path matches the materialised one and the latent cache is smaller."""
        s_err, o_err = float(measured["score_rel_error"]), float(measured["output_rel_error"])
        mla, mha = int(measured["mla_numbers_per_token"]), int(measured["mha_numbers_per_token"])
        holds = s_err < EXACT and o_err < EXACT and mla < mha
        summary = (
            f"RoPE {measured['rope']}: absorbed vs materialised scores differ by {sci(s_err)}, outputs by "
            f"{sci(o_err)} (relative); cache {mla} numbers per token per layer vs MHA's {mha} "
            f"(MHA ÷ MLA = {measured['cache_ratio']:.3g})"
        )
        if s_err >= EXACT:
            summary += (
                "; the key rotation depends on the key's position, so no fixed matrix folds into the query"
            )
        if mla >= mha:
            summary += "; the latent is wider than the keys and values it replaces, so it saves nothing"
        return Verdict(bool(holds), summary, dict(measured))
