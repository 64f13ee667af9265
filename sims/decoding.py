"""Decoding: what a KV cache saves, and why a prompt is read in one pass but generated one token at a time.

Both simulations drive the same small decoder: a stack of multi-head self-attention layers with random
float64 weights, each ``x -> rmsnorm(x + Attn(x) W_o)`` (Vaswani et al. 2017, "Attention is all you
need", sec. 3.2; causal masking in the decoder, sec. 3.2.3). It runs two ways:

* ``forward``: every position at once, with a causal (or, for the counter, bidirectional) mask;
* ``step``: one token at a time, appending its keys and values to a per-layer cache and letting the
  new query attend to everything cached (the "KV cache" of autoregressive decoding, e.g. Pope et al.
  2022, "Efficiently scaling transformer inference", sec. 2).

``kv-cache-equivalence`` checks the two agree at every step and counts the attention FLOPs each spends
per new token. ``prefill-parallel`` times a whole prompt through ``forward`` against the ``step`` loop.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
from pydantic import Field, model_validator

from .backend import synchronize, to_host
from .core import Frame, PlotSpec, Series, SimParams, Simulation, Verdict, fit_slope
from .kernels import attention, limit_threads
from .registry import register

EXACT = 1e-10
"""Largest absolute difference between the two ways of decoding that still counts as the same output."""
SLOPE_TOL = 0.15
"""How far a fitted log-log slope of per-token FLOPs may sit from 1 (cached) or 2 (recomputed)."""
SPEEDUP = 3.0
"""The batched prefill must beat the token-by-token loop by at least this factor."""


def visible_pairs(n_q: int, n_k: int, causal: bool) -> int:
    """(query, key) pairs scored: all n_q * n_k of them, or, causally, those with key j <= query i."""
    if not causal:
        return n_q * n_k
    m = min(n_q, n_k)
    return m * (m + 1) // 2 + (n_q - m) * n_k  # rows past n_k see every key


class Decoder:
    """A stack of multi-head attention layers (no MLP), with a full forward pass and a cached step.

    ``attn_flops`` counts the attention FLOPs of every call made so far: 2 d_head per scored (query,
    key) pair for q.k and 2 d_head for the weighted sum of values, over all heads and layers.
    """

    def __init__(self, d: int, heads: int, layers: int, rng: np.random.Generator, xp: Any) -> None:
        self.d, self.heads, self.layers, self.xp = d, heads, layers, xp
        self.d_head = d // heads
        scale = 1.0 / math.sqrt(d)
        self.w_qkv = [xp.asarray(rng.standard_normal((d, 3 * d)) * scale) for _ in range(layers)]  # (d, 3d)
        self.w_o = [xp.asarray(rng.standard_normal((d, d)) * scale) for _ in range(layers)]  # (d, d)
        self.attn_flops = 0

    def _split(self, x: Any, layer: int) -> tuple[Any, Any, Any]:
        """Queries, keys and values per head: (n, d) -> three (heads, n, d_head)."""
        n = x.shape[0]
        qkv = (x @ self.w_qkv[layer]).reshape(n, 3, self.heads, self.d_head)  # (n, 3, h, dh)
        qkv = qkv.transpose(1, 2, 0, 3)  # (3, h, n, dh)
        return qkv[0], qkv[1], qkv[2]

    def _out(self, x: Any, heads_out: Any, layer: int) -> Any:
        """Merge heads, project, add the residual and RMS-normalise: (n, d), (h, n, dh) -> (n, d)."""
        merged = heads_out.transpose(1, 0, 2).reshape(x.shape[0], self.d)  # (n, d)
        y = x + merged @ self.w_o[layer]  # (n, d)
        return y / self.xp.sqrt(self.xp.mean(y * y, axis=1, keepdims=True))

    def _attend(self, q: Any, k: Any, v: Any, causal: bool) -> Any:
        """Attention over the given keys, counting its FLOPs: (h, n_q, dh), (h, n_k, dh) -> (h, n_q, dh)."""
        self.attn_flops += 4 * self.d_head * self.heads * visible_pairs(q.shape[1], k.shape[1], causal)
        return attention(q, k, v, self.xp, causal=causal)

    def forward(self, x: Any, causal: bool) -> Any:
        """Every position at once: (n, d) -> (n, d)."""
        for layer in range(self.layers):
            q, k, v = self._split(x, layer)
            x = self._out(x, self._attend(q, k, v, causal), layer)
        return x

    def new_cache(self, n_max: int) -> list[tuple[Any, Any]]:
        """Empty key and value caches, one (heads, n_max, d_head) pair per layer."""
        shape = (self.heads, n_max, self.d_head)
        return [(self.xp.empty(shape), self.xp.empty(shape)) for _ in range(self.layers)]

    def step(self, x_t: Any, t: int, cache: list[tuple[Any, Any]]) -> Any:
        """Position t alone, reading positions 0..t-1 from the cache and adding its own: (1, d) -> (1, d)."""
        for layer in range(self.layers):
            q, k, v = self._split(x_t, layer)  # (h, 1, dh) each
            k_cache, v_cache = cache[layer]  # (h, n_max, dh) each
            k_cache[:, t : t + 1], v_cache[:, t : t + 1] = k, v
            x_t = self._out(x_t, self._attend(q, k_cache[:, : t + 1], v_cache[:, : t + 1], False), layer)
        return x_t


class DecoderParams(SimParams):
    """The decoder's size and mask, shared by both simulations."""

    d: int = Field(32, ge=4, le=128, description="Model width d (split evenly across the heads).")
    heads: int = Field(2, ge=1, le=8, description="Attention heads per layer.")
    layers: int = Field(2, ge=1, le=4, description="Attention layers stacked.")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="Seed for the weights and the input tokens.")

    @model_validator(mode="after")
    def _heads_divide(self) -> DecoderParams:
        if self.d % self.heads:
            raise ValueError("heads must divide d")
        return self


# ---------------------------------------------------------------------------------------------
# kv-cache-equivalence


class CacheParams(DecoderParams):
    """Sequence length and mask for the cache check."""

    n: int = Field(128, ge=8, le=256, description="Tokens decoded.")
    causal: bool = Field(True, description="Causal mask; False lets every position see later ones too.")


@register
class KvCacheEquivalence(Simulation):
    """Cached decoding against recomputing the whole prefix, output by output and FLOP by FLOP."""

    id = "kv-cache-equivalence"
    title = "A KV cache: same outputs, linear instead of quadratic attention work per token"
    claim = (
        "Decoding a causal attention decoder with a KV cache gives the same outputs (within 1e-10) as "
        "recomputing the whole prefix at every step, while its attention FLOPs per new token grow "
        "linearly in the prefix length t instead of quadratically."
    )
    Params = CacheParams
    counter = {"causal": False}
    plot = PlotSpec(x_label="prefix length t (tokens)", y_label="attention FLOPs for token t",
                    log_x=True, log_y=True)
    explains = (
        "Under a causal mask position i never sees anything after it, so its keys, values and output are "
        "final once computed: caching the keys and values and scoring only the new query against them "
        "reproduces the full recomputation to round-off, at 4·d·t attention FLOPs per layer for token t "
        "instead of about 2·d·t². With a bidirectional mask earlier outputs change whenever a token "
        "arrives, so what the cache froze is stale and the outputs disagree, although the FLOP counts "
        "scale the same way."
    )

    def run(self, params: CacheParams, xp: Any) -> Iterator[Frame]:
        n, causal = params.n, params.causal
        yield Frame(0.0, f"decoding {n} tokens, {'causal' if causal else 'bidirectional'} mask")
        rng = np.random.default_rng(params.seed)
        model = Decoder(params.d, params.heads, params.layers, rng, xp)
        x = xp.asarray(rng.standard_normal((n, params.d)))  # (n, d) input tokens

        cache = model.new_cache(n)
        emitted = xp.empty((n, params.d))  # (n, d): row t is the cached decoder's output for token t
        lengths = np.arange(1, n + 1)  # (n,) prefix length t after token t-1 arrives
        cached_flops = np.zeros(n)  # (n,)
        full_flops = np.zeros(n)  # (n,)
        diffs = np.zeros(n)  # (n,) max |recomputed - emitted| over the prefix, at each step
        chunk = max(1, n // 10)
        for t in range(n):
            before = model.attn_flops
            emitted[t : t + 1] = model.step(x[t : t + 1], t, cache)
            cached_flops[t] = model.attn_flops - before
            before = model.attn_flops
            full = model.forward(x[: t + 1], causal)  # (t+1, d) every output so far, recomputed
            full_flops[t] = model.attn_flops - before
            diffs[t] = float(xp.max(xp.abs(full - emitted[: t + 1])))
            if (t + 1) % chunk == 0 or t == n - 1:
                yield Frame(
                    0.95 * (t + 1) / n,
                    f"token {t + 1}/{n}: max |cached - recomputed| so far {diffs[: t + 1].max():.2g}",
                    self._series(lengths[: t + 1], cached_flops[: t + 1], full_flops[: t + 1]),
                )

        series = self._series(lengths, cached_flops, full_flops)
        yield Frame(1.0, "done", series, self._verdict(lengths, cached_flops, full_flops, diffs))

    @staticmethod
    def _series(lengths: np.ndarray, cached: np.ndarray, full: np.ndarray) -> tuple[Series, ...]:
        return (Series.of("KV cache", lengths, cached), Series.of("recompute prefix", lengths, full))

    @staticmethod
    def _verdict(lengths: np.ndarray, cached: np.ndarray, full: np.ndarray, diffs: np.ndarray) -> Verdict:
        """Holds when every step matches within EXACT and the slopes are ~1 (cached) and ~2 (recompute)."""
        worst = float(diffs.max())
        cached_slope, full_slope = fit_slope(lengths, cached), fit_slope(lengths, full)
        same = worst < EXACT
        slopes_ok = abs(cached_slope - 1) < SLOPE_TOL and abs(full_slope - 2) < SLOPE_TOL
        n = int(lengths[-1])
        summary = (
            f"max |cached - recomputed| = {worst:.2g} ({'within' if same else 'above'} {EXACT:g}); "
            f"attention FLOPs per token grow as t^{cached_slope:.2f} cached vs "
            f"t^{full_slope:.2f} recomputed; "
            f"token {n}: {cached[-1]:.3g} vs {full[-1]:.3g} FLOPs"
        )
        return Verdict(
            same and slopes_ok,
            summary,
            {
                "tokens": n,
                "max_abs_diff": worst,
                "first_step_diverging": int(np.argmax(diffs >= EXACT)) + 1 if not same else 0,
                "cached_flops_slope": float(cached_slope),
                "recompute_flops_slope": float(full_slope),
                "cached_flops_last_token": int(cached[-1]),
                "recompute_flops_last_token": int(full[-1]),
                "cached_flops_total": int(cached.sum()),
                "recompute_flops_total": int(full.sum()),
            },
        )


# ---------------------------------------------------------------------------------------------
# prefill-parallel


class PrefillParams(DecoderParams):
    """Prompt length, timing repeats, and whether each input is the previous output."""

    n: int = Field(128, ge=16, le=512, description="Prompt length (tokens).")
    repeats: int = Field(3, ge=1, le=5, description="Timed runs of each way; the median is kept.")
    feedback: bool = Field(
        False, description="Feed each output back as the next input (generation) instead of the prompt's."
    )


def _timed(fn: Any, xp: Any) -> tuple[float, Any]:
    """Wall time of one call of ``fn()``, with queued device work finished on both sides, and its result.

    Held to one thread, like every timing comparison here (see serving.time_call).
    """
    with limit_threads(1):
        synchronize(xp)
        start = time.perf_counter()
        result = fn()
        synchronize(xp)
        return time.perf_counter() - start, result


@register
class PrefillParallel(Simulation):
    """A prompt through one batched causal pass, against the same decoder fed token by token."""

    timed = frozenset({"batched_ms", "loop_ms", "speedup"})

    id = "prefill-parallel"
    title = "Prefill: a known prompt is processed in one parallel pass"
    claim = (
        "Processing a known prompt in one batched causal pass gives the same outputs (within 1e-10) as "
        "feeding it token by token through a KV-cached loop, and runs more than 3 times faster."
    )
    Params = PrefillParams
    counter = {"feedback": True}
    plot = PlotSpec(x_label="position", y_label="max |batched - loop| over the features", log_y=True)
    explains = (
        "With a causal mask the output at position i depends only on inputs 0..i, all of which are known "
        "when the prompt arrives, so one pass of (n x d) matrix products replaces n passes of (1 x d) "
        "ones and the loop's per-step overhead. Generation is different: each next input is the output "
        "just produced, which the batched pass does not have, so it computes something else; the loop is "
        "the only way, and the outputs disagree."
    )

    def run(self, params: PrefillParams, xp: Any) -> Iterator[Frame]:
        n = params.n
        yield Frame(0.0, f"{n}-token prompt: batched pass vs token-by-token loop")
        rng = np.random.default_rng(params.seed)
        model = Decoder(params.d, params.heads, params.layers, rng, xp)
        prompt = xp.asarray(rng.standard_normal((n, params.d)))  # (n, d)
        prompt /= xp.sqrt(xp.mean(prompt * prompt, axis=1, keepdims=True))  # unit RMS, like every output

        def loop() -> Any:
            cache = model.new_cache(n)
            out = xp.empty((n, params.d))  # (n, d)
            x_t = prompt[:1]  # (1, d)
            for t in range(n):
                out[t : t + 1] = model.step(x_t, t, cache)
                x_t = out[t : t + 1] if params.feedback else prompt[t + 1 : t + 2]
            return out

        batched_times, loop_times = [], []
        batched = model.forward(prompt, True)  # untimed warm-up (thread pool, allocator)
        for r in range(params.repeats):  # interleaved, so both ways see the same machine load
            seconds, batched = _timed(lambda: model.forward(prompt, True), xp)
            batched_times.append(seconds)
            seconds, looped = _timed(loop, xp)
            loop_times.append(seconds)
            yield Frame(
                0.95 * (r + 1) / params.repeats,
                f"run {r + 1}/{params.repeats}: batched {batched_times[-1] * 1e3:.2f} ms, "
                f"loop {seconds * 1e3:.1f} ms",
            )
        batched_s, loop_s = statistics.median(batched_times), statistics.median(loop_times)

        gap = to_host(xp.max(xp.abs(batched - looped), axis=1))  # (n,) per position
        positions = np.arange(n)
        series = (Series.of("max |batched - loop|", positions, np.maximum(gap, 1e-18)),)  # 0 drawn at 1e-18
        worst = float(gap.max())
        speedup = loop_s / batched_s
        same, fast = worst < EXACT, speedup > SPEEDUP
        summary = (
            f"max |batched - loop| = {worst:.2g} ({'within' if same else 'above'} {EXACT:g}); "
            f"batched {batched_s * 1e3:.2f} ms vs loop {loop_s * 1e3:.1f} ms: {speedup:.1f}x faster"
            + ("; the loop fed back its own outputs" if params.feedback else "")
        )
        verdict = Verdict(
            same and fast,
            summary,
            {
                "tokens": n,
                "max_abs_diff": worst,
                "positions_differing": int(np.sum(gap >= EXACT)),
                "batched_ms": batched_s * 1e3,
                "loop_ms": loop_s * 1e3,
                "speedup": float(speedup),
                "feedback": bool(params.feedback),
            },
        )
        yield Frame(1.0, "done", series, verdict)
