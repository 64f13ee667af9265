"""KV-cache quantization: why keys are quantized per channel when a few channels are outliers.

``kv-quant-outliers`` quantizes a head's keys to a few bits with asymmetric min-max (round-to-nearest
with a scale and a zero-point) two ways: per token (one scale for each token's d channels) and per
channel (one scale for each channel over a group of tokens). LLM keys have a handful of channels whose
magnitude is many times the rest, consistently across tokens (Liu et al. 2024, "KIVI: a tuning-free
asymmetric 2bit quantization for KV cache", sec. 3 and fig. 2), so a per-token range is set by those
few channels and every ordinary channel is rounded with a step far larger than its own values. The run
compares the relative error of the attention scores q.k/sqrt(d) that each quantized cache gives.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
from pydantic import Field, model_validator

from ._words import plural
from .backend import to_host
from .core import Frame, PlotSpec, Probe, Series, SimParams, Simulation, Verdict
from .registry import register

MARGIN = 3.0
"""Per-channel score error must be at least this many times lower than per-token's."""
BITS = tuple(range(1, 9))
"""Bit widths drawn in the plot (the verdict reads the one chosen)."""


class KvQuantParams(SimParams):
    """The keys' shape and outliers, the bit width, and the per-channel group size."""

    channels: int = Field(128, ge=8, le=256, description="$d$, channels of one key head.")
    tokens: int = Field(1024, ge=64, le=8192, description="Keys cached (tokens).")
    outliers: int = Field(4, ge=0, le=32, description="Channels with the outlier magnitude.")
    outlier_scale: float = Field(
        15.0,
        ge=1.0,
        le=50.0,
        description="Magnitude of the outlier channels (a fixed sign per channel) in units of the others' spread.",
    )
    bits: int = Field(2, ge=1, le=8, description="Bits per quantized key element.")
    group: int = Field(
        128,
        ge=8,
        le=1024,
        description="Tokens sharing a per-channel scale (128 with $d$ = 128: as many scales per token as per-token).",
    )
    queries: int = Field(64, ge=1, le=512, description="Queries scored against every key.")
    seed: int = Field(
        0, ge=0, le=2**31 - 1, description="Seed for keys, queries and which channels are outliers."
    )

    @model_validator(mode="after")
    def _fits(self) -> KvQuantParams:
        if self.outliers >= self.channels:
            raise ValueError("outliers must be fewer than the channels")
        if self.tokens % self.group:
            raise ValueError("group must divide tokens")
        return self


def quantize(x: Any, bits: int, axis: int, xp: Any) -> Any:
    """Asymmetric min-max round-to-nearest along ``axis`` (the axis one scale covers), dequantized."""
    lo = xp.min(x, axis=axis, keepdims=True)
    hi = xp.max(x, axis=axis, keepdims=True)
    step = (hi - lo) / (2**bits - 1)
    step = xp.where(step > 0, step, 1.0)
    return lo + xp.rint((x - lo) / step) * step


def per_token(k: Any, bits: int, xp: Any) -> Any:
    """One scale and zero-point per token, over its channels: k is (tokens, d)."""
    return quantize(k, bits, 1, xp)


def per_channel(k: Any, bits: int, group: int, xp: Any) -> Any:
    """One scale and zero-point per channel, over each group of ``group`` consecutive tokens."""
    t, d = k.shape
    grouped = k.reshape(t // group, group, d)  # (groups, group, d)
    return quantize(grouped, bits, 1, xp).reshape(t, d)


def centred(scores: Any, xp: Any) -> Any:
    """Scores less each query's mean over the keys: softmax is blind to that constant, so the error that
    matters is the error left after it is removed."""
    return scores - xp.mean(scores, axis=1, keepdims=True)


def rel_error(exact: Any, approx: Any, xp: Any) -> float:
    """Frobenius norm of the difference over the norm of the exact array."""
    return float(to_host(xp.linalg.norm(approx - exact) / xp.linalg.norm(exact)))


@register
class KvQuantOutliers(Simulation):
    """Per-token against per-channel key quantization, on keys with and without outlier channels."""

    id = "kv-quant-outliers"
    title = "Quantize keys per channel when a few channels are outliers"
    claim = (
        "For keys in which a few channels (4 of 128 here) carry a magnitude 10 to 20 times the rest on every "
        "token, as LLM keys do, "
        "quantizing per channel (one scale per channel over a group of tokens) gives attention scores "
        r"$q \cdot k/\sqrt{d}$ at least 3 times lower relative error than quantizing per token (one scale "
        "per token across its channels) at the same bit width and number of scales, because the outlier "
        "channels set every per-token range (scores compared up to each query's constant, which softmax ignores)."
    )
    Params = KvQuantParams
    counter = {"outliers": 0}
    probes = (
        Probe(
            {"bits": 4},
            True,
            "4 bits: both errors fall about 5x, the per-token range is still set by outliers",
        ),
        Probe({"bits": 8}, True, "8 bits: tiny errors, but still at a per-token step set by the outliers"),
        Probe(
            {"outlier_scale": 1.0},
            False,
            "outlier channels no larger than the rest: the two ranges are alike",
        ),
        Probe({"outlier_scale": 2.0}, False, "outliers only 2x: they barely widen a per-token range"),
        Probe({"group": 32}, True, "KIVI's 32-token groups: tighter per-channel ranges, a wider margin"),
    )
    headline = "error_ratio"
    quantities = {
        "bits": "bits per element",
        "outliers": "outlier channels",
        "outlier_scale": "outlier magnitude (× the rest)",
        "group": "tokens per per-channel group",
        "score_error_token": "relative score error, per-token",
        "score_error_channel": "relative score error, per-channel",
        "error_ratio": "per-token ÷ per-channel score error",
        "key_error_token": "relative key error, per-token",
        "key_error_channel": "relative key error, per-channel",
        "scales_per_token_token": "scales stored per token, per-token",
        "scales_per_token_channel": "scales stored per token, per-channel",
    }
    plot = PlotSpec(
        x_label="bits per key element", y_label="relative error of the scores", log_y=True, x_integer=True
    )
    explains = (
        "Min-max quantization rounds every element covered by one scale to a grid of $2^b$ levels spanning "
        "their range. Per token, that range spans all channels of the token, so two channels at +15 and -15 "
        "stretch it to about 30 where the ordinary channels span about 5, and at 2 bits (levels 10 apart) "
        "every ordinary channel, which is what distinguishes one key from another, rounds to a level far "
        "from its value. Per channel, each channel gets a range of its own over a group of tokens; an outlier "
        "channel's large but steady value costs nothing, since its range is its small variation. Without "
        "outliers the two ranges cover alike-distributed numbers and the errors are alike. The scores are "
        "compared after removing each query's mean over the keys: softmax ignores that constant, which a "
        "fixed-sign outlier channel mostly adds to. (KIVI quantizes keys per channel and values per token: "
        "values have no such channels, and a value's error is averaged by the attention weights.)"
    )

    def measure(self, params: KvQuantParams, xp: Any) -> Iterator[Frame]:
        d, t = params.channels, params.tokens
        yield Frame(0.0, f"{t} keys of {d} channels, {plural(params.outliers, 'outlier channel')}")
        rng = np.random.default_rng(params.seed)
        bias = np.zeros(d)  # outlier channels: a large magnitude of fixed sign on every token
        signs = np.resize([1.0, -1.0], params.outliers)
        bias[rng.choice(d, params.outliers, replace=False)] = signs * params.outlier_scale
        k = xp.asarray(rng.standard_normal((t, d)) + bias)  # (t, d) keys
        q = xp.asarray(rng.standard_normal((params.queries, d)))  # (queries, d)
        scores = centred(q @ k.T / math.sqrt(d), xp)  # (queries, t)
        token_err: list[float] = []
        channel_err: list[float] = []
        keys: dict[int, tuple[float, float]] = {}
        for i, b in enumerate(BITS):
            kt, kc = per_token(k, b, xp), per_channel(k, b, params.group, xp)
            token_err.append(rel_error(scores, centred(q @ kt.T / math.sqrt(d), xp), xp))
            channel_err.append(rel_error(scores, centred(q @ kc.T / math.sqrt(d), xp), xp))
            keys[b] = (rel_error(k, kt, xp), rel_error(k, kc, xp))
            yield Frame(
                0.9 * (i + 1) / len(BITS), f"{b} bits quantized", self._series(token_err, channel_err)
            )
        b = params.bits
        measured = {
            "bits": b,
            "outliers": params.outliers,
            "outlier_scale": params.outlier_scale,
            "group": params.group,
            "score_error_token": token_err[b - 1],
            "score_error_channel": channel_err[b - 1],
            "key_error_token": keys[b][0],
            "key_error_channel": keys[b][1],
            "scales_per_token_token": 1.0,
            "scales_per_token_channel": d / params.group,
        }
        yield Frame(1.0, "measured", self._series(token_err, channel_err), measured=measured)

    @staticmethod
    def _series(token_err: list[float], channel_err: list[float]) -> tuple[Series, ...]:
        xs = BITS[: len(token_err)]
        return (
            Series.of("per-token scales", xs, token_err),
            Series.of("per-channel scales", xs, channel_err),
        )

    def decide(self, measured: Mapping[str, Any], params: KvQuantParams) -> Verdict:
        """Holds when the per-channel score error is at least MARGIN times below the per-token one."""
        tok, ch = float(measured["score_error_token"]), float(measured["score_error_channel"])
        ratio = tok / ch if ch > 0 else math.inf
        holds = ratio >= MARGIN
        why = (
            ""
            if holds
            else (
                (
                    "; no outlier channels"
                    if int(measured["outliers"]) == 0
                    else f"; {plural(int(measured['outliers']), 'outlier channel')} only "
                    f"{float(measured['outlier_scale']):g}× the rest"
                )
                + ": a per-token range is then about as wide as a per-channel one, and per-channel "
                "quantization loses its margin"
            )
        )
        summary = (
            f"{measured['bits']}-bit keys: score error {tok:.3g} per-token vs {ch:.3g} per-channel, "
            f"{ratio:.2f}× (needs ≥ {MARGIN:g}×); key error {float(measured['key_error_token']):.3g} vs "
            f"{float(measured['key_error_channel']):.3g}" + why
        )
        return Verdict(holds, summary, {**measured, "error_ratio": ratio if math.isfinite(ratio) else 1e300})
