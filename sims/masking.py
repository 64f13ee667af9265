"""What a causal mask does to information flow: later tokens cannot reach earlier outputs.

``causal-mask-future-edit`` runs a stack of residual self-attention layers twice, on a sequence and on
the same sequence with one token replaced, and compares every position's output. Under a causal mask
query i attends to keys j <= i only (Vaswani et al. 2017, "Attention Is All You Need", sec. 3.2.3:
"prevent leftward information flow"), so outputs before the edited position are identical bit for bit
in every layer, while the edited position and all after it change. Without the mask every output
depends on the whole input, so the same edit moves every output.
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
from .kernels import attention
from .registry import register

ROUNDOFF = 64 * float(np.finfo(np.float64).eps)
"""Relative round-off of a float64 attention output (~1.4e-14): changes below this times the outputs'
size are not changes."""
MOVED = 1e-6
"""A position's output has changed when it moves by more than this, relative to the outputs' size."""
TINY = 1e-18
"""Height at which an exact 0 is drawn on a log scale."""


class FutureEditParams(SimParams):
    """The sequence, the stack, which token is replaced, and the mask."""

    n: int = Field(32, ge=2, le=512, description="Sequence length $n$ (tokens).")
    d: int = Field(16, ge=1, le=64, description="Model width $d$.")
    layers: int = Field(2, ge=1, le=6, description="Residual self-attention layers stacked.")
    edit_at: int = Field(20, ge=0, le=511, description="Position $j$ whose token is replaced by another.")
    causal: bool = Field(True, description="Causal mask (decoder); False: bidirectional (encoder).")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="Seed for the tokens, the edit and the weights.")

    @model_validator(mode="after")
    def _inside(self) -> FutureEditParams:
        if self.edit_at >= self.n:
            raise ValueError("edit_at must be a position of the sequence (below n)")
        return self


@register
class CausalMaskFutureEdit(Simulation):
    """Edit one token; compare every layer's outputs before and after the edit, position by position."""

    id = "causal-mask-future-edit"
    title = "A causal mask: later tokens cannot change earlier outputs"
    claim = (
        "In a stack of causally masked self-attention layers, replacing the token at position $j$ leaves "
        "the outputs at every position before $j$ unchanged (to float64 round-off) in every layer, while "
        "the outputs at $j$ and after it change."
    )
    Params = FutureEditParams
    counter = {"causal": False}
    quantities = {
        "causal": "causal mask",
        "edit_at": "edited position $j$",
        "positions_before": "positions before $j$",
        "positions_from": "positions from $j$ on",
        "layers": "layers",
        "max_relative_change_before": "largest change before $j$, relative to the outputs",
        "min_relative_change_from": "smallest change from $j$ on, relative",
        "positions_before_changed": "positions before $j$ that changed",
        "positions_from_unchanged": "positions from $j$ on that did not move",
        "output_max_abs": "largest |output|",
    }
    plot = PlotSpec(
        x_label="position $i$", y_label="max |output change| at $i$ (last layer)", log_y=True, x_integer=True
    )
    explains = (
        r"The mask sets the score of query $i$ against key $j$ to $-\infty$ for $j > i$, so the softmax gives "
        "those keys weight exactly 0 and position $i$ mixes values $0..i$ only; stacking layers keeps it so, "
        "since every layer's input at $i$ already depends on positions $0..i$ alone. The run replaces token "
        "$j$ and finds the outputs before $j$ equal bit for bit, while $j$ and every later position move: a "
        "decoder's output at $i$ cannot use the right context. Remove the mask (an encoder) and the same "
        "edit moves every output, before $j$ too."
    )
    probes = (
        Probe(
            {"edit_at": 0}, True, "nothing precedes position 0, so the claim asks only that outputs change"
        ),
        Probe(
            {"n": 512, "layers": 6, "edit_at": 511},
            True,
            "depth does not let information flow backward: each layer's input at i depends on 0..i only",
        ),
        Probe(
            {"n": 2, "d": 1, "edit_at": 1, "layers": 1}, True, "smallest case: one earlier output, unchanged"
        ),
        Probe(
            {"causal": False, "n": 2, "d": 1, "edit_at": 1, "layers": 1},
            False,
            "without a mask position 0 attends to position 1, so editing it moves output 0",
        ),
    )

    def measure(self, params: FutureEditParams, xp: Any) -> Iterator[Frame]:
        n, d, j = params.n, params.d, params.edit_at
        mask = "causal" if params.causal else "bidirectional"
        yield Frame(0.0, f"{plural(params.layers, f'{mask} layer')} over {n} tokens; replacing token {j}")
        rng = np.random.default_rng(params.seed)
        x = rng.standard_normal((n, d))  # (n, d)
        edited = x.copy()
        edited[j] = rng.standard_normal(d)  # a different token at position j
        weights = [  # layers x three (d, d): W_q, W_k, W_v with unit-variance outputs
            [xp.asarray(rng.standard_normal((d, d)) / math.sqrt(d)) for _ in range(3)]
            for _ in range(params.layers)
        ]
        h, h_edit = xp.asarray(x), xp.asarray(edited)  # (n, d) each
        before_max = 0.0  # largest change before j, relative, over every layer
        size = 0.0
        change = np.zeros(n)
        for layer, (w_q, w_k, w_v) in enumerate(weights):
            h = h + attention(h @ w_q, h @ w_k, h @ w_v, xp, causal=params.causal)  # (n, d) residual layer
            h_edit = h_edit + attention(h_edit @ w_q, h_edit @ w_k, h_edit @ w_v, xp, causal=params.causal)
            size = float(to_host(xp.max(xp.abs(h))))
            change = to_host(xp.max(xp.abs(h_edit - h), axis=1)) / size  # (n,) relative change per position
            if j > 0:
                before_max = max(before_max, float(change[:j].max()))
            yield Frame(
                0.9 * (layer + 1) / params.layers,
                f"layer {layer + 1}: largest change before position {j} is {sci(before_max)}",
                self._series(change),
            )
        measured = {
            "causal": bool(params.causal),
            "edit_at": j,
            "positions_before": j,
            "positions_from": n - j,
            "layers": params.layers,
            "max_relative_change_before": before_max,
            "min_relative_change_from": float(change[j:].min()),
            "positions_before_changed": int(np.sum(change[:j] > ROUNDOFF)),
            "positions_from_unchanged": int(np.sum(change[j:] <= MOVED)),
            "output_max_abs": size,
        }
        yield Frame(1.0, "measured", self._series(change), measured=measured)

    @staticmethod
    def _series(change: np.ndarray) -> tuple[Series, ...]:
        positions = np.arange(change.size)
        return (
            Series.of(
                r"$|\text{output change}| / \max |\text{output}|$", positions, np.maximum(change, TINY)
            ),
        )

    def decide(self, measured: Mapping[str, Any], params: FutureEditParams) -> Verdict:
        """Holds when nothing before j moved beyond round-off and everything from j on moved."""
        before, after = (
            float(measured["max_relative_change_before"]),
            float(measured["min_relative_change_from"]),
        )
        j = int(measured["edit_at"])
        kept = before <= ROUNDOFF
        moved = after > MOVED
        holds = kept and moved
        mask = "causal" if measured["causal"] else "bidirectional"
        if not kept:
            why = (
                f"; {measured['positions_before_changed']} of the {plural(j, 'earlier output')} changed: "
                "they attend to the edited token, so information flowed backward"
            )
        elif not moved:
            why = f"; {plural(measured['positions_from_unchanged'], 'output')} from $j$ on did not move"
        else:
            why = ""
        summary = (
            f"{mask}, {plural(measured['layers'], 'layer')}, token {j} replaced: outputs before it changed by "
            f"at most {sci(before)} (relative), outputs from it on by at least {sci(after)}{why}"
        )
        return Verdict(holds, summary, dict(measured))
