"""Decoding: what a KV cache saves, and why a prompt is read in one pass but generated one token at a time.

Both simulations drive the same small decoder: a stack of multi-head self-attention layers with random
float64 weights, each ``x -> rmsnorm(x + Attn(x) W_o)`` (Vaswani et al. 2017, "Attention is all you
need", sec. 3.2; causal masking in the decoder, sec. 3.2.3). It runs two ways:

* ``forward``: every position at once, with a causal (or, for the counter, bidirectional) mask;
* ``step``: one token at a time, appending its keys and values to a per-layer cache and letting the
  new query attend to everything cached (the "KV cache" of autoregressive decoding, e.g. Pope et al.
  2022, "Efficiently scaling transformer inference", sec. 2).

``kv-cache-equivalence`` checks the two agree at every step (measured) and counts the attention FLOPs
each spends per new token from the shapes of the products it runs (counted, not timed).
``prefill-parallel`` times a whole prompt through ``forward`` against the ``step`` loop.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
from pydantic import Field, model_validator

from ._words import plural, sci
from .backend import synchronize, to_host
from .core import Frame, PlotSpec, Probe, Series, SimParams, Simulation, Verdict, fit_slope
from .kernels import attention, limit_threads
from .registry import register

EXACT = 1e-10
"""Largest absolute difference between the two ways of decoding that still counts as the same output."""
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

    d: int = Field(32, ge=4, le=128, description="Model width $d$ (split evenly across the heads).")
    heads: int = Field(2, ge=1, le=8, description="Attention heads per layer.")
    layers: int = Field(2, ge=1, le=4, description="Attention layers stacked ($L$).")
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

    n: int = Field(128, ge=8, le=256, description="Tokens decoded ($n$).")
    causal: bool = Field(True, description="Causal mask; False lets every position see later ones too.")


@register
class KvCacheEquivalence(Simulation):
    """Cached decoding against recomputing the whole prefix, output by output and FLOP by FLOP."""

    id = "kv-cache-equivalence"
    title = "A KV cache: same outputs, linear instead of quadratic attention work per token"
    claim = (
        "Decoding a causal attention decoder with a KV cache gives the same outputs (within $10^{-10}$) as "
        "recomputing the whole prefix at every step, while the attention FLOPs it spends on token $t$, "
        "counted from the products it runs, are $4dLt$ (linear in $t$) against $4dL \\cdot t(t+1)/2$ "
        "(quadratic) for the recomputation."
    )
    quantities = {
        "tokens": "tokens decoded",
        "causal": "causal mask",
        "max_abs_diff": r"largest $|\text{cached} - \text{recomputed}|$",
        "first_step_diverging": "first token where they differ (0: none)",
        "cached_flops_off_closed_form": "cached FLOPs off $4dLt$, worst token",
        "recompute_flops_off_closed_form": r"recompute FLOPs off $4dL \cdot t(t+1)/2$, worst token",
        "cached_flops_slope_upper_half": "cached FLOPs: log-log slope in $t$ (upper half)",
        "recompute_flops_slope_upper_half": "recompute FLOPs: log-log slope in $t$ (upper half)",
        "cached_flops_last_token": "cached attention FLOPs for the last token",
        "recompute_flops_last_token": "recompute attention FLOPs for the last token",
        "cached_flops_total": "cached attention FLOPs, all tokens",
        "recompute_flops_total": "recompute attention FLOPs, all tokens",
    }
    Params = CacheParams
    counter = {"causal": False}
    probes = (
        Probe(
            {"n": 8}, True, "the counts equal t and t(t+1)/2 exactly at any n; a slope fit at n = 8 would not"
        ),
        Probe(
            {"n": 256, "layers": 4, "heads": 8}, True, "causality makes each cached row final, at any depth"
        ),
        Probe({"d": 4, "heads": 1, "layers": 1, "n": 8}, True, "the smallest decoder: one head of width 4"),
        Probe(
            {"causal": False, "n": 8},
            False,
            "bidirectional: token 0's output changes when token 1 arrives, so the frozen cache is stale",
        ),
    )
    plot = PlotSpec(
        x_label="prefix length $t$ (tokens)",
        y_label="attention FLOPs for token $t$ (counted)",
        log_x=True,
        log_y=True,
        x_integer=True,
        y_integer=True,
    )
    explains = (
        "Under a causal mask position i never sees anything after it, so its keys, values and output are "
        "final once computed: caching the keys and values and scoring only the new query against them "
        "reproduces the full recomputation to round-off (measured). The FLOPs are counted from the shapes "
        "of the attention products each way actually runs, not timed: $4dt$ per layer for token $t$ with "
        r"the cache against $4d \cdot t(t+1)/2$ for recomputing the prefix, and the run checks both counts "
        "against these closed forms exactly (a slope fitted to $t(t+1)/2$ at small $t$ would read below 2). "
        "With a bidirectional mask earlier outputs change whenever a token arrives, so what the cache froze "
        "is stale and the outputs disagree; the recomputation then scores all $t^2$ pairs."
    )

    def measure(self, params: CacheParams, xp: Any) -> Iterator[Frame]:
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
                    rf"token {t + 1}/{n}: max $|\text{{cached}} - \text{{recomputed}}|$ so far "
                    f"{sci(diffs[: t + 1].max())}",
                    self._series(lengths[: t + 1], cached_flops[: t + 1], full_flops[: t + 1]),
                )

        series = self._series(lengths, cached_flops, full_flops)
        per_layer = 4 * params.d * params.layers  # 4 d L: FLOPs per scored (query, key) pair over the stack
        linear = per_layer * lengths  # (n,) 4 d L t
        quadratic = per_layer * lengths * (lengths + 1) // 2  # (n,) 4 d L t(t+1)/2
        upper = lengths >= max(2, n // 2)  # (m,) the upper half of t, where t(t+1)/2 is close to t^2/2
        worst = float(diffs.max())
        measured = {
            "tokens": n,
            "causal": bool(causal),
            "max_abs_diff": worst,
            "first_step_diverging": int(np.argmax(diffs >= EXACT)) + 1 if worst >= EXACT else 0,
            "cached_flops_off_closed_form": int(np.abs(cached_flops - linear).max()),
            "recompute_flops_off_closed_form": int(np.abs(full_flops - quadratic).max()),
            "cached_flops_slope_upper_half": float(fit_slope(lengths[upper], cached_flops[upper])),
            "recompute_flops_slope_upper_half": float(fit_slope(lengths[upper], full_flops[upper])),
            "cached_flops_last_token": int(cached_flops[-1]),
            "recompute_flops_last_token": int(full_flops[-1]),
            "cached_flops_total": int(cached_flops.sum()),
            "recompute_flops_total": int(full_flops.sum()),
        }
        yield Frame(1.0, "measured", series, measured=measured)

    @staticmethod
    def _series(lengths: np.ndarray, cached: np.ndarray, full: np.ndarray) -> tuple[Series, ...]:
        return (
            Series.of("KV cache (counted)", lengths, cached),
            Series.of("recompute prefix (counted)", lengths, full),
        )

    def decide(self, measured: Mapping[str, Any], params: CacheParams) -> Verdict:
        """Holds when every step matches within EXACT and both FLOP counts equal their closed forms."""
        worst = float(measured["max_abs_diff"])
        same = worst < EXACT
        counts_ok = (
            measured["cached_flops_off_closed_form"] == 0 and measured["recompute_flops_off_closed_form"] == 0
        )
        holds = bool(same and counts_ok)
        why = ""
        if not same:
            why = (
                f"; outputs diverge from step {measured['first_step_diverging']}: earlier positions see the new "
                "token, so the cached keys and values are stale"
            )
        elif not counts_ok:
            why = r"; the counted FLOPs are not $4dLt$ and $4dL \cdot t(t+1)/2$"
        summary = (
            f"{'causal' if measured['causal'] else 'bidirectional'}: max "
            rf"$|\text{{cached}} - \text{{recomputed}}|$ = {sci(worst)} "
            f"({'within' if same else 'above'} {sci(EXACT)}); counted attention FLOPs for token "
            f"{measured['tokens']}: {sci(measured['cached_flops_last_token'], 3)} cached vs "
            f"{sci(measured['recompute_flops_last_token'], 3)} recomputed, "
            f"{'equal to' if counts_ok else 'not'} $4dLt$ and $4dL \\cdot t(t+1)/2$ at every $t$ (upper-half slopes "
            f"{measured['cached_flops_slope_upper_half']:.2f} and {measured['recompute_flops_slope_upper_half']:.2f})"
            + why
        )
        return Verdict(holds, summary, dict(measured))


# ---------------------------------------------------------------------------------------------
# prefill-parallel


class PrefillParams(DecoderParams):
    """Prompt length, timing repeats, and whether each input is the previous output."""

    n: int = Field(128, ge=16, le=512, description="Prompt length $n$ (tokens).")
    repeats: int = Field(3, ge=1, le=5, description="Timed runs of each way; the fastest is kept.")
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

    timed = frozenset({"batched_ms", "loop_ms", "batched_route_ms", "speedup"})

    id = "prefill-parallel"
    title = "Prefill: a known prompt is processed in one parallel pass"
    claim = (
        "Processing a known prompt in one batched causal pass gives the same outputs (within $10^{-10}$) as "
        "feeding it token by token through a KV-cached loop, and runs more than 3 times faster."
    )
    Params = PrefillParams
    counter = {"feedback": True}
    quantities = {
        "tokens": "prompt tokens",
        "feedback": "each input is the previous output",
        "max_abs_diff": r"largest $|\text{batched} - \text{loop}|$",
        "positions_differing": "positions that differ",
        "batched_ms": "batched pass (ms)",
        "loop_ms": "token-by-token loop (ms)",
        "batched_route_ms": "batched route, inputs included (ms)",
        "speedup": "loop ÷ batched route (times faster)",
        "pass_on_prompt_only_max_diff": r"largest $|\text{batched} - \text{loop}|$ on the prompt alone",
    }
    probes = (
        Probe({"n": 16}, True, "even 16 tokens: one pass replaces 16 steps of per-step overhead (~10x)"),
        Probe(
            {"n": 512, "repeats": 1}, True, "the loop's cost grows with n steps, the pass's far more slowly"
        ),
        Probe(
            {"d": 4, "heads": 1, "layers": 1, "n": 16}, True, "a tiny decoder: all per-step overhead, no work"
        ),
        Probe(
            {"feedback": True, "n": 16},
            False,
            "generation: inputs exist only after the loop made them, so the pass can only follow it",
        ),
    )
    plot = PlotSpec(
        x_label="position",
        y_label=r"max $|\text{batched} - \text{loop}|$ over the features",
        log_y=True,
        x_integer=True,
    )
    explains = (
        "With a causal mask the output at position $i$ depends only on inputs $0..i$, all of which are known "
        r"when the prompt arrives, so one pass of $n \times d$ matrix products replaces $n$ passes of "
        r"$1 \times d$ ones. At these small sizes the saving is mostly the loop's per-step overhead ($n$ rounds "
        "of Python and small-product dispatch); on an accelerator the same structure turns $n$ memory-bound steps into one "
        "compute-bound pass. Generation is different: each next input is the output just produced. Run "
        "teacher-forced on the inputs the loop generated, the batched pass matches the loop to round-off, "
        "so nothing about the arithmetic forces sequential decoding; what does is that those inputs do not "
        "exist until the loop has produced them. The batched route must therefore wait for the whole loop, "
        "and it is slower, not faster."
    )

    def measure(self, params: PrefillParams, xp: Any) -> Iterator[Frame]:
        n = params.n
        mode = "generation, teacher-forced pass after the loop" if params.feedback else "known prompt"
        yield Frame(0.0, f"{n} tokens ({mode}): batched pass vs token-by-token loop")
        rng = np.random.default_rng(params.seed)
        model = Decoder(params.d, params.heads, params.layers, rng, xp)
        prompt = xp.asarray(rng.standard_normal((n, params.d)))  # (n, d)
        prompt /= xp.sqrt(xp.mean(prompt * prompt, axis=1, keepdims=True))  # unit RMS, like every output

        def loop() -> tuple[Any, Any]:
            """Token by token: (outputs (n, d), the inputs each step was fed (n, d))."""
            cache = model.new_cache(n)
            out = xp.empty((n, params.d))  # (n, d)
            fed = xp.empty((n, params.d))  # (n, d)
            fed[0] = prompt[0]
            for t in range(n):
                out[t : t + 1] = model.step(fed[t : t + 1], t, cache)
                if t + 1 < n:
                    fed[t + 1] = out[t] if params.feedback else prompt[t + 1]
            return out, fed

        batched_times, loop_times = [], []
        _, fed = loop()  # untimed warm-up; in generation it also fixes the inputs, the same every run
        model.forward(fed, True)
        for r in range(params.repeats):  # interleaved, so both ways see the same machine load
            seconds, batched = _timed(
                lambda: model.forward(fed, True), xp
            )  # teacher-forced on the inputs fed
            batched_times.append(seconds)
            seconds, (looped, _) = _timed(loop, xp)
            loop_times.append(seconds)
            yield Frame(
                0.95 * (r + 1) / params.repeats,
                f"run {r + 1}/{params.repeats}: batched {batched_times[-1] * 1e3:.2f} ms, "
                f"loop {seconds * 1e3:.1f} ms",
            )
        batched_s, loop_s = min(batched_times), min(loop_times)  # other work only ever adds time
        # Known prompt: the pass can start at once. Generation: its inputs exist only after the loop.
        route_s = batched_s + (loop_s if params.feedback else 0.0)

        gap = to_host(xp.max(xp.abs(batched - looped), axis=1))  # (n,) per position
        on_prompt = float(to_host(xp.max(xp.abs(model.forward(prompt, True) - looped))))
        positions = np.arange(n)
        series = (  # 0 drawn at 1e-18
            Series.of(r"max $|\text{batched} - \text{loop}|$", positions, np.maximum(gap, 1e-18)),
        )
        measured = {
            "tokens": n,
            "feedback": bool(params.feedback),
            "max_abs_diff": float(gap.max()),
            "positions_differing": int(np.sum(gap >= EXACT)),
            "batched_ms": batched_s * 1e3,
            "loop_ms": loop_s * 1e3,
            "batched_route_ms": route_s * 1e3,
            "speedup": float(loop_s / route_s),
            "pass_on_prompt_only_max_diff": on_prompt,
        }
        yield Frame(1.0, "measured", series, measured=measured)

    def decide(self, measured: Mapping[str, Any], params: PrefillParams) -> Verdict:
        """Holds when the batched outputs match the loop's and the batched route is > SPEEDUP faster."""
        worst, speedup = float(measured["max_abs_diff"]), float(measured["speedup"])
        same, fast = worst < EXACT, speedup > SPEEDUP
        if measured["feedback"]:
            route = (
                f"batched route {measured['batched_route_ms']:.1f} ms (the loop to make the inputs, then "
                f"the pass: {measured['batched_ms']:.2f} ms)"
            )
        else:
            route = f"batched {measured['batched_ms']:.2f} ms"
        why = ""
        if not fast and measured["feedback"]:
            why = (
                "; each input is the previous output, so the pass cannot start before the loop has run: "
                "sequential decoding is forced by unknown inputs, not by the arithmetic"
            )
        elif not fast:
            why = f"; not more than {SPEEDUP:g}× faster"
        if not same:
            why += f"; outputs differ at {plural(measured['positions_differing'], 'position')}"
        summary = (
            rf"max $|\text{{batched}} - \text{{loop}}|$ = {sci(worst)} ({'within' if same else 'above'} "
            f"{sci(EXACT)}); {route} vs loop {measured['loop_ms']:.1f} ms: {speedup:.2f}×" + why
        )
        return Verdict(bool(same and fast), summary, dict(measured))
