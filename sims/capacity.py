"""Capacity: what a layer's weight count depends on.

``fc-flat-sequence`` counts the weights of a fully connected layer over a flattened n x d sequence
against those of self-attention's four projections, over a range of n, and checks that the first
grows as n^2 (and is tied to one n) while the second does not depend on n at all.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np
from pydantic import Field, model_validator

from ._words import sci
from .core import Frame, PlotSpec, Probe, Series, SimParams, Simulation, Verdict, fit_slope
from .registry import register

ALLOC_CAP = 1 << 22
"""Largest weight count actually allocated (float32, 16 MiB); larger layers are counted by shape."""
SLOPE_TOL = 0.02


class FlatFC:
    """A dense layer over the flattened sequence: y = W · vec(x), reshaped back to (n, d)."""

    def __init__(self, n: int, d: int) -> None:
        self.n, self.d = n, d

    def shapes(self) -> dict[str, tuple[int, ...]]:
        """The shape of every weight array (biases aside)."""
        return {"W": (self.n * self.d, self.n * self.d)}

    def build(self, xp: Any, rng: np.random.Generator) -> dict[str, Any]:
        """Allocate the weights, small random float32 values."""
        return {
            name: xp.asarray(rng.standard_normal(shape, dtype=np.float32) / math.sqrt(shape[-1]))
            for name, shape in self.shapes().items()
        }

    def forward(self, weights: dict[str, Any], x: Any) -> Any:
        """(n, d) -> (n, d); any other n is a shape mismatch in the matmul."""
        return (weights["W"] @ x.reshape(-1)).reshape(self.n, self.d)


class SelfAttention:
    """One attention head of width d: Q, K, V and output projections, (n, d) -> (n, d) for any n."""

    def __init__(self, d: int) -> None:
        self.d = d

    def shapes(self) -> dict[str, tuple[int, ...]]:
        """The shape of every weight array (biases aside); no n anywhere."""
        return {name: (self.d, self.d) for name in ("W_q", "W_k", "W_v", "W_o")}

    def build(self, xp: Any, rng: np.random.Generator) -> dict[str, Any]:
        """Allocate the weights, small random float32 values."""
        return {
            name: xp.asarray(rng.standard_normal(shape, dtype=np.float32) / math.sqrt(self.d))
            for name, shape in self.shapes().items()
        }

    def forward(self, weights: dict[str, Any], x: Any, xp: Any) -> Any:
        """Softmax(QK^T / sqrt d) V W_o for x of shape (n, d)."""
        q, k, v = x @ weights["W_q"], x @ weights["W_k"], x @ weights["W_v"]  # (n, d) each
        scores = q @ k.T / math.sqrt(self.d)  # (n, n)
        scores = xp.exp(scores - scores.max(axis=1, keepdims=True))
        return (scores / scores.sum(axis=1, keepdims=True)) @ v @ weights["W_o"]  # (n, d)


def count(shapes: dict[str, tuple[int, ...]]) -> int:
    """Total number of weights in arrays of these shapes."""
    return sum(math.prod(shape) for shape in shapes.values())


class CapacityParams(SimParams):
    """Model width and the range of sequence lengths."""

    d: int = Field(64, ge=1, le=256, description="Model width $d$ (features per position).")
    n_min: int = Field(16, ge=1, le=65536, description="Shortest sequence length $n$ counted.")
    n_max: int = Field(4096, ge=1, le=65536, description="Longest sequence length $n$ counted.")
    points: int = Field(10, ge=2, le=32, description="How many lengths between n_min and n_max.")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="Seed for the weights and inputs allocated.")

    @model_validator(mode="after")
    def _ordered(self) -> CapacityParams:
        if self.n_min >= self.n_max or self.points < 2:
            raise ValueError(
                "cannot fit a slope: growth with n needs two lengths (n_min < n_max, points ≥ 2)"
            )
        return self


@register
class FcFlatSequence(Simulation):
    """Weights of a flat fully connected layer vs self-attention, counted over sequence lengths."""

    id = "fc-flat-sequence"
    title = "A fully connected layer over a flattened sequence"
    claim = (
        r"For sequences of $n \ge 3$ positions, a fully connected layer over a flattened $n \times d$ sequence "
        "needs $(nd)^2$ weights, growing with the square of $n$ and fixed to one length, while "
        "self-attention's $4d^2$ projection weights do not depend on $n$ and are fewer."
    )
    Params = CapacityParams
    counter = {"n_min": 1}
    plot = PlotSpec(
        x_label="sequence length $n$ (positions)",
        y_label="weights",
        log_x=True,
        log_y=True,
        x_integer=True,
        y_integer=True,
    )
    explains = (
        "The run builds both layers and counts their weight arrays (allocating them where they fit in "
        r"16 MiB, and checking the allocated sizes): the flat layer's single matrix is $nd \times nd$, so "
        r"its size has log-log slope 2 in $n$, while $Q$, $K$, $V$ and the output projection are $d \times d$ "
        "whatever the length. It also feeds each layer a sequence one position longer than it was built "
        "for: the flat layer cannot take it, attention can. The count $(nd)^2$ beats $4d^2$ only from "
        "$n = 3$: at $n = 2$ they tie, and at $n = 1$ (press c) the flat layer is a single "
        r"$d \times d$ matrix, a quarter of attention's."
    )
    headline = "fc_over_attention_at_n_max"
    quantities = {
        "d": "model width $d$",
        "n_max": "longest length $n$ (positions)",
        "fc_weights_at_n_max": "flat FC weights at the longest $n$",
        "attention_weights_at_n_max": "attention weights at the longest $n$",
        "fc_over_attention_at_n_max": "flat FC ÷ attention weights at the longest $n$",
        "fc_slope": "flat FC weights: log-log slope in $n$",
        "attention_slope": "attention weights: log-log slope in $n$",
        "lengths_measured": "sequence lengths counted",
        "lengths_attention_not_fewer": "lengths where attention has no fewer weights",
        "first_n_attention_not_fewer": "first such $n$ (0: none)",
        "fc_weights_there": "flat FC weights at that $n$",
        "attention_weights_there": "attention weights at that $n$",
        "allocated_and_checked": "layers allocated and their sizes checked",
        "allocation_mismatches": "allocated sizes that differ from the count",
        "fc_rejects_other_length": "flat FC refuses a length it was not built for",
        "attention_accepts_other_length": "attention takes a length it was not built for",
        "fc_exceeds_attention_everywhere": "flat FC has more weights at every $n$",
    }
    probes = (
        Probe({"n_min": 3}, True, "n = 3: (3d)^2 = 9d^2 > 4d^2, and larger n only widens the gap"),
        Probe({"n_min": 2}, False, "n = 2: (2d)^2 = 4d^2 equals attention's 4d^2, not fewer"),
        Probe({"d": 1, "n_min": 3, "n_max": 5, "points": 3}, True, "tiny d = 1: n^2 weights vs 4, n = 3..5"),
        Probe(
            {"n_max": 65536, "points": 4},
            True,
            "huge n = 65,536, d = 64: 1.8e13 weights, counted by shape (not allocated), slope still 2",
        ),
    )

    def measure(self, params: CapacityParams, xp: Any) -> Iterator[Frame]:
        d = params.d
        lengths = np.unique(np.geomspace(params.n_min, params.n_max, params.points).round().astype(int))
        yield Frame(0.0, f"counting weights for $n = {lengths[0]}..{lengths[-1]}$, $d = {d}$")

        rng = np.random.default_rng(params.seed)
        attention = SelfAttention(d)
        fc_counts = np.zeros(lengths.size)  # (m,)
        att_counts = np.zeros(lengths.size)  # (m,)
        allocated = mismatched = 0
        for i, n in enumerate(lengths):
            fc = FlatFC(int(n), d)
            fc_counts[i], att_counts[i] = count(fc.shapes()), count(attention.shapes())
            if fc_counts[i] <= ALLOC_CAP:  # small enough to build: the allocated sizes must agree
                built = sum(int(w.size) for w in fc.build(xp, rng).values())
                mismatched += built != fc_counts[i]
                allocated += 1
            yield Frame(
                0.9 * (i + 1) / lengths.size,
                f"$n = {n}$: flat FC {sci(fc_counts[i], 3)} weights, attention {sci(att_counts[i], 3)}",
                self._series(lengths[: i + 1], fc_counts[: i + 1], att_counts[: i + 1]),
            )

        fc_rejects, att_accepts = self._other_length(min(int(lengths[0]), 8), d, xp, rng)
        not_fewer = np.flatnonzero(fc_counts <= att_counts)  # (t,) lengths where attention is not fewer
        first = int(not_fewer[0]) if not_fewer.size else None
        yield Frame(
            1.0,
            "done",
            self._series(lengths, fc_counts, att_counts),
            measured={
                "d": int(d),
                "n_max": int(lengths[-1]),
                "fc_weights_at_n_max": int(fc_counts[-1]),
                "attention_weights_at_n_max": int(att_counts[-1]),
                "fc_over_attention_at_n_max": float(fc_counts[-1] / att_counts[-1]),
                "fc_slope": float(fit_slope(lengths, fc_counts)),
                "attention_slope": float(fit_slope(lengths, att_counts)),
                "lengths_measured": int(lengths.size),
                "lengths_attention_not_fewer": int(not_fewer.size),
                "first_n_attention_not_fewer": int(lengths[first]) if first is not None else 0,
                "fc_weights_there": int(fc_counts[first]) if first is not None else 0,
                "attention_weights_there": int(att_counts[first]) if first is not None else 0,
                "allocated_and_checked": int(allocated),
                "allocation_mismatches": int(mismatched),
                "fc_rejects_other_length": bool(fc_rejects),
                "attention_accepts_other_length": bool(att_accepts),
            },
        )

    @staticmethod
    def _other_length(n: int, d: int, xp: Any, rng: np.random.Generator) -> tuple[bool, bool]:
        """Build both layers for length n and feed them n+1 positions: (FC refused, attention accepted)."""
        fc, attention = FlatFC(n, d), SelfAttention(d)
        fc_w, att_w = fc.build(xp, rng), attention.build(xp, rng)
        same = xp.asarray(rng.standard_normal((n, d), dtype=np.float32))  # (n, d)
        longer = xp.asarray(rng.standard_normal((n + 1, d), dtype=np.float32))  # (n+1, d)
        assert fc.forward(fc_w, same).shape == (n, d)
        try:
            fc.forward(fc_w, longer)
            fc_rejects = False
        except ValueError:
            fc_rejects = True
        att_accepts = attention.forward(att_w, longer, xp).shape == (n + 1, d)
        return fc_rejects, bool(att_accepts)

    @staticmethod
    def _series(lengths: np.ndarray, fc: np.ndarray, att: np.ndarray) -> tuple[Series, ...]:
        return (Series.of("flat FC $(nd)^2$", lengths, fc), Series.of("attention $4d^2$", lengths, att))

    def decide(self, measured: Any, params: CapacityParams) -> Verdict:
        """Holds when FC's slope is ~2, attention's ~0, attention is fewer at every n, and lengths behave."""
        fc_slope, att_slope = measured["fc_slope"], measured["attention_slope"]
        slopes_ok = abs(fc_slope - 2) < SLOPE_TOL and abs(att_slope) < SLOPE_TOL
        fewer = measured["lengths_attention_not_fewer"] == 0
        lengths_ok = measured["fc_rejects_other_length"] and measured["attention_accepts_other_length"]
        holds = slopes_ok and fewer and lengths_ok and measured["allocation_mismatches"] == 0
        shown = [round(v, 2) + 0.0 for v in (fc_slope, att_slope)]  # no "-0.00"
        summary = (
            f"log-log slopes FC {shown[0]:.2f}, attention {shown[1]:.2f}; at $n = {measured['n_max']}$ FC has "
            f"{sci(measured['fc_weights_at_n_max'], 3)} weights vs attention "
            f"{sci(measured['attention_weights_at_n_max'], 3)} ({sci(measured['fc_over_attention_at_n_max'], 3)}×)"
        )
        if not fewer:
            n = measured["first_n_attention_not_fewer"]
            summary += (
                f"; at $n = {n}$ the flat layer has {measured['fc_weights_there']} weights, attention "
                f"{measured['attention_weights_there']}: $(nd)^2$ {'ties' if n == 2 else 'is below'} $4d^2$ "
                f"since $n^2 {'=' if n == 2 else '<'} 4$, so attention is fewer only from $n = 3$"
            )
        if not slopes_ok:
            summary += "; slopes not 2 and 0"
        summary += "" if measured["fc_rejects_other_length"] else "; FC accepted another length"
        summary += "" if measured["attention_accepts_other_length"] else "; attention refused another length"
        return Verdict(
            bool(holds), summary, dict(measured) | {"fc_exceeds_attention_everywhere": bool(fewer)}
        )
