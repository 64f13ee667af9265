"""Cost of attention: its time is quadratic in n, its memory need not be, and the trick is exact.

``attention-quadratic-cost`` times the score-and-mix part of attention (QK^T, softmax, AV: 4 n^2 d
FLOPs) over a range of n and fits the log-log slope (Vaswani et al. 2017, "Attention Is All You
Need", sec. 4 and Table 1: O(n^2 d) per self-attention layer against O(n d^2) for the projections).
``tiled-attention-memory`` measures the peak memory of naive attention against attention computed
in key blocks with an online softmax, the memory side of FlashAttention (Dao et al. 2022,
"FlashAttention", sec. 3.1). ``online-softmax-exactness`` checks the running max / running sum
recurrence that makes the blocks exact (Milakov & Gimelshein 2018, "Online normalizer calculation
for softmax", alg. 3).
"""

from __future__ import annotations

import gc
import math
import statistics
import time
import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any, Literal

import numpy as np
from pydantic import Field, model_validator

from .backend import synchronize, to_host
from .core import Frame, PlotSpec, Series, SimParams, Simulation, Verdict, fit_slope
from .kernels import (
    attention,
    attention_weights,
    limit_threads,
    softmax,
    streaming_lse,
    tiled_attention,
)
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
EXACT_REL = 1e-12
"""The streaming softmax is exact when its largest relative error is below this."""


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
        "scores", description="'scores': QK^T, softmax, AV only; 'layer': plus the Q/K/V/O projections."
    )
    d: int = Field(64, ge=8, le=1024, description="Model (= head) width d.")
    n_min: int = Field(256, ge=16, le=8192, description="Shortest sequence timed.")
    n_max: int = Field(
        2048, ge=32, le=16384, description="Longest sequence timed (on a GPU, use 4096..16384 to fill the device)."
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
    title = "Attention time grows as n²"
    claim = (
        "At fixed width d, the measured time of attention's score-and-mix part (QK^T, softmax, AV) grows as "
        "n^2: its log-log slope against the sequence length n lies between 1.5 and 2.5, nearest to 2."
    )
    Params = CostParams
    counter = {"part": "layer", "d": 1024, "n_min": 32, "n_max": 256}
    # An H200 timed n = 256..2048 flat (slope -0.05): launch-bound, not yet full. Over 4096..16384 it
    # fitted 1.45-1.73 (still filling up at 4096); the forward alone took 1.39 ms at 8192 and 5.3-5.5
    # ms at 16384, a slope of 1.9-2.0, so the GPU setting times those two lengths.
    gpu_params = {"n_min": 8192, "n_max": 16384, "points": 2, "repeats": 2}
    plot = PlotSpec(x_label="sequence length n", y_label="seconds", log_x=True, log_y=True)
    explains = (
        "Every query is scored against every key and mixes every value, so QK^T and AV cost 4·n²·d FLOPs "
        "and a measured time that quadruples when n doubles. The slope is fitted to real timings; the "
        "FLOP lines convert the counted work to seconds at the measured rate. A whole layer also projects "
        "Q, K, V and O at 8·n·d² FLOPs: at d = 1024 and n ≤ 256 that linear term dominates, and the "
        "layer's time grows nearly linearly in n, so 'attention is quadratic' is about n ≫ d."
    )

    def run(self, params: CostParams, xp: Any) -> Iterator[Frame]:
        ns, d, part = sizes(params.n_min, params.n_max, params.points), params.d, params.part
        yield Frame(0.0, f"timing {part} at d={d} for n = {ns[0]}..{ns[-1]}")
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
        with limit_threads(1) as limited:  # serial: no split matmul for a busy core to stall, no bent slope
            for x in xs:
                forward(x)  # warm-up: first-touch allocations are not the cost being timed
            synchronize(xp)
            for r in range(params.repeats):  # round-robin over n, so a burst of load hits every n alike
                for x, seconds in zip(xs, runs, strict=True):
                    start = time.perf_counter()
                    forward(x)
                    synchronize(xp)
                    seconds.append(time.perf_counter() - start)
                # the fastest run: noise from other work on the machine only ever adds time
                times = [min(t) for t in runs]
                if r < params.repeats - 1:
                    message = f"round {r + 1}/{params.repeats}: n={ns[-1]} takes {times[-1] * 1000:.2f} ms"
                    series = self._series(ns, times, d, part)
                    yield Frame(0.05 + 0.9 * (r + 1) / params.repeats, message, series)

        slope = fit_slope(ns, times)
        proj, scores = flops(ns[-1], d, part)
        flop_slope = fit_slope(ns, [sum(flops(n, d, part)) for n in ns])
        holds = QUADRATIC[0] <= slope <= QUADRATIC[1]
        share = scores / (proj + scores)
        summary = (
            f"time slope {slope:.2f} over n={ns[0]}..{ns[-1]} at d={d} ({part}); counted-FLOP slope "
            f"{flop_slope:.2f}, scores are {share:.0%} of the FLOPs at n={ns[-1]}"
        )
        measured = {
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
        yield Frame(1.0, "done", self._series(ns, times, d, part), Verdict(holds, summary, measured))

    @staticmethod
    def _series(ns: list[int], times: list[float], d: int, part: str) -> tuple[Series, ...]:
        """Measured seconds (fastest so far), and each counted FLOP term in seconds at the rate at n_max."""
        rate = sum(flops(ns[-1], d, part)) / times[-1]  # FLOP/s
        lines = [Series.of(f"measured ({part})", ns, times)]
        counted = [flops(n, d, part) for n in ns]  # (projections, scores) per n
        lines.append(Series.of("scores 4n²d FLOPs ÷ rate", ns, [c[1] / rate for c in counted]))
        if part == "layer":
            lines.append(Series.of("projections 8nd² FLOPs ÷ rate", ns, [c[0] / rate for c in counted]))
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

    n_min: int = Field(256, ge=64, le=4096, description="Shortest sequence measured.")
    n_max: int = Field(
        2048, ge=128, le=8192, description="Longest sequence (naive needs about 2·8·n² bytes)."
    )
    points: int = Field(4, ge=2, le=6, description="Number of lengths, spaced geometrically.")
    d: int = Field(16, ge=1, le=64, description="Width of queries, keys and values.")
    block: int = Field(
        128, ge=1, le=8192, description="Keys per block of the tiled version (block >= n: a single block)."
    )
    seed: int = Field(0, ge=0, le=2**31 - 1, description="Seed for the random q, k, v.")

    @model_validator(mode="after")
    def _blocks(self) -> MemoryParams:
        if self.n_max / self.block > 512:
            raise ValueError("at most 512 key blocks per run: raise block or lower n_max")
        return self


@register
class TiledAttentionMemory(Simulation):
    """Measures peak memory of naive versus key-blocked online-softmax attention across n."""

    id = "tiled-attention-memory"
    title = "Tiled attention: exact, with memory linear in n"
    claim = (
        "Attention computed over key blocks with an online softmax equals naive attention (max abs "
        "difference below 1e-10 in float64) while its peak memory grows linearly in n (log-log slope "
        "below 1.3) where the naive version's grows as n^2 (slope above 1.7)."
    )
    Params = MemoryParams
    counter = {"block": 8192}
    plot = PlotSpec(x_label="sequence length n", y_label="peak extra memory (bytes)", log_x=True, log_y=True)
    explains = (
        "Naive attention holds the whole n×n score matrix, so its memory grows as n². Walking the keys in "
        "blocks of fixed size, with a running max and sum that rescale what came before, holds one n×block "
        "tile at a time and gives the same output to round-off: memory grows as n. Peak memory is measured "
        "(tracemalloc, or CuPy's pool), not counted. With one block as long as the sequence the 'tiled' "
        "version holds n×n scores again and its memory is quadratic."
    )

    def run(self, params: MemoryParams, xp: Any) -> Iterator[Frame]:
        ns, d = sizes(params.n_min, params.n_max, params.points), params.d
        yield Frame(0.0, f"measuring peak memory for n = {ns[0]}..{ns[-1]}, block {params.block}")
        rng = np.random.default_rng(params.seed)
        naive_peak: list[int] = []
        tiled_peak: list[int] = []
        worst = 0.0
        with limit_threads(1):  # memory-bound matmuls; one thread cannot be stalled by a busy core
            for i, n in enumerate(ns):
                q, k, v = (xp.asarray(rng.standard_normal((n, d))) for _ in range(3))  # (n, d) float64
                peak, naive = peak_bytes(xp, naive_attention, q, k, v, xp)  # (n, d)
                naive_peak.append(peak)
                peak, tiled = peak_bytes(xp, tiled_attention, q, k, v, xp, block=params.block)  # (n, d)
                tiled_peak.append(peak)
                worst = max(worst, float(to_host(xp.max(xp.abs(tiled - naive)))))
                del naive, tiled
                series = self._series(ns[: i + 1], naive_peak, tiled_peak)
                message = f"n={n}: naive {naive_peak[-1] / 2**20:.1f} MiB, tiled {peak / 2**20:.2f} MiB"
                yield Frame(0.05 + 0.9 * (i + 1) / len(ns), message, series)

        naive_slope, tiled_slope = fit_slope(ns, naive_peak), fit_slope(ns, tiled_peak)
        equal = worst < EQUAL_TOL
        holds = equal and tiled_slope < LINEAR_MAX and naive_slope > QUADRATIC_MIN
        ratio = tiled_peak[-1] / naive_peak[-1]
        summary = (
            f"max |tiled - naive| = {worst:.1e}; peak-memory slope tiled {tiled_slope:.2f}, naive "
            f"{naive_slope:.2f}; at n={ns[-1]} tiled needs {ratio:.1%} of naive's memory"
        )
        measured = {
            "max_abs_diff": worst,
            "equal": equal,
            "tiled_slope": float(tiled_slope),
            "naive_slope": float(naive_slope),
            "naive_peak_bytes_at_n_max": int(naive_peak[-1]),
            "tiled_peak_bytes_at_n_max": int(tiled_peak[-1]),
            "tiled_over_naive_at_n_max": float(ratio),
            "blocks_at_n_max": math.ceil(ns[-1] / params.block),
        }
        yield Frame(1.0, "done", self._series(ns, naive_peak, tiled_peak), Verdict(holds, summary, measured))

    @staticmethod
    def _series(ns: list[int], naive: list[int], tiled: list[int]) -> tuple[Series, ...]:
        """Measured peaks so far, and the n×n float64 score matrix for scale."""
        done = ns[: len(naive)]
        return (
            Series.of("naive (measured)", done, naive),
            Series.of("tiled, online softmax (measured)", done, tiled),
            Series.of("one n×n float64 matrix", done, [8 * n * n for n in done]),
        )


# ------------------------------------------------------------------------------------ exactness


class OnlineParams(SimParams):
    """The logits streamed, how they are chunked, and whether the running sum is rescaled."""

    rows: int = Field(32, ge=1, le=256, description="Independent logit vectors (softmax rows).")
    n: int = Field(4096, ge=2, le=65536, description="Logits per row.")
    chunk: int = Field(64, ge=1, le=65536, description="Logits read per step of the streaming pass.")
    magnitude: float = Field(1000.0, gt=0.0, le=1e6, description="Logits are uniform in ±magnitude.")
    rescale: bool = Field(
        True, description="Multiply the running sum by exp(m_old - m_new) whenever the max grows."
    )
    seed: int = Field(0, ge=0, le=2**31 - 1, description="Seed for the logits.")

    @model_validator(mode="after")
    def _small(self) -> OnlineParams:
        if self.rows * self.n > 2**20 or self.n / self.chunk > 4096:
            raise ValueError("rows * n must stay under 2^20 and n / chunk under 4096 steps")
        return self


@register
class OnlineSoftmaxExactness(Simulation):
    """Streams logits through a running max and sum and compares with the two-pass softmax."""

    id = "online-softmax-exactness"
    title = "Online softmax is exact"
    claim = (
        "A softmax whose normaliser is computed in one streaming pass, with a running max and a running "
        "sum rescaled whenever the max grows, equals the two-pass stable softmax to a relative error "
        "below 1e-12, even for logits of magnitude 1000 where a naive exp overflows."
    )
    Params = OnlineParams
    counter = {"rescale": False}
    plot = PlotSpec(x_label="logits streamed", y_label="log-sum-exp of the prefix (row 0)")
    explains = (
        "The two-pass softmax finds the max, then sums exp(x - max). The streaming pass keeps the max "
        "seen so far and a sum taken against it; when a larger max arrives, multiplying the sum by "
        "exp(m_old - m_new) moves every earlier term to the new reference, so nothing is approximated. "
        "Skip that rescaling and the sum mixes terms against different maxima (at magnitude 1000 it "
        "overflows); skip the max altogether and exp(1000) is inf, the naive softmax NaN."
    )

    def run(self, params: OnlineParams, xp: Any) -> Iterator[Frame]:
        yield Frame(0.0, f"streaming {params.rows} rows of {params.n} logits in chunks of {params.chunk}")
        rng = np.random.default_rng(params.seed)
        host = rng.uniform(-params.magnitude, params.magnitude, (params.rows, params.n))  # (rows, n)
        x = xp.asarray(host)
        steps = math.ceil(params.n / params.chunk)
        every, record = max(1, steps // 8), max(1, steps // 64)  # frame and plot-point strides
        ends: list[int] = []
        lse: list[float] = []  # streaming m + log l of row 0, at the recorded steps
        exact: list[float] = []  # two-pass log-sum-exp of the same prefix of row 0
        for step, (end, m, l) in enumerate(streaming_lse(x, xp, params.chunk, params.rescale), 1):
            if step % record == 0 or step == steps:
                ends.append(end)
                with np.errstate(divide="ignore"):
                    lse.append(float(to_host(m[0, 0] + xp.log(l[0, 0]))))
                top = host[0, :end].max()
                exact.append(float(top + np.log(np.sum(np.exp(host[0, :end] - top)))))
            if step % every == 0 and step < steps:
                yield Frame(0.9 * step / steps, f"{end}/{params.n} logits", self._series(ends, exact, lse))

        p = xp.exp(x - m) / l  # (rows, n) softmax from the streamed m, l: finite, as exp(x - m) <= 1
        ref = softmax(x, xp)  # (rows, n) two-pass: max, then exp-sum
        normal = ref > np.finfo(np.float64).tiny  # entries in float64's normal range (not subnormal or 0)
        rel_err = float(to_host(xp.max(xp.where(normal, xp.abs(p - ref) / xp.where(normal, ref, 1.0), 0.0))))
        with np.errstate(over="ignore", invalid="ignore"):
            e = xp.exp(x)  # the naive exp without the max subtracted
            naive = e / xp.sum(e, axis=1, keepdims=True)
        inf_count = int(to_host(xp.sum(xp.isinf(e))))
        nan_rows = int(to_host(xp.sum(xp.any(xp.isnan(naive), axis=1))))
        row_sum_err = float(to_host(xp.max(xp.abs(xp.sum(p, axis=1) - 1.0))))
        holds = rel_err < EXACT_REL
        summary = (
            f"streaming vs two-pass: max relative error {rel_err:.1e} "
            f"({'with' if params.rescale else 'without'} rescaling); "
            f"naive exp: {inf_count} inf, {nan_rows}/{params.rows} rows NaN"
        )
        measured = {
            "max_rel_error": rel_err,
            "max_row_sum_error": row_sum_err,
            "naive_inf_count": inf_count,
            "naive_nan_rows": nan_rows,
            "max_logit": float(host.max()),
            "steps": steps,
        }
        yield Frame(1.0, "done", self._series(ends, exact, lse), Verdict(holds, summary, measured))

    @staticmethod
    def _series(ends: list[int], exact: list[float], lse: list[float]) -> tuple[Series, ...]:
        """Streaming log-sum-exp of row 0's prefix (finite points only) against the two-pass value."""
        finite = [(e, v) for e, v in zip(ends, lse, strict=True) if math.isfinite(v)]
        return (
            Series.of("two-pass (exact)", ends, exact),
            Series.of("streaming m + log l", [e for e, _ in finite], [v for _, v in finite]),
        )
