"""Reach: how many layers it takes for one position to influence another.

``path-length-reachability`` propagates a boolean "influenced by position 0" vector layer by layer
through an RNN, a contiguous convolution stack, a dilated convolution stack and self-attention, and
counts the layers until position n-1 is reached (Vaswani et al. 2017, "Attention is all you need",
Table 1, "maximum path length").

``cnn-receptive-field`` measures the receptive field of a stack of 1-D convolutions by sending an
impulse from one output unit back through the (transposed) convolutions, i.e. its gradient, and
counting the input positions it touches.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from pydantic import Field, model_validator

from ._words import plural
from .backend import to_host
from .core import Frame, PlotSpec, Probe, Series, SimParams, Simulation, Verdict
from .registry import register

N_CAP = 4096


# ---------------------------------------------------------------------------------------------
# path-length-reachability


def _shift(reach: Any, by: int, xp: Any) -> Any:
    """``reach`` moved ``by`` positions later: out[i] = reach[i - by], False where i < by. (n,)"""
    out = xp.zeros_like(reach)
    if by < reach.size:
        out[by:] = reach[: reach.size - by]
    return out


def rnn_step(reach: Any, layer: int, kernel: int, xp: Any) -> Any:
    """One recurrent step: h_i reads h_(i-1) and x_i, so influence moves one position. (n,) -> (n,)"""
    return reach | _shift(reach, 1, xp)


def conv_layer(reach: Any, layer: int, kernel: int, xp: Any) -> Any:
    """A causal width-k convolution: output i reads inputs i-k+1..i (a windowed OR). (n,) -> (n,)"""
    n = reach.size
    counts = xp.concatenate([xp.zeros(1, dtype=xp.int64), xp.cumsum(reach, dtype=xp.int64)])  # (n+1,)
    idx = xp.arange(n)  # (n,)
    lo = xp.clip(idx - kernel + 1, 0, n)  # (n,) first input in each output's window
    return (counts[idx + 1] - counts[lo]) > 0


def dilated_layer(reach: Any, layer: int, kernel: int, xp: Any) -> Any:
    """Layer l of a dilated stack: output i reads inputs i - j*k^l for j < k. (n,) -> (n,)"""
    dilation = kernel**layer
    out = reach.copy()
    for j in range(1, kernel):
        if j * dilation >= reach.size:
            break
        out |= _shift(reach, j * dilation, xp)
    return out


def attention_layer(reach: Any, layer: int, kernel: int, xp: Any) -> Any:
    """Causal self-attention: output i reads every input 0..i (a prefix OR). (n,) -> (n,)"""
    return xp.cumsum(reach, dtype=xp.int64) > 0


def first_reached(step: Callable[..., Any], n: int, kernel: int, xp: Any) -> np.ndarray:
    """Layers after which each position 0..n-1 is first influenced by position 0. (n,) host ints.

    Propagates the reach vector with ``step`` until every position is reached.
    """
    reach = xp.zeros(n, dtype=bool)  # (n,)
    reach[0] = True
    first = xp.zeros(n, dtype=xp.int64)  # (n,) 0 for position 0 itself
    layer = 0
    while not bool(reach[-1]):
        new = step(reach, layer, kernel, xp)  # (n,)
        layer += 1
        first[new & ~reach] = layer
        reach = new
    return to_host(first)


def formula_layers(arch: str, n: int, k: int) -> int:
    """Vaswani et al.'s path lengths in exact integer arithmetic (for comparison only)."""
    if arch == "rnn":
        return n - 1
    if arch == "conv":
        return -(-(n - 1) // (k - 1))
    if arch == "dilated":
        layers, span = 0, 1
        while span < n:
            layers, span = layers + 1, span * k
        return layers
    return 1 if n > 1 else 0


ARCHS = (
    ("attention", "self-attention", attention_layer),
    ("dilated", "dilated conv ($k^l$)", dilated_layer),
    ("conv", "conv stack (width $k$)", conv_layer),
    ("rnn", "RNN", rnn_step),
)


class PathParams(SimParams):
    """The range of sequence lengths and the convolution width."""

    n_min: int = Field(16, ge=2, le=N_CAP, description="Shortest sequence length $n$ measured.")
    n_max: int = Field(N_CAP, ge=2, le=N_CAP, description="Longest sequence length $n$ measured.")
    kernel: int = Field(3, ge=2, le=N_CAP, description="$k$: convolution width (and dilation base).")
    points: int = Field(10, ge=1, le=32, description="How many lengths between n_min and n_max.")

    @model_validator(mode="after")
    def _ordered(self) -> PathParams:
        if self.n_min > self.n_max:
            raise ValueError("n_min must not exceed n_max")
        return self


@register
class PathLengthReachability(Simulation):
    """Layers until position 0 influences position n-1, measured by propagating reach."""

    id = "path-length-reachability"
    title = "Maximum path length: RNN vs convolution vs self-attention"
    claim = (
        "For position 0 to influence position $n - 1$ of a sequence longer than the kernel ($n > k$), an RNN "
        "needs $n - 1$ sequential steps, a stack of width-$k$ convolutions "
        r"$\lceil(n-1)/(k-1)\rceil$ layers, a dilated stack $\lceil\log_k n\rceil$ layers, and "
        "self-attention a single layer, strictly fewer than any of the others."
    )
    Params = PathParams
    counter = {"kernel": N_CAP}
    quantities = {
        "n_min": "shortest length $n$",
        "n_max": "longest length $n$",
        "kernel": "kernel width $k$",
        "lengths_measured": "sequence lengths measured",
        "attention_layers_at_n_max": "self-attention: layers at the longest $n$",
        "dilated_layers_at_n_max": "dilated conv: layers at the longest $n$",
        "conv_layers_at_n_max": "conv stack: layers at the longest $n$",
        "rnn_layers_at_n_max": "RNN: steps at the longest $n$",
        "attention_max_layers": "self-attention: most layers at any $n$",
        "formula_mismatches": "counts that differ from the formulas",
        "lengths_attention_not_fewest": "lengths where attention is not strictly fewest",
        "first_n_attention_not_fewest": "first such $n$ (0: none)",
        "attention_single_layer": "self-attention needs one layer at every $n$",
        "attention_strictly_fewest": "self-attention strictly fewest at every $n$",
    }
    plot = PlotSpec(
        x_label="sequence length $n$",
        y_label="layers until position $n - 1$ is reached",
        log_x=True,
        log_y=True,
        x_integer=True,
        y_integer=True,
    )
    explains = (
        "A boolean vector marks the positions that position 0 has influenced; each layer ORs in what its "
        "connectivity reads, and the run counts layers until the last position is marked. Self-attention "
        r"(causal here: each position reads every earlier one, which is all that position $0 \to n - 1$ "
        "needs) reads every position at once, so one layer suffices, while recurrence and local convolutions "
        "grow their reach a few positions per layer. The condition $n > k$ matters: a kernel at least as wide as "
        "the sequence also reaches it in one layer (press c), so attention's advantage is over narrow local "
        "operators, not over every architecture."
    )
    probes = (
        Probe(
            {"n_min": 16, "kernel": 15},
            True,
            "n >= 16 > k = 15: the conv stack needs >= 2 layers, attention 1",
        ),
        Probe(
            {"n_min": 16, "kernel": 16},
            False,
            "n = k = 16: one width-16 conv layer covers positions 0..15, a tie",
        ),
        Probe(
            {"n_min": 2, "n_max": 64}, False, "n = 2: one recurrent step also links positions 0 and 1, a tie"
        ),
        Probe(
            {"n_min": 3, "n_max": 3, "kernel": 2},
            True,
            "tiny n = 3 > k = 2: RNN 2, conv 2, dilated 2, attention 1",
        ),
        Probe(
            {"n_min": 4096, "kernel": 64, "points": 1},
            True,
            "n = 4096 > k = 64: conv ceil(4095/63) = 65 layers, dilated log_64 4096 = 2, attention 1",
        ),
    )

    def measure(self, params: PathParams, xp: Any) -> Iterator[Frame]:
        k = params.kernel
        lengths = np.unique(np.geomspace(params.n_min, params.n_max, params.points).round().astype(int))
        yield Frame(0.0, f"propagating reach over $n = {lengths[0]}..{lengths[-1]}$, $k = {k}$")

        layers: dict[str, np.ndarray] = {}
        series: list[Series] = []
        for i, (key, label, step) in enumerate(ARCHS):
            first = first_reached(step, int(lengths[-1]), k, xp)  # (n_max,)
            layers[key] = first[lengths - 1]  # (m,) layers for position n-1 of each length
            series.append(Series.of(label, lengths, layers[key]))
            if i + 1 < len(ARCHS):
                yield Frame(
                    (i + 1) / (len(ARCHS) + 1),
                    f"{label}: {plural(int(layers[key][-1]), 'layer')} at $n = {lengths[-1]}$",
                    tuple(series),
                )

        mismatches = sum(
            int(layers[key][j]) != formula_layers(key, int(n), k)
            for key, _, _ in ARCHS
            for j, n in enumerate(lengths)
        )
        others = np.minimum.reduce(
            [layers[key] for key in ("rnn", "conv", "dilated")]
        )  # (m,) fewest non-attention
        tied = np.flatnonzero(
            layers["attention"] >= others
        )  # (t,) lengths where attention is not strictly fewest
        yield Frame(
            1.0,
            "done",
            tuple(series),
            measured={
                "n_min": int(lengths[0]),
                "n_max": int(lengths[-1]),
                "kernel": int(k),
                "lengths_measured": int(lengths.size),
                **{f"{key}_layers_at_n_max": int(layers[key][-1]) for key, _, _ in ARCHS},
                "attention_max_layers": int(layers["attention"].max()),
                "formula_mismatches": int(mismatches),
                "lengths_attention_not_fewest": int(tied.size),
                "first_n_attention_not_fewest": int(lengths[tied[0]]) if tied.size else 0,
            },
        )

    def decide(self, measured: Any, params: PathParams) -> Verdict:
        """Counts must match the formulas, attention must need 1 layer and strictly fewest at every n."""
        single = measured["attention_max_layers"] == 1
        fewest = measured["lengths_attention_not_fewest"] == 0
        exact = measured["formula_mismatches"] == 0
        summary = (
            f"$n = {measured['n_max']}$: RNN {measured['rnn_layers_at_n_max']}, conv {measured['conv_layers_at_n_max']}, "
            f"dilated {measured['dilated_layers_at_n_max']}, attention "
            f"{plural(measured['attention_layers_at_n_max'], 'layer')}; "
            f"{plural(measured['formula_mismatches'], 'mismatch', 'mismatches')} with the formulas"
        )
        if not fewest:
            n, k = measured["first_n_attention_not_fewest"], measured["kernel"]
            why = (
                rf"a width-{k} kernel covers all $n = {n} \le k$ positions in one layer"
                if n <= k
                else "one recurrent step already links positions 0 and 1"
                if n == 2
                else "another operator ties"
            )
            summary += (
                f"; attention not strictly fewest at {measured['lengths_attention_not_fewest']} of "
                f"{plural(measured['lengths_measured'], 'length')}, first at $n = {n}$: {why}"
            )
        return Verdict(
            bool(exact and single and fewest),
            summary,
            dict(measured)
            | {"attention_single_layer": bool(single), "attention_strictly_fewest": bool(fewest)},
        )


# ---------------------------------------------------------------------------------------------
# cnn-receptive-field

RF_CAP = 1 << 21


class FieldParams(SimParams):
    """Depth, width and stride of the convolution stack."""

    layers: int = Field(8, ge=1, le=24, description="$L$: convolutions stacked.")
    kernel: int = Field(3, ge=2, le=9, description="$k$: width of every convolution.")
    stride: int = Field(1, ge=1, le=3, description="$s$: stride of every convolution.")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="Seed for the random positive kernels.")

    @model_validator(mode="after")
    def _small_enough(self) -> FieldParams:
        s, k, depth = self.stride, self.kernel, self.layers
        size = 1 + (k - 1) * (depth if s == 1 else (s**depth - 1) // (s - 1))
        if size > RF_CAP:
            raise ValueError(f"receptive field of {size} positions exceeds {RF_CAP}: lower layers or stride")
        return self


def receptive_field(kernels: list[Any], stride: int, xp: Any) -> tuple[int, int]:
    """(span, count) of the input positions that influence one output unit of ``kernels``.

    The span runs from the first to the last influencing input (the usual receptive field); the
    count leaves out the gaps a stride wider than the kernel leaves. The output unit's impulse goes
    back through each layer's transposed convolution: for y[p] = sum_j w[j] x[p*s + j], dL/dx is
    dL/dy upsampled by s and convolved (full) with w. Layers are listed first layer first.
    """
    grad = xp.ones(1)  # (1,) one output unit
    for w in reversed(kernels):  # w: (k,)
        up = xp.zeros((grad.size - 1) * stride + 1)  # (s(m-1)+1,) upsampled gradient
        up[::stride] = grad
        grad = xp.convolve(up, w)  # (s(m-1)+k,) gradient w.r.t. this layer's input
    touched = xp.flatnonzero(grad > 0)  # (count,) influencing input positions
    return int(touched[-1] - touched[0]) + 1, int(touched.size)


@register
class CnnReceptiveField(Simulation):
    """Receptive field of a 1-D convolution stack, measured by backpropagating an impulse."""

    id = "cnn-receptive-field"
    title = "Receptive field of stacked convolutions"
    claim = (
        "A stack of $L$ one-dimensional, undilated convolutions of width $k$ with stride 1 has a receptive "
        "field of $L(k-1) + 1$ input positions, at every depth $1..L$."
    )
    Params = FieldParams
    counter = {"stride": 2}
    headline = "measured_at_L"
    quantities = {
        "measured_at_L": "receptive field at depth $L$ (input positions)",
        "influencing_at_L": "input positions that influence the unit at depth $L$",
        "formula_at_L": "$L(k-1) + 1$",
        "depths_matching": "depths where the field equals the formula",
        "depths": "depths measured",
        "stride": "stride $s$",
        "kernel": "kernel width $k$",
    }
    plot = PlotSpec(
        x_label="depth $l$ (layers)",
        y_label="receptive field (input positions)",
        x_integer=True,
        y_integer=True,
    )
    explains = (
        "An impulse placed on one output unit is sent back through the transposed convolutions, which is "
        "exactly its gradient; the input positions it reaches are those that influence the unit, and their "
        "span is the receptive field. With positive random weights nothing cancels, and with stride 1 "
        "each layer widens the field by $k - 1$, so the field grows only linearly with depth. A stride $s$ "
        "multiplies the widening of every deeper layer by $s$, giving $1 + (k-1)(s^L - 1)/(s - 1)$ (press c), "
        "so $L(k-1) + 1$ badly under-counts."
    )
    probes = (
        Probe({"layers": 24, "kernel": 9}, True, "stride 1: 24 x 8 + 1 = 193 positions, linear in depth"),
        Probe(
            {"layers": 1, "stride": 2}, True, "one layer: stride only spaces the outputs, the field is k = 3"
        ),
        Probe({"layers": 1, "kernel": 2}, True, "tiny: one width-2 layer sees 2 positions"),
        Probe(
            {"layers": 3, "kernel": 2, "stride": 3},
            False,
            "stride 3 > k = 2: span 1 + 1 x (1+3+9) = 14, not 4, and it has holes",
        ),
    )

    def measure(self, params: FieldParams, xp: Any) -> Iterator[Frame]:
        depth, k, s = params.layers, params.kernel, params.stride
        yield Frame(0.0, f"{plural(depth, 'convolution')}, $k = {k}$, stride {s}")
        rng = np.random.default_rng(params.seed)
        kernels = [xp.asarray(rng.uniform(0.1, 1.0, k)) for _ in range(depth)]  # L × (k,) positive

        depths = np.arange(1, depth + 1)  # (L,)
        formula = depths * (k - 1) + 1  # (L,) L(k-1)+1, for comparison
        fields = np.zeros(depth, dtype=int)  # (L,) measured span
        counts = np.zeros(depth, dtype=int)  # (L,) influencing positions within it
        for layer in range(1, depth + 1):
            fields[layer - 1], counts[layer - 1] = receptive_field(kernels[:layer], s, xp)
            if layer < depth:
                yield Frame(
                    layer / (depth + 1),
                    f"depth {layer}: receptive field {fields[layer - 1]} input positions",
                    self._series(depths[:layer], fields[:layer], formula[:layer]),
                )

        yield Frame(
            1.0,
            "done",
            self._series(depths, fields, formula),
            measured={
                "measured_at_L": int(fields[-1]),
                "influencing_at_L": int(counts[-1]),
                "formula_at_L": int(formula[-1]),
                "depths_matching": int(np.sum(fields == formula)),
                "depths": int(depth),
                "stride": int(s),
                "kernel": int(k),
            },
        )

    def decide(self, measured: Any, params: FieldParams) -> Verdict:
        """Holds when the measured span equals L(k-1)+1 at every depth."""
        holds = measured["depths_matching"] == measured["depths"]
        summary = (
            f"depth {measured['depths']}: measured {measured['measured_at_L']} positions vs $L(k-1) + 1$ = "
            f"{measured['formula_at_L']}; {measured['depths_matching']} of {plural(measured['depths'], 'depth')} "
            f"{'matches' if measured['depths'] == 1 else 'match'}"
        )
        if not holds and measured["stride"] > 1:
            s = measured["stride"]
            summary += (
                f"; stride {s} multiplies each deeper layer's widening by {s}, "
                "$1 + (k-1)(s^L - 1)/(s - 1)$, so the field grows geometrically"
            )
        return Verdict(bool(holds), summary, dict(measured))

    @staticmethod
    def _series(depths: np.ndarray, fields: np.ndarray, formula: np.ndarray) -> tuple[Series, ...]:
        return (Series.of("measured", depths, fields), Series.of("$L(k-1) + 1$", depths, formula))
