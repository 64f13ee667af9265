"""A linear recurrence is a parallel prefix scan; a nonlinear one is not.

``associative-scan`` computes h_t = a_t h_{t-1} + b_t (h_{-1} = 0, per channel) twice: by the sequential
loop, and by a parallel prefix scan over the operator (a1, b1) o (a2, b2) = (a1 a2, a2 b1 + b2), the
composition of two affine maps, which is associative (Blelloch 1990, "Prefix sums and their applications",
sec. 1; Martin & Cundy 2018; Gu & Dao 2023, "Mamba", sec. 3.3.2). Hillis-Steele's scan takes
ceil(log2 n) levels and n log n combines; Blelloch's work-efficient scan an up-sweep, a down-sweep and
one inclusive level, 2 ceil(log2 n) + 1 levels and about 3n combines (3n - 2 for a power of two). With ``recurrence = tanh`` the same scan runs the operator
(a1, b1) o (a2, b2) = (a1 a2, tanh(a2 b1 + b2)), whose left-to-right fold is h_t = tanh(a_t h_{t-1} + b_t)
but which is not associative, so the tree of a parallel scan computes something else.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Literal

import numpy as np
from pydantic import Field, model_validator

from ._words import plural, sci
from .backend import to_host
from .core import Frame, PlotSpec, Probe, Series, SimParams, Simulation, Verdict
from .registry import register

EXACT = 1e-12
"""The scan equals the loop when its largest error, relative to the largest |h|, is below this."""
SHOWN = 64
"""Positions of channel 0 drawn in the plot."""

Pair = tuple[Any, Any]


class ScanParams(SimParams):
    """The sequence, the recurrence and the scan algorithm."""

    n: int = Field(4096, ge=2, le=65536, description="Sequence length $n$.")
    channels: int = Field(16, ge=1, le=256, description="Independent channels, each its own recurrence.")
    recurrence: Literal["linear", "tanh"] = Field(
        "linear",
        description=r"'linear': $h_t = a_t h_{t-1} + b_t$; 'tanh': $h_t = \tanh(a_t h_{t-1} + b_t)$.",
    )
    method: Literal["hillis-steele", "blelloch"] = Field(
        "hillis-steele",
        description="'hillis-steele': $\\lceil\\log_2 n\\rceil$ levels; 'blelloch': up-sweep and down-sweep, $O(n)$ combines.",
    )
    seed: int = Field(0, ge=0, le=2**31 - 1, description="Seed for the decays $a_t$ and inputs $b_t$.")

    @model_validator(mode="after")
    def _small(self) -> ScanParams:
        if self.n * self.channels > 1 << 20:
            raise ValueError("n × channels must stay at most 2²⁰ (about a second of scanning)")
        return self


def combine_linear(x: Pair, y: Pair) -> Pair:
    """(a1, b1) o (a2, b2) = (a1 a2, a2 b1 + b2): apply x, then y."""
    return x[0] * y[0], y[0] * x[1] + y[1]


def sequential(a: Any, b: Any, op: Callable[[Pair, Pair], Pair]) -> Any:
    """The left-to-right fold: n - 1 dependent steps. (n, c), (n, c) -> (n, c) states."""
    h = b.copy()
    acc = (a[0], b[0])
    for t in range(1, a.shape[0]):
        acc = op(acc, (a[t], b[t]))
        h[t] = acc[1]
    return h


def hillis_steele(a: Any, b: Any, op: Callable[[Pair, Pair], Pair]) -> Iterator[tuple[Any, int]]:
    """Inclusive scan: at level k every position t >= 2^k combines with t - 2^k. Yields (states, combines)."""
    a, b = a.copy(), b.copy()
    n, shift = a.shape[0], 1
    while shift < n:
        na, nb = op((a[:-shift], b[:-shift]), (a[shift:], b[shift:]))
        a[shift:], b[shift:] = na, nb
        yield b, n - shift
        shift *= 2


def blelloch(a: Any, b: Any, op: Callable[[Pair, Pair], Pair], xp: Any) -> Iterator[tuple[Any, int]]:
    """Work-efficient scan (padded to a power of two with the identity (1, 0)): up-sweep, down-sweep to an
    exclusive scan, then one level combining each prefix with its own element. Yields (states, combines)."""
    n = a.shape[0]
    size = 1 << max(1, math.ceil(math.log2(n)))
    pa = xp.ones((size,) + a.shape[1:])
    pb = xp.zeros((size,) + b.shape[1:])
    pa[:n], pb[:n] = a, b
    step = 1
    while step < size:  # up-sweep: node r (right child) becomes (left subtree) o (right subtree)
        r = xp.arange(2 * step - 1, size, 2 * step)
        pa[r], pb[r] = op((pa[r - step], pb[r - step]), (pa[r], pb[r]))
        yield pb[:n], len(r)
        step *= 2
    pa[-1], pb[-1] = 1.0, 0.0  # the root's prefix is the identity
    step = size // 2
    while step >= 1:  # down-sweep: left child gets the parent's prefix, right child prefix o left subtree
        r = xp.arange(2 * step - 1, size, 2 * step)
        la, lb = pa[r - step].copy(), pb[r - step].copy()
        pa[r - step], pb[r - step] = pa[r], pb[r]
        pa[r], pb[r] = op((pa[r], pb[r]), (la, lb))
        yield pb[:n], len(r)
        step //= 2
    _, out = op((pa[:n], pb[:n]), (a, b))  # inclusive: exclusive prefix o own element
    yield out, n


@register
class AssociativeScan(Simulation):
    """A parallel prefix scan of a recurrence against the sequential loop."""

    id = "associative-scan"
    title = "A linear recurrence runs as a parallel scan"
    claim = (
        r"Because $(a_1, b_1) \circ (a_2, b_2) = (a_1 a_2,\ a_2 b_1 + b_2)$ is associative, a parallel prefix "
        "scan over it computes every state of $h_t = a_t h_{t-1} + b_t$ equal to the sequential loop to a "
        r"relative error below $10^{-12}$, in $\lceil\log_2 n\rceil$ combine levels (Hillis-Steele; Blelloch's "
        r"work-efficient scan $2\lceil\log_2 n\rceil + 1$) instead of $n - 1$ dependent steps."
    )
    Params = ScanParams
    counter = {"recurrence": "tanh"}
    headline = "levels"
    quantities = {
        "recurrence": "recurrence",
        "method": "scan algorithm",
        "n": "sequence length $n$",
        "levels": "combine levels the scan ran",
        "levels_formula": "levels predicted",
        "combines": "combines in all (work)",
        "sequential_steps": "dependent steps of the loop ($n - 1$)",
        "max_rel_error": "largest |scan - loop| ÷ largest |h|",
        "associativity_gap": r"largest $|(x \circ y) \circ z - x \circ (y \circ z)|$ on sampled triples",
    }
    probes = (
        Probe(
            {"method": "blelloch"},
            True,
            "work-efficient: 3n - 2 combines in 2 log2 n + 1 levels, same states",
        ),
        Probe({"n": 1000}, True, "n not a power of two: the last level's partners stop at the sequence end"),
        Probe(
            {"recurrence": "tanh", "n": 2},
            True,
            "n = 2: one combine is the loop's only step; grouping never matters",
        ),
        Probe(
            {"recurrence": "tanh", "n": 3},
            False,
            "n = 3: x0 o (x1 o x2) differs from (x0 o x1) o x2 for tanh",
        ),
        Probe(
            {"recurrence": "tanh", "method": "blelloch"},
            False,
            "tanh breaks every tree, work-efficient or not",
        ),
    )
    plot = PlotSpec(x_label="position $t$ (channel 0)", y_label="state $h_t$", x_integer=True)
    explains = (
        r"Each step $h \mapsto a_t h + b_t$ is an affine map; two of them compose into one affine map "
        r"$(a_1 a_2, a_2 b_1 + b_2)$ of the same size, and composition is associative, so the prefixes can be "
        "combined in any grouping: a tree of depth $\\lceil\\log_2 n\\rceil$ (Hillis-Steele, $n\\log n$ work) or an "
        "up-sweep and down-sweep (Blelloch, $O(n)$ work: about $3n$ combines here, with the last level that turns the exclusive scan inclusive). That is why Mamba's input-dependent "
        "recurrence, which has no convolution form, can still train in parallel over the sequence. The run "
        "counts the levels and combines and compares every state with the loop. Press c for "
        r"$h_t = \tanh(a_t h_{t-1} + b_t)$: its one-step operator folds correctly from the left, but two tanh "
        "steps do not compose into one of the same form, so the operator is not associative and the scan's "
        "tree computes different states."
    )

    def measure(self, params: ScanParams, xp: Any) -> Iterator[Frame]:
        n, c = params.n, params.channels
        yield Frame(
            0.0, f"{params.recurrence} recurrence, {n} positions × {c} channels, {params.method} scan"
        )
        rng = np.random.default_rng(params.seed)
        a = xp.asarray(rng.uniform(0.5, 1.0, (n, c)))  # (n, c) decays, like exp(delta A) in an SSM
        b = xp.asarray(rng.standard_normal((n, c)))  # (n, c) inputs
        op = combine_linear if params.recurrence == "linear" else _tanh_op(xp)
        if params.recurrence == "tanh":
            b[0] = xp.tanh(b[0])  # h_0 = tanh(a_0 h_{-1} + b_0) with h_{-1} = 0
        loop = sequential(a, b, op)  # (n, c)
        shown = min(n, SHOWN)
        xs = np.arange(shown)
        truth = Series.of("sequential loop", xs, to_host(loop[:shown, 0]))
        scan = hillis_steele(a, b, op) if params.method == "hillis-steele" else blelloch(a, b, op, xp)
        levels = combines = 0
        out = b
        for out, count in scan:
            levels += 1
            combines += count
            yield Frame(
                min(0.9, 0.1 + 0.05 * levels),
                f"level {levels}: {count} combines",
                self._series(truth, xs, out),
            )
        scale = float(to_host(xp.max(xp.abs(loop))))
        err = float(to_host(xp.max(xp.abs(out - loop)))) / scale
        ceil_log = max(1, math.ceil(math.log2(n)))
        formula = ceil_log if params.method == "hillis-steele" else 2 * ceil_log + 1
        trip = [(a[i : i + 64], b[i : i + 64]) for i in (0, 64, 128)] if n >= 192 else [(a, b)] * 3
        left = op(op(trip[0], trip[1]), trip[2])
        right = op(trip[0], op(trip[1], trip[2]))
        gap = float(to_host(xp.max(xp.abs(left[1] - right[1]))))
        measured = {
            "recurrence": params.recurrence,
            "method": params.method,
            "n": n,
            "levels": levels,
            "levels_formula": formula,
            "combines": combines,
            "sequential_steps": n - 1,
            "max_rel_error": err,
            "associativity_gap": gap,
        }
        yield Frame(1.0, "measured", self._series(truth, xs, out), measured=measured)

    @staticmethod
    def _series(truth: Series, xs: np.ndarray, states: Any) -> tuple[Series, ...]:
        return (truth, Series.of("parallel scan", xs, to_host(states[: len(xs), 0])))

    def decide(self, measured: Mapping[str, Any], params: ScanParams) -> Verdict:
        """Holds when every state matches the loop to EXACT and the scan took the predicted levels."""
        err, levels, formula = (
            float(measured["max_rel_error"]),
            measured["levels"],
            measured["levels_formula"],
        )
        holds = err < EXACT and levels == formula
        summary = (
            f"{measured['recurrence']} recurrence, {measured['method']} scan: {plural(levels, 'level')} "
            f"(predicted {formula}) and {plural(measured['combines'], 'combine')} instead of "
            f"{plural(measured['sequential_steps'], 'dependent step')}; largest error vs the loop {sci(err)} of the "
            f"largest state; associativity gap {sci(float(measured['associativity_gap']))}"
        )
        if err >= EXACT:
            summary += "; the operator is not associative, so regrouping the steps changes the states"
        return Verdict(bool(holds), summary, dict(measured))


def _tanh_op(xp: Any) -> Callable[[Pair, Pair], Pair]:
    """combine_tanh with the backend's tanh (NumPy's would pull CuPy arrays to the host)."""

    def op(x: Pair, y: Pair) -> Pair:
        return x[0] * y[0], xp.tanh(y[0] * x[1] + y[1])

    return op
