"""Sliding-window attention: how far information travels through a stack of windowed layers.

``sliding-window-reach`` propagates a boolean "influenced by position 0" vector through L causal
sliding-window attention layers and records, after each layer, the farthest position reached and the
layer at which every position was first reached (Beltagy et al. 2020, "Longformer", sec. 3.1; Jiang
et al. 2023, "Mistral 7B", sec. 2: after k layers information moves forward by up to k x W tokens).

Convention: a window of w tokens counts the token itself, so position i reads positions i-w+1..i and
one layer carries information w-1 positions forward. Mistral's paper writes the window as positions
i-W..i (W+1 tokens), which gives W per layer and L*W after L layers: the same count with W = w-1.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
from pydantic import Field, model_validator

from ._words import plural
from .backend import to_host
from .core import Frame, PlotSpec, Probe, Series, SimParams, Simulation, Verdict
from .reach import conv_layer
from .registry import register

N_CAP = 1 << 18
"""Longest sequence propagated (262,144 positions: a few milliseconds per layer)."""


class WindowParams(SimParams):
    """The window, the depth of the stack and the length of the sequence."""

    window: int = Field(
        4096, ge=2, le=N_CAP, description="$w$: tokens each position reads, itself included ($i-w+1..i$)."
    )
    layers: int = Field(32, ge=1, le=64, description="$L$: sliding-window layers stacked.")
    n: int = Field(
        131072,
        ge=2,
        le=N_CAP,
        description="Sequence length: positions $0..n-1$ (needs $n > L(w-1)$ to show $L$ layers).",
    )

    @model_validator(mode="after")
    def _window_fits(self) -> WindowParams:
        if self.window > self.n:
            raise ValueError("window must not exceed n: a window as wide as the sequence is full attention")
        return self


def window_layer(reach: Any, window: int, xp: Any) -> Any:
    """One causal sliding-window layer: output i reads inputs i-w+1..i (a windowed OR). (n,) -> (n,)

    The connectivity is that of a causal convolution of width w, so the reach is the same.
    """
    return conv_layer(reach, 0, window, xp)


def farthest(reach: Any, xp: Any) -> int:
    """The largest position marked in ``reach`` (-1 if none). (n,) -> int"""
    marked = xp.flatnonzero(reach)  # (m,)
    return int(marked[-1]) if marked.size else -1


def formula_first_layer(n: int, window: int, layers: int) -> np.ndarray:
    """ceil(t/(w-1)) for each position t, 0 for t = 0, -1 where that exceeds L layers. (n,) host ints."""
    t = np.arange(n, dtype=np.int64)  # (n,)
    first = -(-t // (window - 1))  # (n,) ceil(t / (w-1))
    return np.where(first <= layers, first, -1)


@register
class SlidingWindowReach(Simulation):
    """Farthest position reached from position 0 after each of L sliding-window layers."""

    id = "sliding-window-reach"
    title = "Sliding-window attention: reach grows linearly with depth"
    claim = (
        "With a causal sliding window of $w$ tokens per layer (position $i$ reads $i-w+1..i$), information "
        r"from position 0 first reaches position $t$ after $\lceil{t}/(w-1)\rceil$ layers, so while the "
        "sequence is longer than the reach ($L(w-1) < n$) the reach grows by $w - 1$ positions per layer and "
        "ends at position $L(w-1)$ after $L$ layers."
    )
    Params = WindowParams
    counter = {"n": 4096}
    headline = "reach_after_L"
    quantities = {
        "window": "window $w$ (tokens)",
        "layers": "layers $L$",
        "n": "sequence length $n$",
        "reach_after_1": "farthest position reached after one layer",
        "reach_after_L": "farthest position reached after $L$ layers",
        "formula_after_L": "$L(w-1)$",
        "layers_matching": "layers whose reach equals $l(w-1)$",
        "first_layer_mismatches": r"positions first reached at a layer other than $\lceil{t}/(w-1)\rceil$",
        "layers_to_reach_end_measured": "layers until position $n - 1$ is reached (-1: not within $L$)",
        "layers_to_reach_end_formula": r"$\lceil(n-1)/(w-1)\rceil$",
    }
    plot = PlotSpec(
        x_label="layers $l$",
        y_label="farthest position reached from position 0",
        x_integer=True,
        y_integer=True,
    )
    explains = (
        "A boolean vector marks the positions position 0 has influenced; each layer ORs over the last $w$ "
        "positions (a cumulative-sum window), and the run records the farthest mark after every layer and "
        "the layer at which each position was first marked. One layer moves information $w - 1$ positions, so "
        r"depth multiplies the window: Mistral 7B's 32 layers of 4096 reach about $32 \times 4096$ = 131k tokens "
        "(131,040 here, where the window counts the token itself). That reach is an upper bound on what "
        "can flow, not what the model uses, and it needs a sequence that long. Press c for the same stack "
        "on 4,096 tokens: the window is then as wide as the sequence, which is full attention, so one "
        "layer reaches every position and the other 31 add no reach. Depth times window is the reach "
        "only while it is shorter than the sequence."
    )
    probes = (
        Probe(
            {"window": 2, "layers": 64, "n": 1000},
            True,
            "w = 2: one position per layer, like a recurrence; 64 < 999",
        ),
        Probe(
            {"window": 4096, "layers": 32, "n": 131041},
            True,
            "edge: L(w-1) = 131,040 = n-1, the last position is reached exactly at layer 32",
        ),
        Probe(
            {"window": 262144, "layers": 1, "n": 262144},
            True,
            "huge: one layer of w = n reaches n-1 = w-1, still L(w-1) < n",
        ),
        Probe(
            {"window": 10, "layers": 20, "n": 100},
            False,
            "L(w-1) = 180 >= n = 100: the sequence ends at 99 after 11 layers, the rest add no reach",
        ),
        Probe(
            {"window": 131072, "layers": 2, "n": 131072},
            False,
            "w = n: full attention reaches everything in one layer, the second adds nothing",
        ),
    )

    def measure(self, params: WindowParams, xp: Any) -> Iterator[Frame]:
        w, depth, n = params.window, params.layers, params.n
        yield Frame(
            0.0, f"propagating reach through {plural(depth, 'layer')} of window {w} over {n} positions"
        )

        reach = xp.zeros(n, dtype=bool)  # (n,) influenced by position 0
        reach[0] = True
        first = xp.full(n, -1, dtype=xp.int64)  # (n,) layer of first influence, -1 = never
        first[0] = 0
        layers = np.arange(1, depth + 1)  # (L,)
        formula = layers * (w - 1)  # (L,) l(w-1)
        reached = np.zeros(depth, dtype=np.int64)  # (L,) measured farthest position after each layer
        every = max(1, depth // 16)  # frame stride
        for layer in range(1, depth + 1):
            new = window_layer(reach, w, xp)  # (n,)
            first[new & ~reach] = layer
            reach = new
            reached[layer - 1] = farthest(reach, xp)
            if layer % every == 0 and layer < depth:
                yield Frame(
                    0.95 * layer / depth,
                    f"layer {layer}: farthest position reached {reached[layer - 1]}",
                    self._series(layers[:layer], reached[:layer], formula[:layer]),
                )

        first_host = to_host(first)  # (n,)
        yield Frame(
            1.0,
            "done",
            self._series(layers, reached, formula),
            measured={
                "window": int(w),
                "layers": int(depth),
                "n": int(n),
                "reach_after_1": int(reached[0]),
                "reach_after_L": int(reached[-1]),
                "formula_after_L": int(formula[-1]),
                "layers_matching": int(np.sum(reached == formula)),
                "first_layer_mismatches": int(np.sum(first_host != formula_first_layer(n, w, depth))),
                "layers_to_reach_end_measured": int(
                    first_host[-1]
                ),  # -1: position n-1 not reached within L layers
                "layers_to_reach_end_formula": int(-(-(n - 1) // (w - 1))),
            },
        )

    def decide(self, measured: Any, params: WindowParams) -> Verdict:
        """Holds when every layer's reach is l(w-1) and every position's first layer is ceil(t/(w-1))."""
        depth, matching = measured["layers"], measured["layers_matching"]
        holds = matching == depth and measured["first_layer_mismatches"] == 0
        summary = (
            f"$w = {measured['window']}$, {plural(depth, 'layer')}: farthest position {measured['reach_after_L']} "
            f"vs $L(w-1)$ = {measured['formula_after_L']}; {matching} of {plural(depth, 'layer')} "
            f"{'matches' if depth == 1 else 'match'} $l(w-1)$; "
            f"{plural(measured['first_layer_mismatches'], 'position')} reached at a layer other than "
            r"$\lceil{t}/(w-1)\rceil$"
        )
        stop, n = measured["layers_to_reach_end_measured"], measured["n"]
        if matching < depth and stop != -1 and measured["reach_after_L"] == n - 1:
            summary += (
                f"; the sequence ends: all $n = {n}$ positions are reached after {plural(stop, 'layer')} and "
                f"the other {depth - stop} add{'s' if depth - stop == 1 else ''} no reach, since "
                f"$L(w-1)$ = {measured['formula_after_L']} "
                r"$\ge n$"
                + (" (a window as wide as the sequence is full attention)" if measured["window"] == n else "")
            )
        elif stop == -1:
            summary += f"; position $n - 1$ = {n - 1} needs {plural(measured['layers_to_reach_end_formula'], 'layer')}"
        return Verdict(bool(holds), summary, dict(measured))

    @staticmethod
    def _series(layers: np.ndarray, reached: np.ndarray, formula: np.ndarray) -> tuple[Series, ...]:
        return (Series.of("measured", layers, reached), Series.of("$l(w-1)$", layers, formula))
