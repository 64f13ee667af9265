"""Serving: where the time goes when a model reads one token at a time.

``decode-memory-bound`` times one token's matrix-vector products through a stack of d x d weight
matrices against a prefill-sized batch of rows through the same weights. A token's product does 2 FLOPs
per weight read (arithmetic intensity 0.5 FLOP/byte in float32), so it waits on memory; 512 rows do 512
times as many FLOPs on the same bytes and reach the compute rate (Williams, Waterman & Patterson 2009,
"Roofline"; Pope et al. 2022, "Efficiently scaling transformer inference", sec. 2.1 and 3.3).

``sequential-vs-parallel`` times an RNN, whose n steps depend on each other and must run one after the
other, against one self-attention layer over the same n positions done as a few large matrix products
(Vaswani et al. 2017, "Attention is all you need", sec. 4 and Table 1, "sequential operations").
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from pydantic import Field, model_validator

from .backend import synchronize
from .core import Frame, PlotSpec, Series, SimParams, Simulation, Verdict
from .kernels import attention, limit_threads
from .registry import register

DECODE_FRACTION = 0.25
"""The decode step is memory-bound when its FLOP rate is below this fraction of the prefill rate."""
PARALLEL_GAIN = 4.0
"""Attention must reach more than this many times the RNN's FLOP rate."""
WORK_CAP = 1 << 33
"""Largest prefill multiply-adds (rows x layers x d^2) one timed pass may do: about 17 GFLOP."""


def time_call(fn: Callable[[], Any], xp: Any, calls: int = 1) -> float:
    """Seconds per call of ``fn``, over ``calls`` back-to-back calls, device work included.

    BLAS and the attention kernel are held to one thread: both sides of a comparison then run alike,
    and a core busy with something else cannot stall a split matmul and flip the verdict.
    """
    with limit_threads(1):
        synchronize(xp)
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        synchronize(xp)
        return (time.perf_counter() - start) / calls


# ---------------------------------------------------------------------------------------------
# decode-memory-bound


class DecodeParams(SimParams):
    """Weight size and depth, and how many rows the decode step and the prefill multiply at once."""

    d: int = Field(2048, ge=256, le=4096, description="Width d: every weight matrix is d x d float32.")
    layers: int = Field(
        2, ge=1, le=8, description="Distinct weight matrices passed through, like layers (past the cache)."
    )
    prefill: int = Field(512, ge=64, le=1024, description="Rows of the prefill-sized product (prompt).")
    batch: int = Field(1, ge=1, le=512, description="Rows of the decode step: sequences decoded together.")
    repeats: int = Field(3, ge=1, le=7, description="Timed rounds; the median rate of each is kept.")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="Seed for the weights and activations.")

    @model_validator(mode="after")
    def _small_enough(self) -> DecodeParams:
        if max(self.prefill, self.batch) * self.layers * self.d**2 > WORK_CAP:
            raise ValueError("rows x layers x d^2 exceeds 2^33 multiply-adds: lower d, layers or prefill")
        return self


@register
class DecodeMemoryBound(Simulation):
    """FLOP rate of one token's matrix-vector products against a prefill batch on the same weights."""

    timed = frozenset({"decode_gflops", "prefill_gflops", "decode_fraction_of_prefill", "decode_weight_gb_per_s"})

    id = "decode-memory-bound"
    title = "Decoding one token is memory-bound"
    claim = (
        "Multiplying one token's activations (1 x d) by d x d weight matrices reaches less than a quarter "
        "of the FLOP rate that a prefill-sized batch of rows (512 by default) reaches on the same weights."
    )
    Params = DecodeParams
    counter = {"batch": 256}
    plot = PlotSpec(x_label="rows multiplied at once", y_label="GFLOP/s", log_x=True, log_y=True)
    explains = (
        "Each weight is read from memory once per pass: with one row it takes part in one multiply-add "
        "(0.5 FLOP per float32 byte), with 512 rows in 512 of them (256 FLOP/byte). The single row is "
        "therefore limited by memory bandwidth and the batch by arithmetic, which the measured rates "
        "show. Decoding 256 sequences together turns the step back into a matrix product with high "
        "arithmetic intensity, and its rate is no longer a small fraction of prefill's."
    )

    def run(self, params: DecodeParams, xp: Any) -> Iterator[Frame]:
        d, layers, batch, prefill = params.d, params.layers, params.batch, params.prefill
        yield Frame(0.0, f"{layers} weight matrices of {d} x {d} float32; {batch} vs {prefill} rows")
        rng = np.random.default_rng(params.seed)
        weights = [  # layers x (d, d), uniform: any values do, and these are cheap to draw
            xp.asarray(rng.random((d, d), dtype=np.float32) - np.float32(0.5)) for _ in range(layers)
        ]
        weight_bytes = sum(int(w.nbytes) for w in weights)
        rows = sorted({1, 32, batch, prefill})  # the decode step, the prefill, and one between for the curve
        inputs = {r: xp.asarray(rng.standard_normal((r, d), dtype=np.float32)) for r in rows}  # (r, d)

        def through(x: Any) -> Any:
            for w in weights:  # the same rows through each matrix: unchained, so values stay finite
                y = x @ w  # (r, d): 2 r d^2 FLOPs, all d^2 weights read
            return y

        through(inputs[min(rows[1:], default=1)])  # untimed warm-up, big enough to wake the thread pool
        yield Frame(0.05, f"{weight_bytes / 2**20:.0f} MiB of weights allocated")

        rates: dict[int, list[float]] = {r: [] for r in rows}
        for rep in range(params.repeats):  # rounds interleave every size, so all see the same load
            for r in rows:
                calls = max(1, min(8, prefill // (8 * r)))  # short products are timed several at once
                seconds = time_call(lambda x=inputs[r]: through(x), xp, calls)
                rates[r].append(2.0 * r * d * d * layers / seconds)
            yield Frame(
                0.05 + 0.9 * (rep + 1) / params.repeats,
                f"round {rep + 1}/{params.repeats}",
                self._series(rows, rates),
            )

        median = {r: statistics.median(v) for r, v in rates.items()}
        decode, full = median[batch], median[prefill]
        fraction = decode / full
        holds = fraction < DECODE_FRACTION
        flops_decode, flops_prefill = 2 * batch * d * d * layers, 2 * prefill * d * d * layers
        summary = (
            f"decode ({batch} row{'s' if batch > 1 else ''}) {decode / 1e9:.2f} GFLOP/s vs "
            f"prefill ({prefill} rows) {full / 1e9:.1f} GFLOP/s: {fraction:.3f} of the prefill rate "
            f"({'below' if holds else 'not below'} {DECODE_FRACTION}); "
            f"{flops_decode / weight_bytes:.3g} vs {flops_prefill / weight_bytes:.3g} FLOP per weight byte"
        )
        verdict = Verdict(
            holds,
            summary,
            {
                "d": d,
                "layers": layers,
                "weight_mib": weight_bytes / 2**20,
                "decode_rows": batch,
                "prefill_rows": prefill,
                "decode_gflops": decode / 1e9,
                "prefill_gflops": full / 1e9,
                "decode_fraction_of_prefill": float(fraction),
                "decode_flop_per_weight_byte": flops_decode / weight_bytes,
                "prefill_flop_per_weight_byte": flops_prefill / weight_bytes,
                "decode_weight_gb_per_s": decode / (flops_decode / weight_bytes) / 1e9,
            },
        )
        yield Frame(1.0, "done", self._series(rows, rates), verdict)

    @staticmethod
    def _series(rows: list[int], rates: dict[int, list[float]]) -> tuple[Series, ...]:
        """The median GFLOP/s measured so far at each row count."""
        done = [r for r in rows if rates[r]]
        return (Series.of("median GFLOP/s", done, [statistics.median(rates[r]) / 1e9 for r in done]),)


# ---------------------------------------------------------------------------------------------
# sequential-vs-parallel


class SequenceParams(SimParams):
    """Sequence length, width and timing repeats (everything in float32)."""

    n: int = Field(2048, ge=1, le=4096, description="Sequence length n (the largest measured).")
    d: int = Field(32, ge=8, le=256, description="Hidden size of the RNN and width of the attention layer.")
    points: int = Field(5, ge=1, le=12, description="Lengths measured, geometrically from 1 up to n.")
    repeats: int = Field(5, ge=1, le=9, description="Timed runs of each at each length; the median is kept.")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="Seed for the weights and inputs.")


class Rnn:
    """h_t = tanh(W h_(t-1) + U x_t): the input products are batched, the recurrence cannot be."""

    def __init__(self, d: int, rng: np.random.Generator, xp: Any) -> None:
        self.w = xp.asarray(rng.standard_normal((d, d), dtype=np.float32) / math.sqrt(d))  # (d, d) recurrent
        self.u = xp.asarray(rng.standard_normal((d, d), dtype=np.float32) / math.sqrt(d))  # (d, d) input
        self.xp = xp

    def __call__(self, x: Any) -> Any:
        """(n, d) -> (d,), the last state; step t needs h_(t-1), so the loop over t is sequential."""
        drive = x @ self.u.T  # (n, d) U x_t for every t at once
        h = self.xp.zeros(x.shape[1], dtype=x.dtype)  # (d,)
        for t in range(x.shape[0]):
            h = self.xp.tanh(self.w @ h + drive[t])
        return h

    @staticmethod
    def flops(n: int, d: int) -> int:
        """Multiply-add FLOPs: U x_t and W h for each of n steps."""
        return 4 * n * d * d


class AttentionLayer:
    """One single-head self-attention layer: Q, K, V and output projections around softmax(QK^T)V."""

    def __init__(self, d: int, rng: np.random.Generator, xp: Any) -> None:
        self.w = [  # 4 x (d, d)
            xp.asarray(rng.standard_normal((d, d), dtype=np.float32) / math.sqrt(d)) for _ in range(4)
        ]
        self.xp = xp

    def __call__(self, x: Any) -> Any:
        """(n, d) -> (n, d): every position at once, no dependence between positions."""
        q, k, v = x @ self.w[0], x @ self.w[1], x @ self.w[2]  # (n, d) each
        return attention(q, k, v, self.xp) @ self.w[3]  # (n, d)

    @staticmethod
    def flops(n: int, d: int) -> int:
        """Multiply-add FLOPs: four n x d x d projections, plus QK^T and the weighted sum of V (n x n x d)."""
        return 8 * n * d * d + 4 * n * n * d


@register
class SequentialVsParallel(Simulation):
    """FLOP rate of an RNN's dependent steps against an attention layer's batched products."""

    timed = frozenset({"rnn_gflops", "attention_gflops", "attention_over_rnn"})

    id = "sequential-vs-parallel"
    title = "Sequential recurrence vs parallel attention"
    claim = (
        "Over the same sequence of n positions, one self-attention layer computed as batched matrix "
        "products reaches more than 4 times the FLOP rate of an RNN whose n steps must run one after "
        "another."
    )
    Params = SequenceParams
    counter = {"n": 1}
    plot = PlotSpec(x_label="sequence length n", y_label="GFLOP/s", log_x=True, log_y=True)
    explains = (
        "The RNN's step t needs h_(t-1), so its n steps are n small matrix-vector products issued one "
        "after another, each too small to keep the hardware busy. Attention has no such chain: all n "
        "positions go through a handful of large products, and its rate climbs with n while the RNN's "
        "stays flat. With a single position neither has anything to parallelise, and attention's extra "
        "steps make it no faster per FLOP."
    )

    def run(self, params: SequenceParams, xp: Any) -> Iterator[Frame]:
        n, d = params.n, params.d
        lengths = np.unique(np.geomspace(1, n, params.points).round().astype(int))  # (m,) ends at n
        yield Frame(0.0, f"RNN vs attention, d = {d}, n = {lengths[0]}..{lengths[-1]}")
        rng = np.random.default_rng(params.seed)
        rnn, layer = Rnn(d, rng, xp), AttentionLayer(d, rng, xp)
        x_all = xp.asarray(rng.standard_normal((n, d), dtype=np.float32))  # (n, d)
        rnn(x_all[:1]), layer(x_all[:1])  # untimed warm-up

        rnn_rates, att_rates = np.zeros(lengths.size), np.zeros(lengths.size)
        for i, m in enumerate(lengths):
            x = x_all[:m]  # (m, d)
            calls = max(1, 64 // int(m))  # very short runs are timed several at once
            rnn_times, att_times = [], []
            for _ in range(params.repeats):  # interleaved, so both see the same machine load
                rnn_times.append(time_call(lambda x=x: rnn(x), xp, calls))
                att_times.append(time_call(lambda x=x: layer(x), xp, calls))
            rnn_rates[i] = Rnn.flops(int(m), d) / statistics.median(rnn_times)
            att_rates[i] = AttentionLayer.flops(int(m), d) / statistics.median(att_times)
            yield Frame(
                0.95 * (i + 1) / lengths.size,
                f"n = {m}: RNN {rnn_rates[i] / 1e9:.2f}, attention {att_rates[i] / 1e9:.2f} GFLOP/s",
                self._series(lengths[: i + 1], rnn_rates[: i + 1], att_rates[: i + 1]),
            )

        gain = float(att_rates[-1] / rnn_rates[-1])
        holds = gain > PARALLEL_GAIN
        summary = (
            f"n = {n}: attention {att_rates[-1] / 1e9:.2f} GFLOP/s vs RNN {rnn_rates[-1] / 1e9:.2f} GFLOP/s, "
            f"{gain:.1f}x ({'above' if holds else 'not above'} {PARALLEL_GAIN:g}x); "
            f"{AttentionLayer.flops(n, d):.3g} vs {Rnn.flops(n, d):.3g} FLOPs"
        )
        verdict = Verdict(
            holds,
            summary,
            {
                "n": n,
                "d": d,
                "rnn_gflops": float(rnn_rates[-1] / 1e9),
                "attention_gflops": float(att_rates[-1] / 1e9),
                "attention_over_rnn": gain,
                "rnn_flops": Rnn.flops(n, d),
                "attention_flops": AttentionLayer.flops(n, d),
                "rnn_sequential_steps": n,
            },
        )
        series = self._series(lengths, rnn_rates, att_rates)
        yield Frame(1.0, "done", series, verdict)

    @staticmethod
    def _series(lengths: np.ndarray, rnn: np.ndarray, att: np.ndarray) -> tuple[Series, ...]:
        return (
            Series.of("RNN (sequential)", lengths, rnn / 1e9),
            Series.of("attention (batched)", lengths, att / 1e9),
        )
