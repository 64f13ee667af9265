"""Tensor-parallel self-attention, split by heads: one all-reduce gives the single-device output.

``tensor-parallel-heads`` runs Megatron-LM's split of a self-attention block over P simulated devices
(Shoeybi et al. 2019, "Megatron-LM: training multi-billion parameter language models using model
parallelism", sec. 3 and fig. 3b): W_Q, W_K and W_V are split by columns along head boundaries, so a
device computes whole heads, and W_O is split by rows, so each device multiplies only its own heads'
outputs; the P partial products are summed by one all-reduce. Every collective goes through a small
recorder that counts calls and elements, so the communication is counted where it happens.

The counter splits *inside* each head: every device holds a slice of each head's channels and applies
the softmax to its partial scores. The softmax of a partial dot product is not a part of the softmax,
so the summed output is wrong. ``split = channels-exact`` repairs it the only way it can be repaired,
with an all-reduce of the scores before the softmax: exact, but a second collective of H n^2 elements.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any, Literal

import numpy as np
from pydantic import Field, model_validator

from ._words import plural, sci
from .backend import to_host
from .core import Frame, PlotSpec, Probe, Series, SimParams, Simulation, Verdict
from .kernels import softmax
from .registry import register

EXACT_REL = 1e-10
"""The split output is exact when its error, relative to the largest output entry, is below this."""
FLOOR = 1e-18
"""Plotted errors are floored here, so an exact zero still shows on the log axis."""


class TensorParallelParams(SimParams):
    """The attention block's shape, how many devices share it, and where the split falls."""

    n: int = Field(64, ge=2, le=1024, description="Tokens in the sequence ($n$).")
    heads: int = Field(8, ge=1, le=64, description="Attention heads ($H$).")
    head_dim: int = Field(16, ge=1, le=128, description="Width of every head ($d_h$); $d = H d_h$.")
    devices: int = Field(4, ge=1, le=64, description="Simulated devices ($P$) sharing the block.")
    split: Literal["heads", "channels", "channels-exact"] = Field(
        "heads",
        description=(
            "'heads': each device computes $H/P$ whole heads (Megatron); 'channels': each device "
            r"holds $d_h/P$ channels of every head and softmaxes its partial scores; 'channels-exact': "
            "the same slices, with the partial scores all-reduced before the softmax."
        ),
    )
    seed: int = Field(0, ge=0, le=2**31 - 1, description="Seed for the tokens and weights.")

    @model_validator(mode="after")
    def _divides(self) -> TensorParallelParams:
        if self.split == "heads" and self.heads % self.devices:
            raise ValueError("devices must divide heads when the split is by heads")
        if self.split != "heads" and self.head_dim % self.devices:
            raise ValueError("devices must divide head_dim when the split is inside the heads")
        if self.n * self.n * self.heads > 1 << 22:
            raise ValueError("n² × heads must stay under 2²² score entries")
        return self


class Comm:
    """A recorder for collectives between simulated devices: it does the sum and counts what moved."""

    def __init__(self, xp: Any) -> None:
        self.xp = xp
        self.calls = 0
        self.payload = 0  # elements each device contributes, summed over calls
        self.ring_traffic = 0.0  # elements each device sends in a ring all-reduce, summed over calls

    def all_reduce(self, parts: list[Any]) -> Any:
        """Sum equal-shaped arrays from every device; with one device there is nothing to reduce."""
        total = parts[0]
        for part in parts[1:]:
            total = total + part
        if len(parts) > 1:
            self.calls += 1
            self.payload += int(parts[0].size)
            self.ring_traffic += 2 * (len(parts) - 1) / len(parts) * int(parts[0].size)
        return total


def _heads(x: Any, w: Any, heads: int) -> Any:
    """(n, d) @ (d, heads * w_h) -> (heads, n, w_h)."""
    y = x @ w
    return y.reshape(y.shape[0], heads, -1).transpose(1, 0, 2)


def _merge(o: Any) -> Any:
    """(heads, n, w_h) -> (n, heads * w_h), heads side by side."""
    return o.transpose(1, 0, 2).reshape(o.shape[1], -1)


def reference(x: Any, wq: Any, wk: Any, wv: Any, wo: Any, heads: int, xp: Any) -> Any:
    """Multi-head self-attention on one device: softmax(q k^T / sqrt(d_h)) v per head, then W_O."""
    q, k, v = (_heads(x, w, heads) for w in (wq, wk, wv))
    p = softmax(q @ k.transpose(0, 2, 1) / math.sqrt(q.shape[-1]), xp)
    return _merge(p @ v) @ wo


def device_columns(p: TensorParallelParams, device: int) -> Any:
    """The columns of W_Q, W_K, W_V (and rows of W_O) that ``device`` holds, as an index array."""
    d_h, per = p.head_dim, p.head_dim // p.devices
    if p.split == "heads":
        span = p.heads // p.devices * d_h
        return np.arange(device * span, (device + 1) * span)
    return np.concatenate(
        [np.arange(h * d_h + device * per, h * d_h + (device + 1) * per) for h in range(p.heads)]
    )


@register
class TensorParallelHeads(Simulation):
    """Splits attention over simulated devices by heads (or inside heads) and compares with one device."""

    id = "tensor-parallel-heads"
    title = "Tensor-parallel attention: split by heads, one all-reduce"
    claim = (
        "Splitting the H heads of a self-attention block across P devices (W_Q, W_K, W_V by columns "
        "along head boundaries, W_O by rows) lets every device compute its heads and its part of the "
        r"output projection alone, and one all-reduce of $n \times d$ elements per device then gives the "
        r"single-device output to a relative error below $10^{-10}$."
    )
    Params = TensorParallelParams
    counter = {"split": "channels"}
    headline = "allreduce_elements_per_device"
    quantities = {
        "devices": "devices $P$",
        "split": "where the block is split",
        "rel_error": "largest error / largest output entry, vs one device",
        "allreduces": "all-reduces in the forward pass",
        "allreduce_elements_per_device": "elements each device contributes to all-reduces",
        "output_elements": r"output elements $n \times d$",
        "ring_traffic_per_device": r"elements each device sends (ring all-reduce, $2(P-1)/P$ per payload)",
        "weight_elements_per_device": "attention weight elements on each device",
        "weight_elements_total": r"attention weight elements on one device ($4d^2$)",
    }
    probes = (
        Probe({"devices": 1}, True, "one device holds every head: nothing to reduce, zero collectives"),
        Probe({"devices": 8}, True, "P = H: one head per device, still one all-reduce of n × d"),
        Probe(
            {"split": "channels", "devices": 1},
            True,
            "a slice of d_h/1 channels is the whole head, so the softmax sees the full score",
        ),
        Probe(
            {"split": "channels-exact"},
            False,
            "exact, but only by all-reducing H n² scores before the softmax: two collectives, not one",
        ),
        Probe({"heads": 2, "devices": 2, "n": 256}, True, "two heads on two devices, longer sequence"),
    )
    plot = PlotSpec(
        x_label="devices' partial outputs summed",
        y_label="error / largest output entry",
        log_y=True,
        x_integer=True,
    )
    explains = (
        "Heads never mix before the output projection, so a device that owns whole heads needs nothing "
        "from the others until then. The projection is a sum over heads, "
        r"$Y = \sum_h O_h W_O^{(h)}$, so each device multiplies its heads' outputs by its rows of $W_O$ "
        "and one sum over devices (an all-reduce) finishes the block: the curve drops to round-off only "
        "when the last partial is added. Cut a head's channels across devices instead and each device "
        "would need the full score $q \\cdot k$, a sum over all channels, before its softmax; applying "
        "the softmax to a partial score gives different weights, and no later sum can undo a nonlinearity."
    )

    def measure(self, params: TensorParallelParams, xp: Any) -> Iterator[Frame]:
        p = params
        d = p.heads * p.head_dim
        yield Frame(
            0.0, f"{plural(p.heads, 'head')} of width {p.head_dim} over {plural(p.devices, 'device')}"
        )
        rng = np.random.default_rng(p.seed)
        x = xp.asarray(rng.standard_normal((p.n, d)))
        wq, wk, wv, wo = (xp.asarray(rng.standard_normal((d, d)) / math.sqrt(d)) for _ in range(4))
        ref = reference(x, wq, wk, wv, wo, p.heads, xp)  # (n, d) on one device
        scale = float(to_host(xp.max(xp.abs(ref))))

        comm = Comm(xp)
        cols = [xp.asarray(device_columns(p, i)) for i in range(p.devices)]
        local_heads = p.heads // p.devices if p.split == "heads" else p.heads
        qkv = [[_heads(x, w[:, c], local_heads) for w in (wq, wk, wv)] for c in cols]  # local matmuls only
        width = qkv[0][0].shape[-1]  # channels per head on a device: d_h, or d_h / P
        scores = [q @ k.transpose(0, 2, 1) / math.sqrt(p.head_dim) for q, k, _ in qkv]
        if p.split == "channels-exact":
            full = comm.all_reduce(scores)  # the sum over channels that a head's softmax needs
            scores = [full] * p.devices
        partials = [
            _merge(softmax(s, xp) @ v) @ wo[c, :] for s, (_, _, v), c in zip(scores, qkv, cols, strict=True)
        ]
        yield Frame(0.6, f"each device computed {plural(local_heads, 'head')} of width {width} locally")

        sums, errors = [], []
        running = xp.zeros_like(ref)
        for i, part in enumerate(partials, 1):
            running = running + part
            sums.append(i)
            errors.append(max(float(to_host(xp.max(xp.abs(running - ref)))) / scale, FLOOR))
        out = comm.all_reduce(partials)
        rel = float(to_host(xp.max(xp.abs(out - ref)))) / scale
        measured = {
            "devices": p.devices,
            "split": p.split,
            "rel_error": rel,
            "allreduces": comm.calls,
            "allreduce_elements_per_device": comm.payload,
            "output_elements": p.n * d,
            "ring_traffic_per_device": comm.ring_traffic,
            "weight_elements_per_device": int(4 * d * int(cols[0].size)),
            "weight_elements_total": 4 * d * d,
        }
        yield Frame(
            1.0, "measured", (Series.of("split output vs one device", sums, errors),), measured=measured
        )

    def decide(self, measured: Mapping[str, Any], params: TensorParallelParams) -> Verdict:
        """Holds when the split output is exact and the collectives are at most one of n × d elements."""
        rel = float(measured["rel_error"])
        calls, payload, out = (
            int(measured["allreduces"]),
            int(measured["allreduce_elements_per_device"]),
            int(measured["output_elements"]),
        )
        exact = rel < EXACT_REL
        one = calls <= 1 and payload <= out
        holds = exact and one
        summary = (
            f"split by {measured['split']} over {plural(int(measured['devices']), 'device')}: error "
            f"{sci(rel)} of the largest output; {plural(calls, 'all-reduce')} moving "
            f"{payload} elements per device (output $n d$ = {out})"
        )
        if not exact:
            summary += "; wrong: each device softmaxed a partial score, and a sum cannot undo a softmax"
        elif not one:
            summary += f"; exact, but it needed the scores summed first: {payload - out} extra elements"
        return Verdict(holds, summary, dict(measured))
