"""Order without encodings: what self-attention knows about position on its own.

``permutation-equivariance`` permutes the input of one self-attention layer and checks that, without
positional encoding or mask, the output is permuted the same way and the score matrix becomes
P A P^T (Vaswani et al. 2017, "Attention Is All You Need", sec. 3.5: "contains no recurrence and no
convolution").

``causal-mask-position`` feeds a causal layer a BOS token followed by identical tokens and no
positional encoding, and recovers position from its outputs (Haviv et al. 2022, "Transformer Language
Models without Positional Encodings Still Learn Positional Information").
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Literal

import numpy as np
from pydantic import Field

from ._words import plural, sci
from .backend import to_host
from .core import Frame, PlotSpec, Probe, Series, SimParams, Simulation, Verdict
from .encodings import random_projections, sinusoidal_table
from .kernels import attention, attention_weights
from .registry import register

EXACT = 1e-9
"""Round-off level of the equivariance check: a float64 difference below this counts as zero (the
outputs pass through a few d x d products and a softmax, so round-off is ~1e-15 times their size)."""
ROUNDOFF = 64 * float(np.finfo(np.float64).eps)
"""Relative round-off of one float64 attention output (~1.4e-14): rows closer than this times their
largest entry cannot be told apart, rows further apart are different numbers."""
TINY = 1e-18
"""Height at which an exact 0 is drawn on a log scale."""

# permutation-equivariance


class PermutationParams(SimParams):
    """One random attention layer, its input, and what breaks the symmetry."""

    n: int = Field(8, ge=2, le=256, description="Sequence length $n$.")
    d: int = Field(16, ge=1, le=128, description="Model width $d$.")
    positional: Literal["none", "sinusoidal"] = Field("none", description="Sinusoidal encoding added to $X$.")
    causal: bool = Field(False, description="Mask each query to keys at or before it.")
    trials: int = Field(8, ge=1, le=32, description="Random inputs, weights and permutations tried.")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="Seed for inputs, weights and permutations.")


@register
class PermutationEquivariance(Simulation):
    """SA(PX) against P SA(X), and A(PX) against P A(X) P^T, over random layers and permutations."""

    id = "permutation-equivariance"
    title = "Self-attention without positions is permutation-equivariant"
    claim = (
        "Without positional encoding or mask, self-attention is permutation-equivariant: "
        r"$\mathrm{SA}(PX) = P\,\mathrm{SA}(X)$ and the score matrix becomes $PAP^\top$, so the scores are "
        "permuted, not left unchanged."
    )
    Params = PermutationParams
    counter = {"positional": "sinusoidal"}
    quantities = {
        "positional": "positional encoding",
        "causal": "causal mask",
        "max_output_equivariance_error": r"largest $|\mathrm{SA}(PX) - P\,\mathrm{SA}(X)|$",
        "max_score_equivariance_error": r"largest $|A(PX) - PAP^\top|$",
        "min_score_change": "smallest $|A(PX) - A(X)|$ over the trials",
        "trials": "trials",
    }
    plot = PlotSpec(x_label="trial", y_label="max |difference|", log_y=True, x_integer=True)
    explains = (
        r"Every score is $q_i \cdot k_j$ of two rows, and softmax and the weighted sum treat keys as a set, so "
        "reordering the rows reorders rows and columns of $A$ and rows of the output, and nothing else: the "
        "run finds both identities to float64 round-off while $A$ itself did change. Attention alone therefore "
        "cannot tell order; adding sinusoidal positions (or a causal mask) ties each row to a place and "
        "breaks the symmetry."
    )

    probes = (
        Probe(
            {"n": 2, "d": 1, "trials": 4},
            True,
            "the identity holds for any n and d: a swap of two 1-d tokens",
        ),
        Probe({"n": 256, "d": 128, "trials": 2}, True, "equivariance is algebra, not size: large n and d"),
        Probe(
            {"causal": True},
            False,
            "a causal mask ties row i to keys 0..i, so a permutation changes the sets",
        ),
        Probe(
            {"positional": "sinusoidal", "n": 2, "d": 2}, False, "even two positions differ once PE is added"
        ),
    )

    def measure(self, params: PermutationParams, xp: Any) -> Iterator[Frame]:
        n, d = params.n, params.d
        yield Frame(0.0, f"{plural(params.trials, 'random layer')} on $n = {n}$, $d = {d}$")

        rng = np.random.default_rng(params.seed)
        pe = sinusoidal_table(n, d, xp) if params.positional == "sinusoidal" else xp.zeros((n, d))  # (n, d)
        out_err, score_err, moved = (np.zeros(params.trials) for _ in range(3))  # (trials,) each
        for t in range(params.trials):
            w_q, w_k, w_v = random_projections(rng, d, xp)
            x = xp.asarray(rng.standard_normal((n, d)))  # (n, d)
            order = rng.permutation(n)
            if np.all(order == np.arange(n)):
                order = np.roll(order, 1)  # never the identity
            idx = xp.asarray(order)  # (n,) P as an index: (P X)_i = X_order[i]
            outs, scores = [], []
            for inp in (x, x[idx]):
                h = inp + pe  # (n, d) positions are added after permuting: they belong to slots, not tokens
                q, k, v = h @ w_q, h @ w_k, h @ w_v  # (n, d) each
                outs.append(attention(q, k, v, xp, causal=params.causal))  # (n, d)
                scores.append(attention_weights(q, k, xp, causal=params.causal))  # (n, n)
            out_err[t] = float(xp.max(xp.abs(outs[1] - outs[0][idx])))  # SA(PX) - P SA(X)
            score_err[t] = float(xp.max(xp.abs(scores[1] - scores[0][idx][:, idx])))  # A(PX) - P A P^T
            moved[t] = float(xp.max(xp.abs(scores[1] - scores[0])))
            message = rf"trial {t + 1}: $|\mathrm{{SA}}(PX) - P\,\mathrm{{SA}}(X)|$ = {sci(out_err[t])}"
            yield Frame(
                0.95 * (t + 1) / params.trials,
                message,
                self._series(out_err[: t + 1], score_err[: t + 1], moved[: t + 1]),
            )

        measured = {
            "positional": params.positional,
            "causal": bool(params.causal),
            "max_output_equivariance_error": float(out_err.max()),
            "max_score_equivariance_error": float(score_err.max()),
            "min_score_change": float(moved.min()),
            "trials": int(params.trials),
        }
        yield Frame(1.0, "measured", self._series(out_err, score_err, moved), measured=measured)

    @staticmethod
    def _series(out_err: np.ndarray, score_err: np.ndarray, moved: np.ndarray) -> tuple[Series, ...]:
        trials = np.arange(1, out_err.size + 1)
        return (
            Series.of(r"$|\mathrm{SA}(PX) - P\,\mathrm{SA}(X)|$", trials, np.maximum(out_err, TINY)),
            Series.of(r"$|A(PX) - PAP^\top|$", trials, np.maximum(score_err, TINY)),
            Series.of("$|A(PX) - A(X)|$", trials, np.maximum(moved, TINY)),
        )

    def decide(self, measured: Mapping[str, Any], params: PermutationParams) -> Verdict:
        """Holds when both identities hold to round-off in every trial and the scores did move."""
        out_max = float(measured["max_output_equivariance_error"])
        score_max = float(measured["max_score_equivariance_error"])
        moved_min = float(measured["min_score_change"])
        holds = bool(out_max <= EXACT and score_max <= EXACT and moved_min > 1e-6)
        setting = f"positional {measured['positional']}, {'causal' if measured['causal'] else 'no mask'}"
        why = (
            ""
            if holds
            else (
                "; the symmetry is broken: "
                + (
                    "positions are tied to slots"
                    if measured["positional"] != "none"
                    else "the mask ties each row to its prefix"
                    if measured["causal"]
                    else "the scores did not move"
                )
            )
        )
        summary = (
            rf"{setting}: max $|\mathrm{{SA}}(PX) - P\,\mathrm{{SA}}(X)|$ = {sci(out_max)}, max "
            rf"$|A(PX) - PAP^\top|$ = {sci(score_max)}, while $A(PX)$ differs from $A(X)$ by at least "
            f"{sci(moved_min)}{why}"
        )
        return Verdict(holds, summary, dict(measured))


# causal-mask-position


class CausalPositionParams(SimParams):
    """A BOS token, then identical tokens, through one attention layer without positional encoding."""

    n: int = Field(64, ge=3, le=1024, description="Sequence length $n$: BOS then $n - 1$ identical tokens.")
    d: int = Field(16, ge=1, le=64, description="Model width $d$.")
    causal: bool = Field(True, description="Causal mask (decoder) or full bidirectional attention.")
    query_scale: float = Field(
        1.0,
        ge=0.0,
        le=4.0,
        description="Scale of $W_q$; 0 makes every score equal (weight $1/(i+1)$ on BOS).",
    )
    seed: int = Field(0, ge=0, le=2**31 - 1, description="Seed for the tokens and projections.")


def count_distinct_rows(rows: Any, xp: Any, block_elements: int = 1 << 21) -> int:
    """How many rows of ``rows`` differ from every earlier row by more than round-off. (m, d) -> int

    Exact pairwise distances, a block of rows at a time, so memory stays at ``block_elements``.
    """
    m, d = rows.shape
    tol = ROUNDOFF * float(xp.max(xp.abs(rows)))
    block = max(1, block_elements // max(1, m * d))
    new = 0
    for start in range(0, m, block):
        stop = min(m, start + block)
        gaps = xp.sqrt(xp.sum((rows[start:stop, None, :] - rows[None, :, :]) ** 2, axis=-1))  # (b, m)
        earlier = xp.arange(m)[None, :] < xp.arange(start, stop)[:, None]  # (b, m) j < i
        new += int(xp.sum(xp.all((gaps > tol) | ~earlier, axis=1)))
    return new


@register
class CausalMaskPosition(Simulation):
    """Outputs of identical tokens under a causal mask, and a linear probe for their position."""

    id = "causal-mask-position"
    title = "A causal mask alone reveals position"
    claim = (
        "With no positional encoding, a causal attention layer fed a BOS token then identical tokens gives "
        "each position a different output, from which a linear probe recovers the order of positions."
    )
    Params = CausalPositionParams
    counter = {"causal": False}
    quantities = {
        "causal": "causal mask",
        "identical_positions": "positions holding the identical token",
        "distinct_outputs": "distinct outputs among them",
        "probe_ordered_fraction": "neighbouring positions the linear probe orders correctly (share)",
        "probe_r2": "linear probe's $R^2$ against position",
        "bos_weight_at_1": "weight on BOS at $i = 1$",
        "bos_weight_at_last": "weight on BOS at the last position",
        "bos_weight_max_gap_to_1_over_i_plus_1": "largest gap between the BOS weight and $1/(i+1)$",
    }
    plot = PlotSpec(
        x_label="position $i$", y_label="attention weight on BOS", log_x=True, log_y=True, x_integer=True
    )
    explains = (
        "Under the mask, position $i$ averages over BOS and $i$ identical tokens, so its weight on BOS "
        "(exactly $1/(i+1)$ with equal scores) shrinks with $i$ and its output moves monotonically along one line: every "
        "position is distinct and a least-squares probe orders them exactly. Without the mask every "
        "identical token sees the same set of keys and gets the same output, so position cannot be read off. "
        "This is "
        "why decoder-only models learn positions even without encodings (Haviv et al. 2022)."
    )

    probes = (
        Probe(
            {"query_scale": 0.0, "n": 100},
            True,
            "equal scores: position i puts exactly 1/(i+1) on BOS, a strictly falling, distinct weight",
        ),
        Probe(
            {"n": 3, "d": 1},
            True,
            "the smallest case: two identical tokens after BOS average 1/2 vs 1/3 of BOS",
        ),
        Probe(
            {"query_scale": 4.0, "n": 1024, "seed": 8},
            True,
            "outputs 1e-9 apart relative are still different float64 numbers (round-off is ~1e-14)",
        ),
        Probe(
            {"causal": False, "n": 3}, False, "unmasked, identical tokens see the same key set: equal outputs"
        ),
    )

    def measure(self, params: CausalPositionParams, xp: Any) -> Iterator[Frame]:
        n, d = params.n, params.d
        yield Frame(0.0, f"BOS + {n - 1} identical tokens, {'causal' if params.causal else 'bidirectional'}")

        rng = np.random.default_rng(params.seed)
        bos, token = rng.standard_normal(d), rng.standard_normal(d)  # (d,) each
        x = xp.asarray(np.vstack([bos, np.tile(token, (n - 1, 1))]))  # (n, d), no positional encoding
        w_q, w_k, w_v = random_projections(rng, d, xp)
        q, k, v = (x @ w_q) * params.query_scale, x @ w_k, x @ w_v  # (n, d) each
        out = attention(q, k, v, xp, causal=params.causal)[1:]  # (n-1, d) identical-token positions
        on_bos = to_host(attention_weights(q, k, xp, causal=params.causal)[:, 0])  # (n,)
        yield Frame(0.5, "probing the outputs for position")

        distinct = count_distinct_rows(out, xp)
        out = to_host(out)
        positions = np.arange(1, n, dtype=float)  # (n-1,)
        features = np.hstack([out, np.ones((n - 1, 1))])  # (n-1, d+1) outputs and a bias
        coef = np.linalg.lstsq(features, positions, rcond=None)[0]  # (d+1,) the linear probe
        predicted = features @ coef  # (n-1,)
        r2 = 1.0 - float(np.sum((predicted - positions) ** 2) / np.sum((positions - positions.mean()) ** 2))
        steps = np.diff(predicted)  # (n-2,) successive predictions must all rise for exact order
        ordered = float(
            np.mean(steps > ROUNDOFF * float(np.max(np.abs(predicted))))
        )  # same scale as distinct

        idx = np.arange(n, dtype=float)  # (n,)
        series = (
            Series.of("weight on BOS", idx[1:], on_bos[1:]),
            Series.of("$1/(i+1)$", idx[1:], 1.0 / (idx[1:] + 1)),
        )
        uniform = 1.0 / (idx + 1.0)  # (n,) the BOS weight with equal scores
        measured = {
            "causal": bool(params.causal),
            "identical_positions": n - 1,
            "distinct_outputs": distinct,
            "probe_ordered_fraction": ordered,
            "probe_r2": r2,  # linear in i: limited, since the signal is shaped like 1/(i+1)
            "bos_weight_at_1": float(on_bos[1]),
            "bos_weight_at_last": float(on_bos[-1]),
            "bos_weight_max_gap_to_1_over_i_plus_1": float(np.max(np.abs(on_bos - uniform))),
        }
        yield Frame(1.0, "measured", series, measured=measured)

    def decide(self, measured: Mapping[str, Any], params: CausalPositionParams) -> Verdict:
        """Holds when all n-1 identical tokens get distinct outputs and the probe orders them exactly."""
        count, distinct = int(measured["identical_positions"]), int(measured["distinct_outputs"])
        ordered = float(measured["probe_ordered_fraction"])
        holds = bool(distinct == count and ordered == 1.0)
        why = (
            ""
            if holds
            else (
                f"; {count - distinct + 1} identical tokens share an output, so their positions cannot be "
                "read off"
                if distinct < count
                else "; the probe cannot put every neighbouring pair in order"
            )
        )
        summary = (
            f"{'causal' if measured['causal'] else 'bidirectional'}: {plural(distinct, 'distinct output')} over "
            f"{plural(count, 'identical token')}; a linear probe orders {ordered:.0%} of neighbouring positions "
            f"correctly; weight on BOS {sci(measured['bos_weight_at_1'], 3)} at $i = 1$ → "
            f"{sci(measured['bos_weight_at_last'], 3)} at $i = {count}$"
            f"{why}"
        )
        return Verdict(holds, summary, dict(measured))
