"""KV heads: what grouped-query attention saves, and what converting to it costs.

In multi-head attention (MHA) each of the H query heads has its own key and value head. Grouped-query
attention (GQA) lets the H query heads share G key/value heads, H/G query heads per group; G = 1 is
multi-query attention (MQA) (Shazeer 2019, "Fast transformer decoding: one write-head is all you
need"; Ainslie et al. 2023, "GQA: training generalized multi-query transformer models from multi-head
checkpoints", sec. 2).

``kv-cache-sizing`` allocates the K and V cache arrays of real model shapes (Llama 2 70B: Touvron et
al. 2023, sec. 2.2 and Table 1; Llama 3 8B; Mistral 7B: Jiang et al. 2023, Table 1) and checks their
size against 2 x layers x kv_heads x head_dim x tokens x batch x bytes, and that G KV heads cut it by
H/G. Its ``check = flops`` setting tests the mistaken extension that GQA also cuts the QK^T FLOPs.

``gqa-interpolation`` converts an MHA layer to GQA the way Ainslie et al. do (sec. 2.1: mean-pool the
key and value projection heads of each group) and measures how far the attention output moves.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from fractions import Fraction
from typing import Any, Literal

import numpy as np
from pydantic import Field, model_validator

from .core import Frame, PlotSpec, Series, SimParams, Simulation, Verdict
from .kernels import attention
from .registry import register

GIB = 2**30
ALLOC_CAP = 1 << 25
"""Most bytes of K plus V allocated at once (32 MiB); bigger caches are allocated in part and scaled."""
DTYPES = {"float32": np.float32, "float16": np.float16, "int8": np.int8}

SHAPE_FIELDS = ("layers", "query_heads", "kv_heads", "head_dim")
PRESETS: dict[str, tuple[int, int, int, int]] = {
    # name: (layers, query heads, KV heads, head_dim)
    "llama-2-70b": (80, 64, 8, 128),
    "llama-3-8b": (32, 32, 8, 128),
    "mistral-7b": (32, 32, 8, 128),
}


class SizingParams(SimParams):
    """A model's attention shape (a preset or custom), the context, and what to check."""

    model: Literal["llama-2-70b", "llama-3-8b", "mistral-7b", "custom"] = Field(
        "llama-2-70b", description="A preset shape, or 'custom' to use the four fields below."
    )
    layers: int = Field(32, ge=1, le=128, description="Layers (set by a preset; yours with model=custom).")
    query_heads: int = Field(32, ge=1, le=128, description="H, query heads per layer (set by a preset; yours with model=custom).")
    kv_heads: int = Field(8, ge=1, le=128, description="G, key/value heads per layer (set by a preset; yours with model=custom).")
    head_dim: int = Field(128, ge=1, le=256, description="Width of every head (set by a preset; yours with model=custom).")
    tokens: int = Field(1024, ge=1, le=1 << 20, description="Tokens cached per sequence.")
    batch: int = Field(1, ge=1, le=1024, description="Sequences cached.")
    dtype: Literal["float16", "float32", "int8"] = Field(
        "float16", description="Element type of the cache (float16: 2 bytes, like bf16)."
    )
    check: Literal["memory", "flops"] = Field(
        "memory", description="'memory': the cache shrinks by H/G; 'flops': the (false) claim QK^T FLOPs do."
    )
    seed: int = Field(0, ge=0, le=2**31 - 1, description="Seed for the queries and keys scored.")

    @model_validator(mode="before")
    @classmethod
    def _preset_shape(cls, data: Any) -> Any:
        """A preset fixes the four shape fields, so the parameters shown are the shape that ran;
        a different value for one of them is refused rather than silently ignored."""
        model = data.get("model", "llama-2-70b") if isinstance(data, dict) else None
        if model in PRESETS:
            shape = dict(zip(SHAPE_FIELDS, PRESETS[model], strict=True))
            for name, value in shape.items():
                if name in data and data[name] != value:
                    raise ValueError(f"{name} is {value} in the preset '{model}'; set model=custom to choose it")
            data = {**data, **shape}
        return data

    @model_validator(mode="after")
    def _groups_divide(self) -> SizingParams:
        if self.query_heads % self.kv_heads:
            raise ValueError("kv_heads must divide query_heads")
        return self

    def shape(self) -> tuple[int, int, int, int]:
        """(layers, H, G, head_dim) of the preset, or of the custom fields."""
        if self.model == "custom":
            return self.layers, self.query_heads, self.kv_heads, self.head_dim
        return PRESETS[self.model]


def formula_bytes(layers: int, kv_heads: int, head_dim: int, tokens: int, batch: int, itemsize: int) -> int:
    """2 (K and V) x layers x kv_heads x head_dim x tokens x batch x bytes per element."""
    return 2 * layers * kv_heads * head_dim * tokens * batch * itemsize


def allocated_bytes(layers: int, kv_heads: int, head_dim: int, tokens: int, batch: int,
                    dtype: Any, xp: Any) -> tuple[int, int]:
    """Bytes of a real K and V cache, (allocated, scaled to the full size), allocating at most ALLOC_CAP.

    The arrays are (layers, batch, kv_heads, tokens, head_dim); when the whole cache is too big, fewer
    sequences and tokens are allocated and the byte count is scaled by the exact ratio left out.
    """
    per_token = 2 * layers * kv_heads * head_dim * np.dtype(dtype).itemsize  # only to pick a size
    b = min(batch, max(1, ALLOC_CAP // (per_token * tokens)))
    t = min(tokens, max(1, ALLOC_CAP // (per_token * b)))
    shape = (layers, b, kv_heads, t, head_dim)
    k, v = xp.zeros(shape, dtype=dtype), xp.zeros(shape, dtype=dtype)
    got = int(k.nbytes) + int(v.nbytes)
    scaled = Fraction(got) * Fraction(batch * tokens, b * t)
    if scaled.denominator != 1:
        raise ArithmeticError("allocated bytes did not scale to a whole number")
    return got, int(scaled)


def matmul_flops(a_shape: tuple[int, ...], b_shape: tuple[int, ...]) -> int:
    """FLOPs of a batched product (..., m, k) @ (..., k, n): 2 m k n per matrix of the batch."""
    *lead, m, k = a_shape
    n = b_shape[-1]
    return 2 * math.prod(lead) * m * k * n


def qk_flops(heads: int, kv_heads: int, head_dim: int, n: int, rng: np.random.Generator,
             xp: Any) -> tuple[int, int, float]:
    """QK^T FLOPs for one layer over n tokens: (MHA with H key heads, GQA with G), counted from the
    shapes of the products actually run, and the largest gap between GQA's grouped scores and MHA's
    scores with each key head repeated H/G times (0 up to round-off: the same numbers are computed)."""
    q = xp.asarray(rng.standard_normal((heads, n, head_dim)))  # (H, n, hd)
    k_gqa = xp.asarray(rng.standard_normal((kv_heads, n, head_dim)))  # (G, n, hd)
    k_mha = xp.repeat(k_gqa, heads // kv_heads, axis=0)  # (H, n, hd), head h reads group h // (H/G)
    k_t = xp.swapaxes(k_mha, 1, 2)  # (H, hd, n)
    scores_mha = q @ k_t  # (H, n, n)
    flops_mha = matmul_flops(q.shape, k_t.shape)
    q_grouped = q.reshape(kv_heads, (heads // kv_heads) * n, head_dim)  # (G, H/G n, hd) one batch per group
    k_t = xp.swapaxes(k_gqa, 1, 2)  # (G, hd, n)
    scores_gqa = (q_grouped @ k_t).reshape(heads, n, n)  # (H, n, n)
    flops_gqa = matmul_flops(q_grouped.shape, k_t.shape)
    return flops_mha, flops_gqa, float(xp.max(xp.abs(scores_mha - scores_gqa)))


# ---------------------------------------------------------------------------------------------
# kv-cache-sizing


@register
class KvCacheSizing(Simulation):
    """KV cache bytes by formula and by allocation, for MHA, GQA and MQA shapes of a real model."""

    id = "kv-cache-sizing"
    title = "KV cache size, and what grouped-query attention saves"
    claim = (
        "A KV cache takes 2 x layers x kv_heads x head_dim x tokens x batch x bytes-per-element bytes, so "
        "keeping G key/value heads for H query heads (GQA) makes it exactly H/G times smaller than MHA."
    )
    Params = SizingParams
    counter = {"check": "flops"}
    plot = PlotSpec(x_label="tokens cached", y_label="KV cache (GiB)", log_x=True, log_y=True)
    explains = (
        "Each layer caches one key and one value vector of head_dim numbers per KV head per token; the "
        "run allocates those arrays and reads their size, so the formula is checked, not assumed. GQA "
        "keeps the vectors' width and caches fewer of them, which is where its H/G saving comes from "
        "(Llama 2 70B: 8 KV heads for 64 query heads, 0.3125 GiB per 1,024 fp16 tokens instead of 2.5). "
        "The saving is memory only: every query head still scores every key, so with check = flops "
        "the counted QK^T FLOPs are equal and the claimed H/G cut fails."
    )

    def run(self, params: SizingParams, xp: Any) -> Iterator[Frame]:
        layers, heads, groups, head_dim = params.shape()
        dtype = DTYPES[params.dtype]
        itemsize = np.dtype(dtype).itemsize
        yield Frame(0.0, f"{params.model}: {layers} layers, {heads} query heads, {groups} KV heads, "
                         f"head_dim {head_dim}")

        configs = {"MHA": heads, "GQA": groups, "MQA": 1}  # name -> KV heads; names kept in this order
        counts = dict.fromkeys(sorted(set(configs.values()), reverse=True))
        labels = {g: "/".join(n for n, v in configs.items() if v == g) + f" ({g} KV heads)" for g in counts}
        measured: dict[int, int] = {}
        mismatches = 0
        for i, g in enumerate(counts):
            _, measured[g] = allocated_bytes(layers, g, head_dim, params.tokens, params.batch, dtype, xp)
            expected = formula_bytes(layers, g, head_dim, params.tokens, params.batch, itemsize)
            mismatches += measured[g] != expected
            yield Frame(
                0.7 * (i + 1) / len(counts),
                f"{labels[g]}: {measured[g] / GIB:.4g} GiB allocated-and-scaled",
                self._series(params.tokens, measured, labels),
            )

        n = 16  # scoring 16 tokens is enough to count: the FLOP ratio does not depend on n
        rng = np.random.default_rng(params.seed)
        flops_mha, flops_gqa, score_gap = qk_flops(heads, groups, head_dim, n, rng, xp)
        series = self._series(params.tokens, measured, labels)
        yield Frame(1.0, "done", series, self._verdict(
            params, heads, groups, measured, mismatches, flops_mha, flops_gqa, score_gap))

    @staticmethod
    def _series(tokens: int, measured: dict[int, int], labels: dict[int, str]) -> tuple[Series, ...]:
        """Cache size against tokens for each KV-head count measured so far (size is linear in tokens)."""
        xs = np.unique(np.geomspace(1, tokens, 12).round().astype(np.int64))  # (m,)
        return tuple(Series.of(labels[g], xs, xs * (b / tokens) / GIB) for g, b in measured.items())

    @staticmethod
    def _verdict(params: SizingParams, heads: int, groups: int, measured: dict[int, int], mismatches: int,
                 flops_mha: int, flops_gqa: int, score_gap: float) -> Verdict:
        """Memory: the formula matches every allocation and MHA/GQA bytes is H/G exactly.
        Flops: MHA/GQA QK^T FLOPs is H/G (it is not: 1)."""
        memory_ratio = Fraction(measured[heads], measured[groups])
        flops_ratio = Fraction(flops_mha, flops_gqa)
        target = Fraction(heads, groups)
        if params.check == "memory":
            holds = mismatches == 0 and memory_ratio == target
            summary = (
                f"GQA cache {measured[groups] / GIB:.4g} GiB vs MHA {measured[heads] / GIB:.4g} GiB for "
                f"{params.tokens} tokens: {float(memory_ratio):g}x smaller, H/G = {float(target):g}; "
                f"formula {'matches' if mismatches == 0 else 'misses'} every allocation"
            )
        else:
            holds = flops_ratio == target
            summary = (
                f"QK^T FLOPs MHA/GQA = {float(flops_ratio):g} ({flops_mha} vs {flops_gqa} per layer over 16 "
                f"tokens), {'equal to' if holds else 'not'} H/G = {float(target):g}; the cache ratio is "
                f"{float(memory_ratio):g}"
            )
        return Verdict(
            holds,
            summary,
            {
                "check": params.check,
                "model": params.model,
                "query_heads": heads,
                "kv_heads": groups,
                "tokens": params.tokens,
                "batch": params.batch,
                "gqa_bytes": measured[groups],
                "mha_bytes": measured[heads],
                "mqa_bytes": measured[1],
                "gqa_gib": measured[groups] / GIB,
                "mha_gib": measured[heads] / GIB,
                "formula_mismatches": int(mismatches),
                "memory_ratio_mha_over_gqa": float(memory_ratio),
                "h_over_g": float(target),
                "qk_flops_mha": flops_mha,
                "qk_flops_gqa": flops_gqa,
                "flops_ratio_mha_over_gqa": float(flops_ratio),
                "grouped_scores_max_gap": score_gap,
            },
        )


# ---------------------------------------------------------------------------------------------
# gqa-interpolation

LOSS_FLOOR = 1e-9
"""Relative output error below which a conversion counts as lossless (round-off only)."""


class InterpolationParams(SimParams):
    """The MHA layer's size and how different its key/value heads are."""

    heads: int = Field(8, ge=2, le=64, description="H, heads of the MHA layer (a power of two).")
    head_dim: int = Field(16, ge=2, le=64, description="Width of every head.")
    d: int = Field(64, ge=4, le=256, description="Model width feeding the projections.")
    n: int = Field(64, ge=2, le=512, description="Tokens attended over.")
    head_spread: float = Field(
        0.5, ge=0.0, le=10.0, description="Each KV head's projection is a shared base plus this much noise."
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
        "Converting a multi-head attention layer to G key/value groups by mean-pooling its heads leaves "
        "the output exactly unchanged at G = H, and the output error never falls as G halves down to "
        "1 (MQA), where it is largest."
    )
    Params = InterpolationParams
    counter = {"head_spread": 0.0}
    plot = PlotSpec(x_label="G, key/value groups", y_label="relative output error vs MHA", log_x=True)
    explains = (
        "GQA spans MHA (G = H) and MQA (G = 1). Pooling a group replaces each of its heads by their mean, "
        "and merging groups can only move a head further from the mean it is replaced by, so the output "
        "drifts further from the original as G shrinks; at G = H nothing is pooled and nothing changes. "
        "If the KV heads were identical, every pooling would be exact and fewer groups would lose "
        "nothing: the loss comes from how different the heads are."
    )

    def run(self, params: InterpolationParams, xp: Any) -> Iterator[Frame]:
        h, hd, d, n = params.heads, params.head_dim, params.d, params.n
        groups = [h >> i for i in range(h.bit_length())]  # H, H/2, ..., 1
        yield Frame(0.0, f"MHA with {h} heads, pooled to G = {', '.join(map(str, groups))}")
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
                f"G = {g}: relative output error {errors[i]:.3g}",
                (Series.of("mean-pooled GQA", groups[: i + 1], errors[: i + 1]),),
            )

        steps = np.diff(errors)  # (len-1,) change as G halves
        exact_at_h = bool(errors[0] == 0.0)
        monotone = bool(np.all(steps >= -LOSS_FLOOR * max(1.0, float(errors.max()))))
        loses = bool(errors[-1] > LOSS_FLOOR)
        holds = exact_at_h and monotone and loses
        summary = (
            f"error {errors[0]:.3g} at G = {h}, {errors[-1]:.3g} at G = 1; "
            + ("non-decreasing as G halves" if monotone else f"falls somewhere (min step {steps.min():.3g})")
            + ("" if loses else f"; nothing lost even at G = 1 (below {LOSS_FLOOR:g})")
        )
        verdict = Verdict(
            holds,
            summary,
            {
                "heads": h,
                "error_at_g_h": float(errors[0]),
                "error_at_g_1": float(errors[-1]),
                "error_at_g_half": float(errors[1]),
                "exact_at_g_h": exact_at_h,
                "non_decreasing": monotone,
                "loses_at_g_1": loses,
                "head_spread": float(params.head_spread),
            },
        )
        yield Frame(1.0, "done", (Series.of("mean-pooled GQA", groups, errors),), verdict)
