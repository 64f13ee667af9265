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

``gqa-interpolation`` (what converting to GQA costs in accuracy) lives in :mod:`sims.gqa`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from fractions import Fraction
from typing import Any, Literal

import numpy as np
from pydantic import Field, model_validator

from ._words import plural
from .core import Frame, PlotSpec, Probe, Series, SimParams, Simulation, Verdict
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
        32, ge=1, le=128, description="$H$, query heads per layer (set by a preset; yours with model=custom)."
    )
    kv_heads: int = Field(
        8,
        ge=1,
        le=128,
        description="$G$, key/value heads per layer (set by a preset; yours with model=custom).",
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
        description=r"'memory': the cache shrinks by $H/G$; 'flops': the misconception that $QK^\top$ FLOPs do.",
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
        "A KV cache that stores each of the $G$ key/value heads once takes "
        r"$2 \times \text{layers} \times G \times \text{head\_dim} \times \text{tokens} \times \text{batch} "
        r"\times \text{bytes per element}$ bytes, so keeping $G$ key/value heads for $H$ query heads (GQA) "
        "makes it exactly $H/G$ times smaller than MHA's."
    )
    Params = SizingParams
    counter = {"check": "flops"}
    data_flip = {"layout": "expanded"}
    data_flip_why = (
        "The counter (check = flops) decides a different quantity, the misconception that GQA cuts the "
        r"$QK^\top$ FLOPs; its cache bytes, decided as check = memory, still show the $H/G$ cut. A cache that stores the "
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
    headline = "gqa_gib"
    quantities = {
        "check": "what is checked",
        "layout": "cache layout",
        "model": "model shape",
        "query_heads": "query heads $H$ per layer",
        "kv_heads": "key/value heads $G$ per layer",
        "tokens": "tokens cached per sequence",
        "batch": "sequences cached",
        "gqa_bytes": "GQA cache (bytes)",
        "mha_bytes": "MHA cache (bytes)",
        "mqa_bytes": "MQA cache (bytes)",
        "gqa_gib": "GQA cache (GiB)",
        "mha_gib": "MHA cache (GiB)",
        "formula_mismatches": "allocations that differ from the formula",
        "qk_flops_mha": r"MHA $QK^\top$ FLOPs per layer, 16 tokens",
        "qk_flops_gqa": r"GQA $QK^\top$ FLOPs per layer, 16 tokens",
        "grouped_scores_max_gap": "largest gap between grouped and repeated-head scores",
        "memory_ratio_mha_over_gqa": "MHA ÷ GQA cache bytes",
        "h_over_g": "$H/G$",
        "flops_ratio_mha_over_gqa": r"MHA ÷ GQA $QK^\top$ FLOPs",
    }
    plot = PlotSpec(x_label="tokens cached", y_label="KV cache (GiB)", log_x=True, log_y=True, x_integer=True)
    explains = (
        r"Each layer caches one key and one value vector of $\text{head\_dim}$ numbers per KV head per token. The "
        "size is arithmetic on these shapes; the run cross-checks it against the bytes of K and V arrays "
        "allocated in that shape (the part that fits in memory, scaled exactly). GQA keeps the vectors' "
        "width and caches fewer of them, which is where its $H/G$ saving comes from (Llama 2 70B: 8 KV heads "
        "for 64 query heads, 0.3125 GiB per 1,024 fp16 tokens instead of 2.5), provided the cache holds "
        "the $G$ shared heads: a cache filled after copying them to every query head (layout = expanded) "
        "saves nothing. The saving is memory only: every query head still scores every key, so the "
        r"misconception tested by check = flops, that $QK^\top$ FLOPs fall by $H/G$ too, fails on the counted "
        "FLOPs of the products run."
    )

    def measure(self, params: SizingParams, xp: Any) -> Iterator[Frame]:
        layers, heads, groups, head_dim = params.shape()
        dtype = DTYPES[params.dtype]
        itemsize = np.dtype(dtype).itemsize
        yield Frame(
            0.0,
            f"{params.model}: {plural(layers, 'layer')}, {plural(heads, 'query head')}, "
            f"{plural(groups, 'KV head')}, head_dim {head_dim}",
        )

        configs = {"MHA": heads, "GQA": groups, "MQA": 1}  # name -> KV heads; names kept in this order
        counts = dict.fromkeys(sorted(set(configs.values()), reverse=True))
        labels = {
            g: "/".join(n for n, v in configs.items() if v == g) + f" ({plural(g, 'KV head')})"
            for g in counts
        }
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
                    f"; the cache is only {float(memory_ratio):g}× smaller, not $H/G$: it stores "
                    f"{measured['layout']} heads, so sharing them saves no bytes"
                )
            )
            summary = (
                f"GQA cache {gqa / GIB:.4g} GiB vs MHA {mha / GIB:.4g} GiB for {plural(measured['tokens'], 'token')} "
                f"× {plural(measured['batch'], 'sequence')}: {float(memory_ratio):g}× smaller, "
                f"$H/G = {float(target):g}$; the "
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
                rf"$QK^\top$ FLOPs MHA/GQA = {float(flops_ratio):g} ({measured['qk_flops_mha']} vs "
                f"{measured['qk_flops_gqa']} per layer over 16 tokens), {'equal to' if holds else 'not'} "
                f"$H/G = {float(target):g}$; the cache ratio is {float(memory_ratio):g}{why}"
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
