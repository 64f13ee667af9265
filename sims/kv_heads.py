"""KV heads: what grouped-query attention saves, and what converting to it costs.

In multi-head attention (MHA) each of the H query heads has its own key and value head. Grouped-query
attention (GQA) lets the H query heads share G key/value heads, H/G query heads per group; G = 1 is
multi-query attention (MQA) (Shazeer 2019, "Fast transformer decoding: one write-head is all you
need"; Ainslie et al. 2023, "GQA: training generalized multi-query transformer models from multi-head
checkpoints", sec. 2).

``kv-cache-sizing`` is arithmetic on shapes, cross-checked: it computes 2 x layers x kv_heads x head_dim
x tokens x batch x bytes for real model shapes (Llama 2 70B: Touvron et al. 2023, sec. 2.2 and Table 1;
Llama 3 8B; Mistral 7B: Jiang et al. 2023, Table 1) and compares it with the ``nbytes`` of K and V arrays
allocated in that shape, for a cache that stores the G shared heads or one that stores them expanded to
a copy per query head. Its ``check = flops`` setting tests the misconception that GQA also cuts the
QK^T FLOPs.

``gqa-interpolation`` converts an MHA layer to GQA the way Ainslie et al. do (sec. 2.1: mean-pool the
key and value projection heads of each group) and measures how far the attention output moves.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from fractions import Fraction
from typing import Any, Literal

import numpy as np
from pydantic import Field, model_validator

from .core import Frame, PlotSpec, Probe, Series, SimParams, Simulation, Verdict
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
    query_heads: int = Field(
        32, ge=1, le=128, description="H, query heads per layer (set by a preset; yours with model=custom)."
    )
    kv_heads: int = Field(
        8,
        ge=1,
        le=128,
        description="G, key/value heads per layer (set by a preset; yours with model=custom).",
    )
    head_dim: int = Field(
        128, ge=1, le=256, description="Width of every head (set by a preset; yours with model=custom)."
    )
    tokens: int = Field(1024, ge=1, le=1 << 20, description="Tokens cached per sequence.")
    batch: int = Field(1, ge=1, le=1024, description="Sequences cached.")
    dtype: Literal["float16", "float32", "int8"] = Field(
        "float16", description="Element type of the cache (float16: 2 bytes, like bf16)."
    )
    layout: Literal["grouped", "expanded"] = Field(
        "grouped",
        description="'grouped': the cache stores the G KV heads; 'expanded': a copy per query head.",
    )
    check: Literal["memory", "flops"] = Field(
        "memory",
        description="'memory': the cache shrinks by H/G; 'flops': the misconception that QK^T FLOPs do.",
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
                    raise ValueError(
                        f"{name} is {value} in the preset '{model}'; set model=custom to choose it"
                    )
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


def allocated_bytes(
    layers: int, kv_heads: int, head_dim: int, tokens: int, batch: int, dtype: Any, xp: Any
) -> tuple[int, int]:
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


def qk_flops(
    heads: int, kv_heads: int, head_dim: int, n: int, rng: np.random.Generator, xp: Any
) -> tuple[int, int, float]:
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
        "A KV cache that stores each of the G key/value heads once takes 2 x layers x G x head_dim x tokens "
        "x batch x bytes-per-element bytes, so keeping G key/value heads for H query heads (GQA) makes it "
        "exactly H/G times smaller than MHA's."
    )
    Params = SizingParams
    counter = {"check": "flops"}
    data_flip = {"layout": "expanded"}
    data_flip_why = (
        "The counter (check = flops) decides a different quantity, the misconception that GQA cuts the QK^T "
        "FLOPs; its cache bytes, decided as check = memory, still show the H/G cut. A cache that stores the "
        "KV heads expanded to one copy per query head is the setting whose measured bytes break the saving."
    )
    probes = (
        Probe(
            {"layout": "expanded"},
            False,
            "copying each KV head for its H/G query heads before caching stores H heads: no saving",
        ),
        Probe(
            {"model": "custom", "query_heads": 8, "kv_heads": 8},
            True,
            "G = H: the cut is H/G = 1, and the cache is exactly MHA's",
        ),
        Probe(
            {
                "model": "custom",
                "layers": 1,
                "query_heads": 1,
                "kv_heads": 1,
                "head_dim": 1,
                "tokens": 1,
                "dtype": "int8",
            },
            True,
            "the smallest cache: 2 bytes, one key and one value of one byte",
        ),
        Probe(
            {"model": "llama-2-70b", "tokens": 1 << 20, "batch": 1024},
            True,
            "a 320 TiB cache: allocated in part and scaled exactly, the formula still holds",
        ),
        Probe(
            {"check": "flops", "model": "custom", "query_heads": 4, "kv_heads": 4},
            True,
            "G = H: the QK^T FLOPs are equal and H/G = 1, so even the FLOP reading holds",
        ),
    )
    plot = PlotSpec(x_label="tokens cached", y_label="KV cache (GiB)", log_x=True, log_y=True)
    explains = (
        "Each layer caches one key and one value vector of head_dim numbers per KV head per token. The "
        "size is arithmetic on these shapes; the run cross-checks it against the bytes of K and V arrays "
        "allocated in that shape (the part that fits in memory, scaled exactly). GQA keeps the vectors' "
        "width and caches fewer of them, which is where its H/G saving comes from (Llama 2 70B: 8 KV heads "
        "for 64 query heads, 0.3125 GiB per 1,024 fp16 tokens instead of 2.5), provided the cache holds "
        "the G shared heads: a cache filled after copying them to every query head (layout = expanded) "
        "saves nothing. The saving is memory only: every query head still scores every key, so the "
        "misconception tested by check = flops, that QK^T FLOPs fall by H/G too, fails on the counted "
        "FLOPs of the products run."
    )

    def measure(self, params: SizingParams, xp: Any) -> Iterator[Frame]:
        layers, heads, groups, head_dim = params.shape()
        dtype = DTYPES[params.dtype]
        itemsize = np.dtype(dtype).itemsize
        yield Frame(
            0.0,
            f"{params.model}: {layers} layers, {heads} query heads, {groups} KV heads, head_dim {head_dim}",
        )

        configs = {"MHA": heads, "GQA": groups, "MQA": 1}  # name -> KV heads; names kept in this order
        counts = dict.fromkeys(sorted(set(configs.values()), reverse=True))
        labels = {g: "/".join(n for n, v in configs.items() if v == g) + f" ({g} KV heads)" for g in counts}
        measured: dict[int, int] = {}
        mismatches = 0
        for i, g in enumerate(counts):
            stored = heads if params.layout == "expanded" else g  # heads actually held in the cache
            _, measured[g] = allocated_bytes(layers, stored, head_dim, params.tokens, params.batch, dtype, xp)
            expected = formula_bytes(layers, stored, head_dim, params.tokens, params.batch, itemsize)
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
        values = {
            "check": params.check,
            "layout": params.layout,
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
            "qk_flops_mha": flops_mha,
            "qk_flops_gqa": flops_gqa,
            "grouped_scores_max_gap": score_gap,
        }
        yield Frame(1.0, "measured", series, measured=values)

    @staticmethod
    def _series(tokens: int, measured: dict[int, int], labels: dict[int, str]) -> tuple[Series, ...]:
        """Cache size against tokens for each KV-head count measured so far (size is linear in tokens)."""
        xs = np.unique(np.geomspace(1, tokens, 12).round().astype(np.int64))  # (m,)
        return tuple(Series.of(labels[g], xs, xs * (b / tokens) / GIB) for g, b in measured.items())

    def decide(self, measured: Mapping[str, Any], params: SizingParams) -> Verdict:
        """Memory: the formula matches every allocation and MHA/GQA bytes is H/G exactly.
        Flops (the misconception): MHA/GQA QK^T FLOPs is H/G (it is 1)."""
        heads, groups = int(measured["query_heads"]), int(measured["kv_heads"])
        gqa, mha = int(measured["gqa_bytes"]), int(measured["mha_bytes"])
        memory_ratio = Fraction(mha, gqa)
        flops_ratio = Fraction(int(measured["qk_flops_mha"]), int(measured["qk_flops_gqa"]))
        target = Fraction(heads, groups)
        mismatches = int(measured["formula_mismatches"])
        if params.check == "memory":
            holds = mismatches == 0 and memory_ratio == target
            why = (
                ""
                if memory_ratio == target
                else (
                    f"; the cache is only {float(memory_ratio):g}x smaller, not H/G: it stores "
                    f"{measured['layout']} heads, so sharing them saves no bytes"
                )
            )
            summary = (
                f"GQA cache {gqa / GIB:.4g} GiB vs MHA {mha / GIB:.4g} GiB for {measured['tokens']} tokens "
                f"x {measured['batch']}: {float(memory_ratio):g}x smaller, H/G = {float(target):g}; the "
                f"formula {'matches' if mismatches == 0 else 'misses'} the allocated arrays{why}"
            )
        else:
            holds = flops_ratio == target
            why = (
                ""
                if holds
                else "; every query head still scores every key, so GQA saves memory, not these FLOPs"
            )
            summary = (
                f"QK^T FLOPs MHA/GQA = {float(flops_ratio):g} ({measured['qk_flops_mha']} vs "
                f"{measured['qk_flops_gqa']} per layer over 16 tokens), {'equal to' if holds else 'not'} "
                f"H/G = {float(target):g}; the cache ratio is {float(memory_ratio):g}{why}"
            )
        return Verdict(
            holds,
            summary,
            {
                **measured,
                "memory_ratio_mha_over_gqa": float(memory_ratio),
                "h_over_g": float(target),
                "flops_ratio_mha_over_gqa": float(flops_ratio),
            },
        )


# ---------------------------------------------------------------------------------------------
# gqa-interpolation

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

    heads: int = Field(8, ge=2, le=64, description="H, heads of the MHA layer (a power of two).")
    head_dim: int = Field(16, ge=2, le=64, description="Width of every head.")
    d: int = Field(64, ge=4, le=256, description="Model width feeding the projections.")
    n: int = Field(64, ge=2, le=512, description="Tokens attended over.")
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
        "Converting a multi-head attention layer to G key/value groups by mean-pooling its heads leaves "
        "the output exactly unchanged at G = H; for heads made of a shared base plus smaller per-head "
        "differences (head_spread <= 1), the output error grows as G halves (rank correlation >= 0.8) "
        "and is largest at G = 1 (MQA)."
    )
    Params = InterpolationParams
    counter = {"head_spread": 0.0}
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
    plot = PlotSpec(x_label="G, key/value groups", y_label="relative output error vs MHA", log_x=True)
    explains = (
        "GQA spans MHA (G = H) and MQA (G = 1). Pooling a group replaces each of its heads by their mean; "
        "at G = H nothing is pooled and nothing changes. When the heads share a common base and differ by "
        "less, each halving averages heads further apart and the output error rises, largest at G = 1. "
        "This is a measured trend, not a theorem: the error is a nonlinear function of the pooled weights "
        "and can dip between halvings, and when the heads are nearly independent (head_spread 10) every "
        "pooling already loses about everything and the error saturates. If the KV heads were identical, "
        "every pooling would be exact and fewer groups would lose nothing: the loss comes from how "
        "different the heads are."
    )

    def measure(self, params: InterpolationParams, xp: Any) -> Iterator[Frame]:
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
            reasons.append(f"G = H is not exact ({at_h:.2g})")
        if not loses:
            reasons.append(f"nothing lost even at G = 1 (below {LOSS_FLOOR:g}): identical heads pool exactly")
        elif not largest:
            reasons.append(
                f"G = 1 is not the worst ({measured['max_error_above_g_1']:.3g} at a larger G): the error "
                "has saturated"
            )
        if loses and not rising:
            reasons.append(f"no rising trend (rank correlation {rho:.2f} < {TREND})")
        summary = (
            f"head_spread {measured['head_spread']:g}: error {at_h:.3g} at G = {measured['heads']}, "
            f"{measured['error_at_g_half']:.3g} at G = {measured['heads'] // 2}, {at_1:.3g} at G = 1; "
            f"rank correlation with halvings {rho:.2f}" + ("" if holds else "; fails: " + "; ".join(reasons))
        )
        return Verdict(holds, summary, dict(measured))
