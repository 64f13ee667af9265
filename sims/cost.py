"""Cost of attention: its time is quadratic in n, its memory need not be, and the trick is exact.

``attention-quadratic-cost`` times the score-and-mix part of attention (QK^T, softmax, AV: 4 n^2 d
FLOPs) over a range of n and fits the log-log slope (Vaswani et al. 2017, "Attention Is All You
Need", sec. 4 and Table 1: O(n^2 d) per self-attention layer against O(n d^2) for the projections).
``tiled-attention-memory`` measures the peak memory of naive attention against attention computed
in key blocks with an online softmax, the memory side of FlashAttention (Dao et al. 2022,
"FlashAttention", sec. 3.1). ``online-softmax-exactness``, in :mod:`sims.online`, checks the running max /
running sum recurrence that makes the blocks exact.
"""

from __future__ import annotations

import gc
import math
import time
import tracemalloc
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Literal

import numpy as np
from pydantic import Field, model_validator

from ._words import sci
from .backend import synchronize, to_host
from .core import Frame, PlotSpec, Probe, Series, SimParams, Simulation, Verdict, fit_slope
from .kernels import attention, attention_weights, limit_threads, tiled_attention
from .registry import register

QUADRATIC = (1.5, 2.5)
"""The fitted time slope counts as quadratic inside this range: 2 is its nearest whole exponent.
A narrower band measured the machine more than the algorithm: per-call overhead pulls a fast
CPU's slope below 1.6 at small n, cache contention pushes a loaded one above 2.4 at large n."""
MAX_FLOPS = 2e11
"""Largest total of counted FLOPs one run of attention-quadratic-cost may time (all n, all repeats)."""
EQUAL_TOL = 1e-10
"""Tiled and naive attention count as equal below this max abs difference (float64)."""
LINEAR_MAX, QUADRATIC_MIN = 1.3, 1.7
"""Peak-memory slopes: tiled must stay below LINEAR_MAX, naive above QUADRATIC_MIN."""
MULTI_BLOCK = 2
"""The tiled slope is fitted over the lengths with n >= MULTI_BLOCK x block, where the one live tile is
n x block; below that the single tile is n x n, quadratic, like naive attention."""


def sizes(n_min: int, n_max: int, points: int) -> list[int]:
    """``points`` sequence lengths spaced geometrically from n_min to n_max, distinct integers."""
    return sorted({round(n_min * (n_max / n_min) ** (i / (points - 1))) for i in range(points)})


class _Range(SimParams):
    """Shared check: the n range must be a real range."""

    @model_validator(mode="after")
    def _ordered(self) -> _Range:
        if self.n_max <= self.n_min:  # type: ignore[attr-defined]
            raise ValueError("n_max must be larger than n_min")
        return self


# ---------------------------------------------------------------------------------------- time


class CostParams(_Range):
    """Which part of a layer is timed, at which width d, over which lengths n."""

    part: Literal["scores", "layer"] = Field(
        "scores",
        description=r"'scores': $QK^\top$, softmax, $AV$ only; 'layer': plus the $Q$, $K$, $V$, $O$ projections.",
    )
    d: int = Field(64, ge=8, le=1024, description="Model (= head) width $d$.")
    n_min: int = Field(256, ge=16, le=8192, description="Shortest sequence timed ($n$, tokens).")
    n_max: int = Field(
        2048,
        ge=32,
        le=16384,
        description="Longest sequence timed ($n$, tokens; on a GPU, use 4096..16384 to fill the device).",
    )
    points: int = Field(4, ge=2, le=8, description="Number of lengths, spaced geometrically.")
    repeats: int = Field(5, ge=1, le=9, description="Timed runs per length (the fastest is kept).")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="Seed for the random inputs and weights.")

    @model_validator(mode="after")
    def _short(self) -> CostParams:
        ns = sizes(self.n_min, self.n_max, self.points)
        total = self.repeats * sum(sum(flops(n, self.d, self.part)) for n in ns)
        if total > MAX_FLOPS:
            raise ValueError(f"{total:.2g} FLOPs to time, over {MAX_FLOPS:.0e}: lower d, n or repeats")
        return self


def flops(n: int, d: int, part: str) -> tuple[int, int]:
    """Counted multiply-add FLOPs (projections, scores) of one forward pass of the timed part.

    Scores and mix: QK^T and AV, each 2 n^2 d. Projections: Q, K, V, O, each 2 n d^2 (0 for 'scores').
    """
    return (8 * n * d * d if part == "layer" else 0), 4 * n * n * d


@register
class AttentionQuadraticCost(Simulation):
    """Times attention at fixed d over a range of n and fits the exponent of the time."""

    timed = frozenset({"time_slope", "seconds_at_n_min", "seconds_at_n_max", "gflops_per_s_at_n_max"})

    id = "attention-quadratic-cost"
    title = "Attention time grows as $n^2$"
    claim = (
        r"At fixed width $d$, once $n$ is large enough for the work to dominate per-call overhead ($n \ge 256$ "
        r"at $d = 64$ on a CPU), the measured time of attention's score-and-mix part ($QK^\top$, softmax, "
        "$AV$) grows as $n^2$: its log-log slope against the sequence length $n$ is nearest to 2 (between "
        "1.5 and 2.5)."
    )
    Params = CostParams
    counter = {"n_min": 16, "n_max": 64}
    quantities = {
        "part": "part timed",
        "d": "width $d$",
        "n_min": "shortest length $n$ (tokens)",
        "n_max": "longest length $n$ (tokens)",
        "time_slope": "measured time: log-log slope in $n$",
        "flop_slope": "counted FLOPs: log-log slope in $n$",
        "seconds_at_n_min": "time at the shortest $n$ (s)",
        "seconds_at_n_max": "time at the longest $n$ (s)",
        "flops_scores_at_n_max": "score-and-mix FLOPs at the longest $n$",
        "flops_projections_at_n_max": "projection FLOPs at the longest $n$",
        "scores_flop_share_at_n_max": "score-and-mix share of the FLOPs at the longest $n$",
        "gflops_per_s_at_n_max": "rate at the longest $n$ (GFLOP/s)",
        "blas_single_thread": "BLAS held to one thread",
    }
    probes = (
        Probe(
            {"n_min": 1024, "n_max": 4096, "points": 3, "repeats": 2},
            True,
            "longer sequences: the n^2 d work dwarfs any fixed cost, the slope nears 2",
        ),
        Probe(
            {"d": 8, "n_min": 512, "n_max": 4096, "points": 3, "repeats": 3},
            True,
            "a narrow head: exp over the n^2 scores still dominates, quadratic in n",
        ),
        Probe(
            {"d": 1024, "n_min": 256, "n_max": 1024, "points": 3, "repeats": 2},
            True,
            "a wide head: 4 n^2 d grows as n^2 at any fixed d",
        ),
        Probe(
            {"part": "layer", "d": 1024, "n_min": 32, "n_max": 256},
            False,
            "a whole layer at n << d: the 8 n d^2 projections dominate and the time grows about linearly",
        ),
    )
    # An H200 timed n = 256..2048 flat (slope -0.05): launch-bound, not yet full. Over 4096..16384 it
    # fitted 1.45-1.73 (still filling up at 4096); the forward alone took 1.39 ms at 8192 and 5.3-5.5
    # ms at 16384, a slope of 1.9-2.0, so the GPU setting times those two lengths.
    gpu_params = {"n_min": 8192, "n_max": 16384, "points": 2, "repeats": 2}
    plot = PlotSpec(
        x_label="sequence length $n$ (tokens)", y_label="seconds", log_x=True, log_y=True, x_integer=True
    )
    explains = (
        r"Every query is scored against every key and mixes every value, so $QK^\top$ and $AV$ cost $4n^2d$ FLOPs "
        "and a measured time that quadruples when n doubles. The slope is fitted to real timings (the "
        "fastest of the repeats, BLAS on one thread); the FLOP lines convert the counted work to seconds "
        "at the measured rate. Below a few hundred tokens a call does so little work that its fixed cost "
        "(Python, dispatch, allocation: microseconds) dominates, and the time barely grows with $n$: the "
        "counter times $n = 16..64$ and finds a slope far below 2. A whole layer also projects $Q$, $K$, $V$ "
        r"and $O$ at $8nd^2$ FLOPs: at $d = 1024$ and $n \le 256$ that linear term dominates, so 'attention "
        r"is quadratic' is about $n \gg d$ as well."
    )

    def measure(self, params: CostParams, xp: Any) -> Iterator[Frame]:
        ns, d, part = sizes(params.n_min, params.n_max, params.points), params.d, params.part
        yield Frame(0.0, f"timing {part} at $d = {d}$ for $n = {ns[0]}..{ns[-1]}$")
        rng = np.random.default_rng(params.seed)
        w = rng.standard_normal((4, d, d), dtype=np.float32) / np.float32(math.sqrt(d))  # (4, d, d)
        w = xp.asarray(w)  # W_Q, W_K, W_V, W_O

        def forward(x: Any) -> Any:
            """The timed part on input x (n, d)."""
            if part == "scores":
                return attention(x, x, x, xp)  # (n, d)
            return attention(x @ w[0], x @ w[1], x @ w[2], xp) @ w[3]  # (n, d)

        xs = [xp.asarray(rng.standard_normal((n, d), dtype=np.float32)) for n in ns]  # (n, d) per n
        runs: list[list[float]] = [[] for _ in ns]
        work = [sum(flops(n, d, part)) for n in ns]  # counted FLOPs per call: progress by work done
        total, done = (params.repeats + 1) * sum(work), 0
        with limit_threads(1) as limited:  # serial: no split matmul for a busy core to stall, no bent slope
            for n, x, cost in zip(ns, xs, work, strict=True):
                forward(x)  # warm-up: first-touch allocations are not the cost being timed
                done += cost
                yield Frame(0.9 * done / total, f"warm-up at $n = {n}$")
            synchronize(xp)
            for r in range(params.repeats):  # round-robin over n, so a burst of load hits every n alike
                for n, x, seconds, cost in zip(ns, xs, runs, work, strict=True):
                    start = time.perf_counter()
                    forward(x)
                    synchronize(xp)
                    seconds.append(time.perf_counter() - start)
                    done += cost
                    # the fastest run: noise from other work on the machine only ever adds time
                    times = [min(t) for t in runs if t]
                    if done < total:
                        message = (
                            f"round {r + 1}/{params.repeats}: $n = {n}$ took {seconds[-1] * 1000:.2f} ms"
                        )
                        yield Frame(
                            0.9 * done / total, message, self._series(ns[: len(times)], times, d, part)
                        )

        times = [min(t) for t in runs]
        slope = fit_slope(ns, times)
        proj, scores = flops(ns[-1], d, part)
        flop_slope = fit_slope(ns, work)
        share = scores / (proj + scores)
        measured = {
            "part": part,
            "d": d,
            "n_min": ns[0],
            "n_max": ns[-1],
            "time_slope": float(slope),
            "flop_slope": float(flop_slope),
            "seconds_at_n_min": float(times[0]),
            "seconds_at_n_max": float(times[-1]),
            "flops_scores_at_n_max": int(scores),
            "flops_projections_at_n_max": int(proj),
            "scores_flop_share_at_n_max": float(share),
            "gflops_per_s_at_n_max": float((proj + scores) / times[-1] / 1e9),
            "blas_single_thread": bool(limited and xp is np),
        }
        yield Frame(1.0, "measured", self._series(ns, times, d, part), measured=measured)

    def decide(self, measured: Mapping[str, Any], params: CostParams) -> Verdict:
        """Holds when the fitted time exponent is nearest to 2."""
        slope = float(measured["time_slope"])
        holds = QUADRATIC[0] <= slope <= QUADRATIC[1]
        why = ""
        if slope < QUADRATIC[0] and float(measured["scores_flop_share_at_n_max"]) < 0.5:
            why = (
                f"; the time grows far slower than $n^2$: the linear $8nd^2$ projections are "
                f"{1 - measured['scores_flop_share_at_n_max']:.0%} of the work at $n = {measured['n_max']}$"
            )
        elif slope < QUADRATIC[0]:
            why = (
                f"; the time grows far slower than $n^2$: at $n = {measured['n_min']}..{measured['n_max']}$ a "
                f"call takes {measured['seconds_at_n_min'] * 1e6:.0f}..{measured['seconds_at_n_max'] * 1e6:.0f} µs, "
                "so its fixed per-call cost still outweighs the $n^2$ work"
            )
        elif slope > QUADRATIC[1]:
            why = "; the time grows faster than $n^2$: the machine, not the algorithm (cache spills or load)"
        summary = (
            f"time slope {slope:.2f} over $n = {measured['n_min']}..{measured['n_max']}$ at $d = {measured['d']}$ "
            f"({measured['part']}); counted-FLOP slope {measured['flop_slope']:.2f}, scores are "
            f"{measured['scores_flop_share_at_n_max']:.0%} of the FLOPs at $n = {measured['n_max']}$" + why
        )
        return Verdict(holds, summary, dict(measured))

    @staticmethod
    def _series(ns: list[int], times: list[float], d: int, part: str) -> tuple[Series, ...]:
        """Measured seconds (fastest so far), and each counted FLOP term in seconds at the rate at n_max."""
        rate = sum(flops(ns[-1], d, part)) / times[-1]  # FLOP/s
        lines = [Series.of(f"measured ({part})", ns, times)]
        counted = [flops(n, d, part) for n in ns]  # (projections, scores) per n
        lines.append(Series.of(r"scores $4n^2d$ FLOPs $\div$ rate", ns, [c[1] / rate for c in counted]))
        if part == "layer":
            lines.append(
                Series.of(r"projections $8nd^2$ FLOPs $\div$ rate", ns, [c[0] / rate for c in counted])
            )
        return tuple(lines)


# -------------------------------------------------------------------------------------- memory


def naive_attention(q: Any, k: Any, v: Any, xp: Any) -> Any:
    """Attention through the whole (n_q, n_k) probability matrix: -> (n_q, d_v)."""
    return attention_weights(q, k, xp) @ v


def peak_bytes(xp: Any, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[int, Any]:
    """(peak extra bytes allocated while fn(*args, **kwargs) runs, its result): tracemalloc or CuPy's pool.

    tracemalloc is process-wide: allocations by other threads during the call count too.
    """
    if xp is np:
        started, collecting = not tracemalloc.is_tracing(), gc.isenabled()
        gc.collect()
        gc.disable()  # a collection mid-call would free unrelated objects and blur the peak
        if started:
            tracemalloc.start()
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        try:
            result = fn(*args, **kwargs)
            peak = tracemalloc.get_traced_memory()[1] - base
        finally:
            if started:
                tracemalloc.stop()
            if collecting:
                gc.enable()
        return peak, result
    pool = xp.get_default_memory_pool()

    class _Peak(xp.cuda.MemoryHook):
        name = "peak"

        def __init__(self) -> None:
            self.peak = pool.used_bytes()

        def malloc_postprocess(self, **_: Any) -> None:
            self.peak = max(self.peak, pool.used_bytes())

    base = pool.used_bytes()
    with _Peak() as hook:
        result = fn(*args, **kwargs)
        synchronize(xp)
    return hook.peak - base, result


class MemoryParams(_Range):
    """Lengths, width and the key-block size of the tiled version."""

    n_min: int = Field(256, ge=64, le=4096, description="Shortest sequence measured ($n$, tokens).")
    n_max: int = Field(
        2048,
        ge=128,
        le=8192,
        description=r"Longest sequence ($n$, tokens; naive needs about $2 \cdot 8n^2$ bytes).",
    )
    points: int = Field(4, ge=2, le=6, description="Number of lengths, spaced geometrically.")
    d: int = Field(16, ge=1, le=64, description="Width $d$ of queries, keys and values.")
    block: int = Field(
        128,
        ge=1,
        le=8192,
        description=r"Keys per block of the tiled version ($\text{block} \ge n$: a single block).",
    )
    seed: int = Field(0, ge=0, le=2**31 - 1, description="Seed for the random $q$, $k$, $v$.")

    @model_validator(mode="after")
    def _blocks(self) -> MemoryParams:
        if self.n_max / self.block > 512:
            raise ValueError("at most 512 key blocks per run: raise block or lower n_max")
        return self


@register
class TiledAttentionMemory(Simulation):
    """Measures peak memory of naive versus key-blocked online-softmax attention across n."""

    id = "tiled-attention-memory"
    title = "Tiled attention: exact, with memory linear in $n$"
    claim = (
        "Attention computed over key blocks of fixed size with an online softmax equals naive attention "
        "(max abs difference below $10^{-10}$ in float64) while, for $n$ of at least two blocks, its peak "
        "memory grows linearly in $n$ (log-log slope below 1.3) where the naive version's grows as $n^2$ "
        "(slope above 1.7)."
    )
    Params = MemoryParams
    counter = {"block": 8192}
    headline = "tiled_over_naive_at_n_max"
    quantities = {
        "max_abs_diff": r"largest $|\text{tiled} - \text{naive}|$",
        "tiled_slope": "tiled peak memory: log-log slope in $n$",
        "tiled_slope_from_n": "tiled slope fitted from $n$ (tokens)",
        "multi_block_lengths": "lengths that span at least two blocks",
        "naive_slope": "naive peak memory: log-log slope in $n$",
        "naive_peak_bytes_at_n_max": "naive peak memory at the longest $n$ (bytes)",
        "tiled_peak_bytes_at_n_max": "tiled peak memory at the longest $n$ (bytes)",
        "tiled_over_naive_at_n_max": "tiled ÷ naive memory at the longest $n$",
        "blocks_at_n_max": "key blocks at the longest $n$",
        "n_max": "longest length $n$ (tokens)",
    }
    probes = (
        Probe({"block": 512}, True, "n = 1024 and 2048 span 2 and 4 blocks: one n x 512 tile, linear in n"),
        Probe(
            {"block": 1024},
            False,
            "only n = 2048 spans two blocks; at the other lengths the single tile is n x n, quadratic",
        ),
        Probe({"n_min": 64, "n_max": 128, "points": 2, "block": 32}, True, "tiny n, still 2 to 4 blocks"),
        Probe(
            {"d": 1, "block": 1, "n_min": 64, "n_max": 256, "points": 3},
            True,
            "one key per block, width 1: the running max and sum carry everything, memory O(n)",
        ),
    )
    plot = PlotSpec(
        x_label="sequence length $n$ (tokens)",
        y_label="peak extra memory (bytes)",
        log_x=True,
        log_y=True,
        x_integer=True,
    )
    explains = (
        r"Naive attention holds the whole $n \times n$ score matrix, so its memory grows as $n^2$. Walking the "
        "keys in blocks of fixed size, with a running max and sum that rescale what came before, holds one "
        r"$n \times \text{block}$ tile at a time and gives the same output to round-off: memory grows as $n$. "
        "Peak memory is measured (tracemalloc, or CuPy's pool), not counted, and the tiled slope is fitted "
        "where $n$ spans at least two blocks. With one block as long as the sequence the 'tiled' version "
        r"holds $n \times n$ scores again and its memory is quadratic."
    )

    def measure(self, params: MemoryParams, xp: Any) -> Iterator[Frame]:
        ns, d = sizes(params.n_min, params.n_max, params.points), params.d
        yield Frame(0.0, f"measuring peak memory for $n = {ns[0]}..{ns[-1]}$, block {params.block}")
        rng = np.random.default_rng(params.seed)
        naive_peak: list[int] = []
        tiled_peak: list[int] = []
        worst = 0.0
        with limit_threads(1):  # memory-bound matmuls; one thread cannot be stalled by a busy core
            warm = xp.asarray(np.random.default_rng(params.seed).standard_normal((ns[0], d)))  # (n_min, d)
            peak_bytes(xp, naive_attention, warm, warm, warm, xp)  # untraced warm-up: a process's first call
            peak_bytes(xp, tiled_attention, warm, warm, warm, xp, block=params.block)  # allocates lazily
            for i, n in enumerate(ns):
                q, k, v = (xp.asarray(rng.standard_normal((n, d))) for _ in range(3))  # (n, d) float64
                peak, naive = peak_bytes(xp, naive_attention, q, k, v, xp)  # (n, d)
                naive_peak.append(peak)
                peak, tiled = peak_bytes(xp, tiled_attention, q, k, v, xp, block=params.block)  # (n, d)
                tiled_peak.append(peak)
                worst = max(worst, float(to_host(xp.max(xp.abs(tiled - naive)))))
                del naive, tiled
                series = self._series(ns[: i + 1], naive_peak, tiled_peak)
                message = f"$n = {n}$: naive {naive_peak[-1] / 2**20:.1f} MiB, tiled {peak / 2**20:.2f} MiB"
                yield Frame(0.05 + 0.9 * (i + 1) / len(ns), message, series)

        multi = [i for i, n in enumerate(ns) if n >= MULTI_BLOCK * params.block]  # lengths of >= 2 blocks
        fit = multi if len(multi) >= 2 else list(range(len(ns)))  # too few: the slope over every length
        tiled_slope = fit_slope([ns[i] for i in fit], [tiled_peak[i] for i in fit])
        naive_slope = fit_slope(ns, naive_peak)
        ratio = tiled_peak[-1] / naive_peak[-1]
        measured = {
            "max_abs_diff": worst,
            "tiled_slope": float(tiled_slope),
            "tiled_slope_from_n": int(ns[fit[0]]),
            "multi_block_lengths": len(multi),
            "naive_slope": float(naive_slope),
            "naive_peak_bytes_at_n_max": int(naive_peak[-1]),
            "tiled_peak_bytes_at_n_max": int(tiled_peak[-1]),
            "tiled_over_naive_at_n_max": float(ratio),
            "blocks_at_n_max": math.ceil(ns[-1] / params.block),
            "n_max": ns[-1],
        }
        yield Frame(1.0, "measured", self._series(ns, naive_peak, tiled_peak), measured=measured)

    def decide(self, measured: Mapping[str, Any], params: MemoryParams) -> Verdict:
        """Holds when the outputs agree and the peaks scale linearly (tiled) and quadratically (naive)."""
        worst = float(measured["max_abs_diff"])
        tiled, naive = float(measured["tiled_slope"]), float(measured["naive_slope"])
        equal, linear, quadratic = worst < EQUAL_TOL, tiled < LINEAR_MAX, naive > QUADRATIC_MIN
        reasons = []
        if not equal:
            reasons.append("the outputs differ")
        if not linear:
            few = int(measured["multi_block_lengths"]) < 2
            reasons.append(
                "tiled memory is not linear: "
                + (
                    r"a block covers the sequence at most lengths, so the one tile is $n \times n$"
                    if few
                    else "it grows faster than $n$"
                )
            )
        if not quadratic:
            reasons.append("naive memory does not grow as $n^2$ here")
        summary = (
            rf"max $|\text{{tiled}} - \text{{naive}}|$ = {sci(worst)}; peak-memory slope tiled {tiled:.2f} "
            rf"($n \ge {measured['tiled_slope_from_n']}$), naive {naive:.2f}; at $n = {measured['n_max']}$ tiled needs "
            f"{measured['tiled_over_naive_at_n_max']:.1%} of naive's memory"
            + ("" if not reasons else "; fails: " + "; ".join(reasons))
        )
        return Verdict(bool(equal and linear and quadratic), summary, dict(measured))

    @staticmethod
    def _series(ns: list[int], naive: list[int], tiled: list[int]) -> tuple[Series, ...]:
        """Measured peaks so far, and the n×n float64 score matrix for scale."""
        done = ns[: len(naive)]
        return (
            Series.of("naive (measured)", done, naive),
            Series.of("tiled, online softmax (measured)", done, tiled),
            Series.of(r"one $n \times n$ float64 matrix", done, [8 * n * n for n in done]),
        )
