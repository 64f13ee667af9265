"""Ring attention: each device keeps its query block and passes key/value blocks around a ring.

``ring-attention`` splits a sequence of n tokens into P blocks on P simulated devices (Liu et al. 2023,
"Ring Attention with Blockwise Transformers for near-infinite context", sec. 3). At step s, device i
attends its n/P queries to key/value block (i - s) mod P while sending that block on to device i + 1 and
receiving the next one from device i - 1. Partial results are merged with the online softmax
(Milakov & Gimelshein 2018, alg. 3; Dao et al. 2022, FlashAttention, sec. 3.1): a running max m, a running
sum l and an output accumulator, rescaled by exp(m_old - m_new) whenever the max grows. Each device's
arrays are tracked as they are created and dropped, so its peak memory is counted from what it held.

The counter merges the blocks without the rescale: each block's exponentials are taken against that
block's own max and simply added (``combine = local-max``), or each block's own softmax output is
averaged (``combine = local-softmax``). Both mix terms normalised against different references.
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
from .kernels import attention_weights
from .registry import register

EXACT = 1e-10
"""The ring result is exact when its largest absolute difference from full attention is below this."""
FLOOR = 1e-18
"""Plotted errors are floored here, so an exact zero still shows on the log axis."""


class RingParams(SimParams):
    """The sequence, the ring of devices, how partial results are merged, and the mask."""

    n: int = Field(1024, ge=2, le=4096, description="Tokens in the sequence ($n$).")
    devices: int = Field(8, ge=1, le=256, description="Devices in the ring ($P$); each holds $n/P$ tokens.")
    d: int = Field(32, ge=1, le=256, description="Head width ($d$).")
    combine: Literal["online", "local-max", "local-softmax"] = Field(
        "online",
        description=(
            "'online': running max and rescaled running sum; 'local-max': each block's exponentials "
            "taken against its own max and added, no rescale; 'local-softmax': each block's own "
            "softmax output averaged."
        ),
    )
    causal: bool = Field(False, description="Causal mask: query $i$ sees keys $j \\le i$.")
    logit_std: float = Field(
        2.0,
        gt=0.0,
        le=30.0,
        description="Standard deviation of the attention logits $q \\cdot k / \\sqrt{d}$.",
    )
    seed: int = Field(0, ge=0, le=2**31 - 1, description="Seed for the queries, keys and values.")

    @model_validator(mode="after")
    def _divides(self) -> RingParams:
        if self.n % self.devices:
            raise ValueError("devices must divide n")
        if self.n * self.d > 1 << 17:
            raise ValueError("n × d must stay under 2¹⁷")
        return self


class Device:
    """One simulated device: the named arrays it holds now, and the most elements it ever held."""

    def __init__(self) -> None:
        self.held: dict[str, Any] = {}
        self.peak = 0
        self.peak_kv_blocks = 0

    def hold(self, **arrays: Any) -> None:
        self.held.update(arrays)
        self.peak = max(self.peak, sum(int(a.size) for a in self.held.values()))
        self.peak_kv_blocks = max(self.peak_kv_blocks, sum(1 for k in self.held if k.startswith("k")))

    def drop(self, *names: str) -> None:
        for name in names:
            self.held.pop(name, None)


def merge(state: tuple[Any, Any, Any], s: Any, v: Any, combine: str, xp: Any) -> tuple[Any, Any, Any]:
    """Fold one key/value block's scores ``s`` (c, c) and values ``v`` (c, d) into (m, l, acc)."""
    m, l, acc = state
    if combine == "local-softmax":
        e = xp.exp(s - xp.max(s, axis=1, keepdims=True))
        return m, l + 1.0, acc + (e / xp.sum(e, axis=1, keepdims=True)) @ v
    if combine == "local-max":
        e = xp.exp(s - xp.max(s, axis=1, keepdims=True))
        return m, l + xp.sum(e, axis=1, keepdims=True), acc + e @ v
    m_new = xp.maximum(m, xp.max(s, axis=1, keepdims=True))
    alpha = xp.exp(m - m_new)  # moves the earlier terms to the new reference; exp(-inf) = 0 at the start
    e = xp.exp(s - m_new)
    return m_new, l * alpha + xp.sum(e, axis=1, keepdims=True), acc * alpha + e @ v


@register
class RingAttention(Simulation):
    """Runs ring attention over simulated devices and compares it with full attention on one device."""

    id = "ring-attention"
    title = "Ring attention: exact, with n/P queries and two KV blocks per device"
    claim = (
        "Splitting a sequence of n tokens over a ring of P devices, each keeping its n/P queries and "
        "passing key/value blocks around the ring for P steps while it merges each block into a running "
        r"max and a rescaled running sum, gives full attention to an absolute error below $10^{-10}$, "
        "with no device ever holding more than two key/value blocks (the one it computes on and the one "
        "arriving)."
    )
    Params = RingParams
    counter = {"combine": "local-max"}
    headline = "peak_elements_per_device"
    quantities = {
        "devices": "devices $P$",
        "combine": "how block results are merged",
        "max_abs_error": "largest |ring - full attention|",
        "peak_elements_per_device": "most elements one device held at once",
        "peak_kv_blocks": "most key/value blocks one device held at once",
        "block_tokens": "tokens per block $n/P$",
        "score_matrix_elements": r"elements of the full score matrix $n^2$",
        "kv_elements_sent_per_device": "key/value elements each device sent",
        "flops_per_sent_element": r"attention FLOPs per key/value element received, $4c^2d / 2cd$ (arithmetic)",
        "blocks_skipped": "query-block × key-block steps skipped by the causal mask",
    }
    probes = (
        Probe({"devices": 1}, True, "one device: a single block, the plain blockwise softmax"),
        Probe(
            {"devices": 1, "combine": "local-max"},
            True,
            "one block: its own max is the global max, so there is nothing to rescale",
        ),
        Probe(
            {"causal": True},
            True,
            "causal: whole blocks above the diagonal are skipped, the rest merge exactly",
        ),
        Probe(
            {"combine": "local-softmax"}, False, "averaging per-block softmaxes weights every block equally"
        ),
        Probe({"n": 64, "devices": 64}, True, "one token per device: P steps, still exact"),
        Probe(
            {"logit_std": 30.0}, True, "logits of size ~100: every exp is of s - m <= 0, nothing overflows"
        ),
    )
    plot = PlotSpec(
        x_label="ring steps completed",
        y_label="largest |partial result - full attention|",
        log_y=True,
        x_integer=True,
    )
    explains = (
        "A device never sees the whole score row, only one block of it per step, so the softmax "
        "normaliser must be built up block by block. The online softmax keeps the largest logit seen so "
        "far and a sum taken against it; when a block brings a larger max, multiplying the sum and the "
        r"output by $e^{m_\text{old} - m_\text{new}}$ moves the earlier terms to the new reference, so the "
        "merge is exact in any block order, which is what lets the blocks travel. The error curve stays "
        "large until the last block has arrived. Add each block's exponentials against its own max "
        "instead, and the final sum weights each block by an arbitrary factor; average each block's "
        "softmax and every block gets the same total weight, whatever its scores."
    )

    def measure(self, params: RingParams, xp: Any) -> Iterator[Frame]:
        p = params
        c = p.n // p.devices
        yield Frame(
            0.0, f"{plural(p.n, 'token')} over a ring of {plural(p.devices, 'device')}, {c} per block"
        )
        rng = np.random.default_rng(p.seed)
        q = xp.asarray(rng.standard_normal((p.n, p.d)) * p.logit_std)  # q·k/sqrt(d) has std logit_std
        k = xp.asarray(rng.standard_normal((p.n, p.d)))
        v = xp.asarray(rng.standard_normal((p.n, p.d)))
        full = attention_weights(q, k, xp, causal=p.causal) @ v  # (n, d) on one device

        devs = [Device() for _ in range(p.devices)]
        states = []
        for i, dev in enumerate(devs):
            sl = slice(i * c, (i + 1) * c)
            m0 = xp.full((c, 1), -math.inf)
            dev.hold(q=q[sl], m=m0, l=xp.zeros((c, 1)), acc=xp.zeros((c, p.d)), k_cur=k[sl], v_cur=v[sl])
            states.append((m0, xp.zeros((c, 1)), xp.zeros((c, p.d))))
        rows = xp.arange(c)[:, None]
        sent, skipped, steps, errors = 0, 0, [], []
        for step in range(p.devices):
            for i, dev in enumerate(devs):
                j = (i - step) % p.devices  # the key/value block device i holds at this step
                if step < p.devices - 1:  # the next block arrives while this one is computed on
                    nxt = (j - 1) % p.devices
                    dev.hold(k_in=k[nxt * c : (nxt + 1) * c], v_in=v[nxt * c : (nxt + 1) * c])
                    sent += 2 * c * p.d  # what this device passes on to its neighbour
                if p.causal and j > i:
                    skipped += 1  # every key of block j comes after every query of block i
                else:
                    s = dev.held["q"] @ dev.held["k_cur"].T / math.sqrt(p.d)  # (c, c) score tile
                    if p.causal and j == i:
                        s = xp.where(xp.arange(c)[None, :] <= rows, s, -math.inf)
                    dev.hold(s=s)
                    states[i] = merge(states[i], s, dev.held["v_cur"], p.combine, xp)
                    dev.hold(m=states[i][0], l=states[i][1], acc=states[i][2])
                    dev.drop("s")
                if step < p.devices - 1:
                    dev.hold(k_cur=dev.held.pop("k_in"), v_cur=dev.held.pop("v_in"))
            out = xp.concatenate([acc / l for _, l, acc in states])
            steps.append(step + 1)
            errors.append(max(float(to_host(xp.max(xp.abs(out - full)))), FLOOR))
            if step < p.devices - 1 and (step + 1) % max(1, p.devices // 8) == 0:
                yield Frame(
                    0.95 * (step + 1) / p.devices,
                    f"ring step {step + 1}/{p.devices}",
                    self._series(steps, errors),
                )
        measured = {
            "devices": p.devices,
            "combine": p.combine,
            "max_abs_error": errors[-1] if errors[-1] > FLOOR else 0.0,
            "peak_elements_per_device": max(dev.peak for dev in devs),
            "peak_kv_blocks": max(dev.peak_kv_blocks for dev in devs),
            "block_tokens": c,
            "score_matrix_elements": p.n * p.n,
            "kv_elements_sent_per_device": sent // p.devices,
            "flops_per_sent_element": 2 * c,  # 4 c² d FLOPs (q k^T and p v) per 2 c d elements received
            "blocks_skipped": skipped,
        }
        yield Frame(1.0, "measured", self._series(steps, errors), measured=measured)

    def decide(self, measured: Mapping[str, Any], params: RingParams) -> Verdict:
        """Holds when the ring result matches full attention and no device held over two KV blocks."""
        err, blocks = float(measured["max_abs_error"]), int(measured["peak_kv_blocks"])
        exact, small = err < EXACT, blocks <= 2
        summary = (
            f"{measured['combine']} merge over {plural(int(measured['devices']), 'device')}: largest error "
            f"{sci(err)}; each device held at most {plural(blocks, 'KV block')} and "
            f"{measured['peak_elements_per_device']} elements (full score matrix: "
            f"{measured['score_matrix_elements']})"
        )
        if not exact:
            summary += (
                "; wrong: the blocks' exponentials were taken against different maxima and never rescaled"
            )
            if measured["combine"] == "local-softmax":
                summary = summary.replace(
                    "taken against different maxima and never rescaled", "normalised per block"
                )
        elif not small:
            summary += "; exact, but a device held more than two key/value blocks"
        return Verdict(exact and small, summary, dict(measured))

    @staticmethod
    def _series(steps: list[int], errors: list[float]) -> tuple[Series, ...]:
        return (Series.of("ring result vs full attention", steps, errors),)
