"""The online softmax is exact: one streaming pass with a running max and a rescaled running sum.

``online-softmax-exactness`` checks the running max / running sum recurrence that makes FlashAttention's
key blocks exact (Milakov & Gimelshein 2018, "Online normalizer calculation for softmax", alg. 3;
Dao et al. 2022, "FlashAttention", sec. 3.1) against the two-pass stable softmax.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np
from pydantic import Field, model_validator

from ._words import plural, sci
from .backend import to_host
from .core import Frame, PlotSpec, Probe, Series, SimParams, Simulation, Verdict
from .kernels import softmax, streaming_lse
from .registry import register

EXACT_REL = 1e-12
"""The streaming softmax is exact when its largest relative error is below this."""


class OnlineParams(SimParams):
    """The logits streamed, how they are chunked, and whether the running sum is rescaled."""

    rows: int = Field(32, ge=1, le=256, description="Independent logit vectors (softmax rows).")
    n: int = Field(4096, ge=2, le=65536, description="Logits per row ($n$).")
    chunk: int = Field(64, ge=1, le=65536, description="Logits read per step of the streaming pass.")
    magnitude: float = Field(
        1000.0, gt=0.0, le=1e6, description=r"Logits are uniform in $\pm\text{magnitude}$."
    )
    rescale: bool = Field(
        True,
        description=r"Multiply the running sum by $e^{m_\text{old} - m_\text{new}}$ whenever the max grows.",
    )
    seed: int = Field(0, ge=0, le=2**31 - 1, description="Seed for the logits.")

    @model_validator(mode="after")
    def _small(self) -> OnlineParams:
        if self.rows * self.n > 2**20 or self.n / self.chunk > 4096:
            raise ValueError("rows × n must stay under 2²⁰ and n / chunk under 4096 steps")
        return self


@register
class OnlineSoftmaxExactness(Simulation):
    """Streams logits through a running max and sum and compares with the two-pass softmax."""

    id = "online-softmax-exactness"
    title = "Online softmax is exact"
    claim = (
        "A softmax whose normaliser is computed in one streaming pass, with a running max and a running "
        "sum rescaled whenever the max grows, equals the two-pass stable softmax to a relative error "
        "below $10^{-12}$, even for logits of magnitude 1000 where a naive exp overflows."
    )
    Params = OnlineParams
    counter = {"rescale": False}
    quantities = {
        "rescale": "running sum rescaled",
        "rows": "softmax rows",
        "max_rel_error": "largest relative error vs the two-pass softmax",
        "streamed_sum_min": r"smallest streamed sum $\ell$",
        "streamed_sum_max": r"largest streamed sum $\ell$",
        "max_row_sum_error": "largest |row sum - 1|",
        "naive_inf_count": "naive exp: entries that overflow to inf",
        "naive_nan_rows": "naive softmax: rows with NaN",
        "max_logit": "largest logit",
        "steps": "streaming steps",
    }
    probes = (
        Probe(
            {"rescale": False, "chunk": 4096},
            True,
            "one chunk: the max is final before any sum, nothing to rescale",
        ),
        Probe(
            {"rescale": False, "magnitude": 1e-3},
            False,
            "tiny logits: the maxima differ by ~1e-3, still ~1e-3 relative error without rescaling, not 1e-12",
        ),
        Probe({"magnitude": 1e6}, True, "huge logits: every exp is of x - m <= 0, so nothing overflows"),
        Probe({"n": 2, "chunk": 1, "rows": 1}, True, "two logits, one at a time: a single rescale"),
    )
    plot = PlotSpec(x_label="logits streamed", y_label="log-sum-exp of the prefix (row 0)", x_integer=True)
    explains = (
        r"The two-pass softmax finds the max, then sums $e^{x - \max}$. The streaming pass keeps the max "
        "seen so far and a sum taken against it; when a larger max arrives, multiplying the sum by "
        r"$e^{m_\text{old} - m_\text{new}}$ moves every earlier term to the new reference, so nothing is "
        "approximated. Skip that rescaling and nothing overflows (every exponent is "
        r"$x - m \le 0$, and the sum stays a modest number), but the sum adds terms taken against different "
        "maxima, so the normaliser, and every probability, is wrong. Skip the max altogether and "
        "$e^{1000}$ is inf, the naive softmax NaN."
    )

    def measure(self, params: OnlineParams, xp: Any) -> Iterator[Frame]:
        yield Frame(
            0.0,
            f"streaming {plural(params.rows, 'row')} of {params.n} logits in chunks of {params.chunk}",
        )
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
        measured = {
            "rescale": bool(params.rescale),
            "rows": params.rows,
            "max_rel_error": rel_err,
            "streamed_sum_min": float(to_host(xp.min(l))),
            "streamed_sum_max": float(to_host(xp.max(l))),
            "max_row_sum_error": row_sum_err,
            "naive_inf_count": inf_count,
            "naive_nan_rows": nan_rows,
            "max_logit": float(host.max()),
            "steps": steps,
        }
        yield Frame(1.0, "measured", self._series(ends, exact, lse), measured=measured)

    def decide(self, measured: Mapping[str, Any], params: OnlineParams) -> Verdict:
        """Holds when the streamed softmax matches the two-pass one to EXACT_REL."""
        rel_err = float(measured["max_rel_error"])
        holds = rel_err < EXACT_REL
        why = (
            ""
            if holds
            else (
                f"; the streamed sum stayed finite ({sci(measured['streamed_sum_min'], 3)}.."
                f"{sci(measured['streamed_sum_max'], 3)}) "
                "but mixes terms taken against different maxima"
                if not measured["rescale"]
                else "; not exact"
            )
        )
        summary = (
            f"streaming vs two-pass: max relative error {sci(rel_err)} "
            f"({'with' if measured['rescale'] else 'without'} rescaling, {plural(measured['steps'], 'step')}); "
            f"naive exp: {measured['naive_inf_count']} inf, {measured['naive_nan_rows']}/"
            f"{plural(measured['rows'], 'row')} NaN" + why
        )
        return Verdict(holds, summary, dict(measured))

    @staticmethod
    def _series(ends: list[int], exact: list[float], lse: list[float]) -> tuple[Series, ...]:
        """Streaming log-sum-exp of row 0's prefix (finite points only) against the two-pass value."""
        finite = [(e, v) for e, v in zip(ends, lse, strict=True) if math.isfinite(v)]
        return (
            Series.of("two-pass (exact)", ends, exact),
            Series.of(r"streaming $m + \log \ell$", [e for e, _ in finite], [v for _, v in finite]),
        )
