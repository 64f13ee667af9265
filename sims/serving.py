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
import time
from collections.abc import Callable, Iterator, Mapping
from functools import partial
from typing import Any

import numpy as np
from pydantic import Field, model_validator

from ._words import plural, sci
from .backend import synchronize
from .core import Frame, PlotSpec, Probe, Series, SimParams, Simulation, Verdict
from .kernels import attention, limit_threads
from .registry import register

DECODE_FRACTION = 1 / 3
"""The decode step counts as memory-bound when its FLOP rate is below this fraction of the prefill rate.
A CPU core's ridge point is only a few FLOP/byte, so one float32 row (0.5 FLOP/byte) reaches about a
sixth of the compute rate on a quiet core; a busy sibling hyperthread slows the compute-bound prefill
more than the memory-bound row and has been measured to lift that to 0.25. A third keeps a factor of
two from the quiet value, while a batch past the ridge reaches 0.75 and more."""
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

    d: int = Field(
        2048, ge=256, le=4096, description=r"Width $d$: every weight matrix is $d \times d$ float32."
    )
    layers: int = Field(
        2, ge=1, le=8, description="Distinct weight matrices passed through, like layers (past the cache)."
    )
    prefill: int = Field(512, ge=64, le=1024, description="Rows of the prefill-sized product (prompt).")
    batch: int = Field(1, ge=1, le=512, description="Rows of the decode step: sequences decoded together.")
    repeats: int = Field(3, ge=1, le=7, description="Timed rounds; the fastest rate of each is kept.")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="Seed for the weights and activations.")

    @model_validator(mode="after")
    def _small_enough(self) -> DecodeParams:
        if max(self.prefill, self.batch) * self.layers * self.d**2 > WORK_CAP:
            raise ValueError("rows × layers × d² exceeds 2³³ multiply-adds: lower d, layers or prefill")
        return self


@register
class DecodeMemoryBound(Simulation):
    """FLOP rate of one token's matrix-vector products against a prefill batch on the same weights."""

    timed = frozenset(
        {
            "decode_gflops",
            "prefill_gflops",
            "decode_fraction_of_prefill",
            "decode_weight_gb_per_s",
            "one_row_weight_gb_per_s",
            "ridge_flop_per_byte",
            "decode_step_ms",
            "one_row_step_ms",
            "prefill_step_ms",
            "decode_step_over_one_row",
        }
    )

    id = "decode-memory-bound"
    title = "Decoding one token is memory-bound"
    claim = (
        r"When the $d \times d$ weight matrices do not fit in the processor's caches ($2 \times 2048^2$ float32 "
        r"= 32 MiB by default), multiplying one token's activations ($1 \times d$) by them reaches less than "
        "a third of the FLOP rate that a prefill-sized batch of rows (512 by default) reaches on the same "
        "weights."
    )
    Params = DecodeParams
    counter = {"batch": 256}
    quantities = {
        "d": "width $d$",
        "layers": "weight matrices",
        "weight_mib": "weights (MiB)",
        "decode_rows": "rows in the decode step",
        "prefill_rows": "rows in the prefill",
        "decode_gflops": "decode rate (GFLOP/s)",
        "prefill_gflops": "prefill rate (GFLOP/s)",
        "decode_fraction_of_prefill": "decode rate ÷ prefill rate",
        "decode_flop_per_weight_byte": "decode arithmetic intensity (FLOP per weight byte)",
        "prefill_flop_per_weight_byte": "prefill arithmetic intensity (FLOP per weight byte)",
        "decode_weight_gb_per_s": "weights streamed by the decode step (GB/s)",
        "one_row_weight_gb_per_s": "weights streamed by a one-row step (GB/s)",
        "ridge_flop_per_byte": "measured ridge point (FLOP/byte)",
        "decode_step_ms": "decode step (ms)",
        "one_row_step_ms": "one-row step (ms)",
        "prefill_step_ms": "prefill step (ms)",
        "decode_step_over_one_row": "decode step ÷ one-row step (time)",
    }
    probes = (
        Probe(
            {"batch": 64},
            False,
            "64 rows do 32 FLOP per weight byte, above a CPU's ridge point of a few FLOP/byte "
            "(an H100's is ~295): no longer memory-bound here",
        ),
        Probe(
            {"layers": 4, "repeats": 2},
            True,
            "64 MiB of weights: twice past a 32 MiB cache, one row still waits on memory",
        ),
        Probe(
            {"d": 4096, "layers": 1, "prefill": 256, "repeats": 2},
            True,
            "one 64 MiB matrix: a matrix-vector product reads each weight for one multiply-add",
        ),
        Probe({"batch": 512}, False, "decode as wide as prefill: the same product, the same rate"),
    )
    plot = PlotSpec(
        x_label="rows multiplied at once", y_label="GFLOP/s", log_x=True, log_y=True, x_integer=True
    )
    explains = (
        "Each weight is read from memory once per pass: with one row it takes part in one multiply-add "
        "(0.5 FLOP per float32 byte), with 512 rows in 512 of them (256 FLOP/byte). The single row is "
        "therefore limited by memory bandwidth and the batch by arithmetic, which the measured rates "
        "show. The run also measures the ridge point of this machine's roofline, the prefill rate over the "
        "bandwidth the one-row pass achieves: a CPU core's is a few FLOP/byte, an H100's about 295, so a "
        "batch that is still memory-bound on a GPU (64 rows, 32 FLOP/byte) is already near the compute "
        "rate here. Decoding 256 sequences together turns the step back into a matrix product with high "
        "arithmetic intensity, and its rate is no longer a small fraction of prefill's. Weights small "
        "enough to stay in cache ($d = 256$) are not read from memory at all, and the claim does not apply."
    )

    def measure(self, params: DecodeParams, xp: Any) -> Iterator[Frame]:
        d, layers, batch, prefill = params.d, params.layers, params.batch, params.prefill
        yield Frame(
            0.0,
            rf"{plural(layers, 'weight matrix', 'weight matrices')} of ${d} \times {d}$ float32; "
            f"{batch} vs {plural(prefill, 'row')}",
        )
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
        step = 0
        for rep in range(params.repeats):  # rounds interleave every size, so all see the same load
            for r in rows:
                calls = max(1, min(8, prefill // (8 * r)))  # short products are timed several at once
                seconds = time_call(partial(through, inputs[r]), xp, calls)
                rates[r].append(2.0 * r * d * d * layers / seconds)
                step += 1
                yield Frame(
                    0.05 + 0.9 * step / (params.repeats * len(rows)),
                    f"round {rep + 1}/{params.repeats}: {plural(r, 'row')} at "
                    f"{rates[r][-1] / 1e9:.2f} GFLOP/s",
                    self._series(rows, rates),
                )

        best = {r: max(v) for r, v in rates.items()}  # the fastest round: other work only ever slows one
        decode, full = best[batch], best[prefill]
        flops_decode, flops_prefill = 2 * batch * d * d * layers, 2 * prefill * d * d * layers
        one_row_bandwidth = best[1] / (2 * d * d * layers / weight_bytes)  # bytes/s the 1-row pass streams
        measured = {
            "d": d,
            "layers": layers,
            "weight_mib": weight_bytes / 2**20,
            "decode_rows": batch,
            "prefill_rows": prefill,
            "decode_gflops": decode / 1e9,
            "prefill_gflops": full / 1e9,
            "decode_fraction_of_prefill": float(decode / full),
            "decode_flop_per_weight_byte": flops_decode / weight_bytes,
            "prefill_flop_per_weight_byte": flops_prefill / weight_bytes,
            "decode_weight_gb_per_s": decode / (flops_decode / weight_bytes) / 1e9,
            "one_row_weight_gb_per_s": one_row_bandwidth / 1e9,
            "ridge_flop_per_byte": full / one_row_bandwidth,
            "decode_step_ms": flops_decode / decode * 1e3,
            "one_row_step_ms": 2 * d * d * layers / best[1] * 1e3,
            "prefill_step_ms": flops_prefill / full * 1e3,
            "decode_step_over_one_row": (flops_decode / decode) / (2 * d * d * layers / best[1]),
        }
        yield Frame(1.0, "measured", self._series(rows, rates), measured=measured)

    def decide(self, measured: Mapping[str, Any], params: DecodeParams) -> Verdict:
        """Holds when the decode step's FLOP rate is below DECODE_FRACTION of the prefill rate."""
        fraction = float(measured["decode_fraction_of_prefill"])
        holds = fraction < DECODE_FRACTION
        rows, ridge = int(measured["decode_rows"]), float(measured["ridge_flop_per_byte"])
        intensity = float(measured["decode_flop_per_weight_byte"])
        why = ""
        if not holds and intensity >= ridge:
            why = (
                f"; {rows} rows do {intensity:.3g} FLOP per weight byte, at or above this machine's measured "
                f"ridge of {ridge:.2g} FLOP/byte, so the step is bound by arithmetic, not memory"
            )
        elif not holds:
            why = (
                f"; the {measured['weight_mib']:.3g} MiB of weights are served at "
                f"{measured['one_row_weight_gb_per_s']:.0f} GB/s, fast enough (from cache) that one row is not "
                "starved by memory"
            )
        summary = (
            f"decode ({plural(rows, 'row')}) {measured['decode_gflops']:.2f} GFLOP/s vs "
            f"prefill ({plural(measured['prefill_rows'], 'row')}) {measured['prefill_gflops']:.1f} GFLOP/s: {fraction:.3f} "
            f"of the prefill rate ({'below' if holds else 'not below'} 1/3); {intensity:.3g} vs "
            f"{measured['prefill_flop_per_weight_byte']:.3g} FLOP per weight byte, measured ridge {ridge:.2g} FLOP/byte"
            + (
                f"; a {rows}-row step takes {measured['decode_step_over_one_row']:.2g}× a 1-row step"
                if rows > 1
                else ""
            )
            + why
        )
        return Verdict(holds, summary, dict(measured))

    @staticmethod
    def _series(rows: list[int], rates: dict[int, list[float]]) -> tuple[Series, ...]:
        """The fastest GFLOP/s measured so far at each row count."""
        done = [r for r in rows if rates[r]]
        return (Series.of("fastest GFLOP/s", done, [max(rates[r]) / 1e9 for r in done]),)


# ---------------------------------------------------------------------------------------------
# sequential-vs-parallel


class SequenceParams(SimParams):
    """Sequence length, width and timing repeats (everything in float32)."""

    n: int = Field(2048, ge=1, le=4096, description="Sequence length $n$ (the largest measured).")
    d: int = Field(
        32, ge=8, le=256, description="Hidden size $d$ of the RNN and width of the attention layer."
    )
    points: int = Field(5, ge=1, le=12, description="Lengths measured, geometrically from 1 up to n.")
    repeats: int = Field(5, ge=1, le=9, description="Timed runs of each at each length; the fastest is kept.")
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

    timed = frozenset({"rnn_gflops", "attention_gflops", "attention_over_rnn", "rnn_ms", "attention_ms"})

    id = "sequential-vs-parallel"
    title = "Sequential recurrence vs parallel attention"
    claim = (
        "At small width $d$ (32 by default) and with BLAS on one thread, one self-attention layer over $n$ "
        "positions, computed as a few batched matrix products, reaches more than 4 times the FLOP rate of "
        "an RNN whose $n$ dependent steps run one after another (a gain in FLOPs per second: attention does "
        "about $2 + n/d$ times the RNN's FLOPs, so its wall time can still be the longer)."
    )
    Params = SequenceParams
    counter = {"n": 1}
    quantities = {
        "n": "sequence length $n$",
        "d": "width $d$",
        "rnn_gflops": "RNN rate (GFLOP/s)",
        "attention_gflops": "attention rate (GFLOP/s)",
        "attention_over_rnn": "attention rate ÷ RNN rate",
        "rnn_ms": "RNN wall time (ms)",
        "attention_ms": "attention wall time (ms)",
        "rnn_flops": "RNN FLOPs",
        "attention_flops": "attention FLOPs",
        "rnn_sequential_steps": "RNN steps run one after another",
        "blas_threads": "BLAS threads",
    }
    probes = (
        Probe(
            {"d": 256, "points": 2, "repeats": 3},
            False,
            r"at $d = 256$ each RNN step is a $256 \times 256$ product, large enough to run near the machine's rate",
        ),
        Probe(
            {"n": 64}, True, "64 steps of 32 x 32 matvecs vs 64-row products: dispatch-bound against batched"
        ),
        Probe({"d": 8}, True, "the narrowest width: an RNN step is almost pure per-call overhead"),
        Probe(
            {"n": 2, "points": 1},
            False,
            "two positions: attention's products are as small as the RNN's steps",
        ),
    )
    plot = PlotSpec(x_label="sequence length $n$", y_label="GFLOP/s", log_x=True, log_y=True, x_integer=True)
    explains = (
        "The RNN's step $t$ needs $h_{t-1}$, so its $n$ steps are $n$ small matrix-vector products issued one "
        "after another, each too small to keep the hardware busy: at $d = 32$ a step is mostly per-call "
        "overhead. Attention has no such chain: all $n$ positions go through a handful of large products, "
        "and its rate climbs with $n$ while the RNN's stays flat. BLAS is held to one thread, so the gain "
        "measured here is the efficiency of large products on one core, not multi-core parallelism; on a "
        "GPU the same structure also lets attention spread over thousands of lanes. The claim is about "
        "rate: attention does $2 + n/d$ times the RNN's FLOPs (66× at $n = 2048$, $d = 32$) and can take "
        "longer in wall time, which the run reports too. At $d = 256$ each RNN step is already a sizeable "
        "product and the gap shrinks below 4×; with a single position neither has anything to batch."
    )

    def measure(self, params: SequenceParams, xp: Any) -> Iterator[Frame]:
        n, d = params.n, params.d
        lengths = np.unique(np.geomspace(1, n, params.points).round().astype(int))  # (m,) ends at n
        yield Frame(0.0, f"RNN vs attention, $d = {d}$, $n = {lengths[0]}..{lengths[-1]}$")
        rng = np.random.default_rng(params.seed)
        rnn, layer = Rnn(d, rng, xp), AttentionLayer(d, rng, xp)
        x_all = xp.asarray(rng.standard_normal((n, d), dtype=np.float32))  # (n, d)
        rnn(x_all[:1]), layer(x_all[:1])  # untimed warm-up

        rnn_rates, att_rates = np.zeros(lengths.size), np.zeros(lengths.size)
        weights = np.array([AttentionLayer.flops(int(m), d) + Rnn.flops(int(m), d) for m in lengths], float)
        done = 0.0  # counted FLOPs timed so far, for the progress bar
        for i, m in enumerate(lengths):
            x = x_all[:m]  # (m, d)
            calls = max(1, 64 // int(m))  # very short runs are timed several at once
            rnn_times, att_times = [], []
            for r in range(params.repeats):  # interleaved, so both see the same machine load
                rnn_times.append(time_call(partial(rnn, x), xp, calls))
                att_times.append(time_call(partial(layer, x), xp, calls))
                done += weights[i] / params.repeats
                # the fastest run: other work on the machine only ever adds time
                rnn_rates[i] = Rnn.flops(int(m), d) / min(rnn_times)
                att_rates[i] = AttentionLayer.flops(int(m), d) / min(att_times)
                yield Frame(
                    0.95 * done / weights.sum(),
                    f"$n = {m}$, run {r + 1}/{params.repeats}: RNN {rnn_rates[i] / 1e9:.2f}, "
                    f"attention {att_rates[i] / 1e9:.2f} GFLOP/s",
                    self._series(lengths[: i + 1], rnn_rates[: i + 1], att_rates[: i + 1]),
                )

        measured = {
            "n": n,
            "d": d,
            "rnn_gflops": float(rnn_rates[-1] / 1e9),
            "attention_gflops": float(att_rates[-1] / 1e9),
            "attention_over_rnn": float(att_rates[-1] / rnn_rates[-1]),
            "rnn_ms": float(Rnn.flops(n, d) / rnn_rates[-1] * 1e3),
            "attention_ms": float(AttentionLayer.flops(n, d) / att_rates[-1] * 1e3),
            "rnn_flops": Rnn.flops(n, d),
            "attention_flops": AttentionLayer.flops(n, d),
            "rnn_sequential_steps": n,
            "blas_threads": 1,
        }
        yield Frame(1.0, "measured", self._series(lengths, rnn_rates, att_rates), measured=measured)

    def decide(self, measured: Mapping[str, Any], params: SequenceParams) -> Verdict:
        """Holds when attention's FLOP rate exceeds PARALLEL_GAIN times the RNN's at the longest n."""
        gain = float(measured["attention_over_rnn"])
        holds = gain > PARALLEL_GAIN
        n, d = int(measured["n"]), int(measured["d"])
        why = ""
        if not holds and n < 8:
            why = (
                f"; with {plural(n, 'position')} there is nothing to batch: attention's products are as small "
                "as the RNN's steps"
            )
        elif not holds:
            why = f"; at $d = {d}$ each RNN step is a sizeable product that already runs near the machine's rate"
        summary = (
            f"$n = {n}$, $d = {d}$, one BLAS thread: attention {measured['attention_gflops']:.2f} GFLOP/s vs RNN "
            f"{measured['rnn_gflops']:.2f} GFLOP/s, {gain:.1f}× ({'above' if holds else 'not above'} "
            f"{PARALLEL_GAIN:g}×); wall time attention {measured['attention_ms']:.2f} ms for "
            f"{sci(measured['attention_flops'], 3)} FLOPs vs RNN {measured['rnn_ms']:.2f} ms for "
            f"{sci(measured['rnn_flops'], 3)}" + why
        )
        return Verdict(holds, summary, dict(measured))

    @staticmethod
    def _series(lengths: np.ndarray, rnn: np.ndarray, att: np.ndarray) -> tuple[Series, ...]:
        return (
            Series.of("RNN (sequential)", lengths, rnn / 1e9),
            Series.of("attention (batched)", lengths, att / 1e9),
        )
