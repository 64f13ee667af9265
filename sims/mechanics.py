"""Mechanics of one attention layer: why scores are scaled, how softmax dilutes, why several heads.

``scaled-dot-variance`` measures the variance of q.k for random unit-variance q and k over a range
of d_k, and the size of the softmax Jacobian diag(p) - p p^T on rows of such scores, with and without
the 1/sqrt(d_k) scale (Vaswani et al. 2017, "Attention Is All You Need", sec. 3.2.1 and footnote 4).

``softmax-dilution`` runs the real softmax over n keys of which one leads the rest by a fixed logit
margin and measures how the winner's weight falls as n grows.

``multihead-vs-single`` fits the best single softmax head it can find to the target "previous token in
one channel block, next token in the other", bounds every single head's error from below (its output
rows span at most d dimensions), and builds two positional heads that reach the target exactly
(Vaswani et al. 2017, sec. 3.2.2, "Multi-Head Attention").
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any, Literal

import numpy as np
from pydantic import Field, model_validator

from .backend import to_host
from .core import Frame, PlotSpec, Series, SimParams, Simulation, Verdict, fit_slope
from .kernels import attention, softmax
from .registry import register

# ---------------------------------------------------------------------------------------------
# scaled-dot-variance

SLOPE_TOL = 0.1
"""|log-log slope of Var(q.k) against d_k - 1| allowed."""
SCALED_VAR_RANGE = (0.8, 1.25)
"""Var(q.k / sqrt(d_k)) must stay inside this range at every d_k."""
TINY = 1e-18
"""Height at which an exact 0 is drawn on a log scale."""
COLLAPSED = 0.1
"""Unscaled softmax has collapsed when its median Jacobian norm is below this fraction of the scaled one."""
SCORE_ELEMENTS_CAP = 1 << 23
"""rows * n_keys * d_max random key components at most (64 MiB of float64)."""


class ScaledDotParams(SimParams):
    """The range of key widths d_k and how many random score rows are drawn at each."""

    d_min: int = Field(1, ge=1, le=1024, description="Smallest key width d_k.")
    d_max: int = Field(512, ge=1, le=1024, description="Largest key width d_k.")
    points: int = Field(10, ge=1, le=16, description="How many widths between d_min and d_max (geometric).")
    rows: int = Field(512, ge=16, le=2048, description="Random score rows (one query, n_keys keys) per d_k.")
    n_keys: int = Field(16, ge=2, le=256, description="Keys per score row: the softmax's length.")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="Seed for the queries and keys.")

    @model_validator(mode="after")
    def _sized(self) -> ScaledDotParams:
        if self.d_min > self.d_max:
            raise ValueError("d_min must not exceed d_max")
        if self.rows * self.n_keys * self.d_max > SCORE_ELEMENTS_CAP:
            raise ValueError(f"rows * n_keys * d_max must be at most {SCORE_ELEMENTS_CAP}")
        return self


def jacobian_norms(p: Any, xp: Any) -> Any:
    """Frobenius norm of the softmax Jacobian diag(p) - p p^T for each row of ``p`` (rows, n) -> (rows,)."""
    n = p.shape[-1]
    jac = p[:, :, None] * xp.eye(n) - p[:, :, None] * p[:, None, :]  # (rows, n, n)
    return xp.sqrt(xp.sum(jac * jac, axis=(1, 2)))


@register
class ScaledDotVariance(Simulation):
    """Var(q.k) against d_k, and the softmax Jacobian on scaled and unscaled score rows."""

    id = "scaled-dot-variance"
    title = "Why attention scores are divided by sqrt(d_k)"
    claim = (
        "For q and k with independent unit-variance components, q.k has variance d_k, so unscaled scores "
        "drive the softmax into saturation as d_k grows (its Jacobian diag(p) - pp^T collapses toward 0), "
        "while dividing by sqrt(d_k) keeps the variance near 1 and the Jacobian's size stable."
    )
    Params = ScaledDotParams
    counter = {"d_min": 1, "d_max": 2}
    plot = PlotSpec(
        x_label="key width d_k", y_label="Var(q·k), median ‖softmax Jacobian‖_F", log_x=True, log_y=True
    )
    explains = (
        "q.k is a sum of d_k independent products of unit variance, so its variance is d_k: the run measures "
        "a log-log slope of 1. Unscaled, the gaps between a row's scores grow like sqrt(d_k), the softmax "
        "turns one-hot and its Jacobian, the only path for gradients through it, goes to zero; divided by "
        "sqrt(d_k) the scores keep unit variance and the Jacobian keeps one size at every width. For d_k of "
        "1 or 2 the scale changes almost nothing, which is why it only matters for wide heads."
    )

    def run(self, params: ScaledDotParams, xp: Any) -> Iterator[Frame]:
        widths = np.unique(np.geomspace(params.d_min, params.d_max, params.points).round().astype(int))
        rows, n_keys = params.rows, params.n_keys
        yield Frame(0.0, f"q·k over d_k = {widths[0]}..{widths[-1]}, {rows} rows of {n_keys} keys")

        rng = np.random.default_rng(params.seed)
        variance = np.zeros(widths.size)  # (m,) Var(q.k)
        scaled_var = np.zeros(widths.size)  # (m,) Var(q.k / sqrt(d_k))
        jac_raw = np.zeros(widths.size)  # (m,) median Jacobian norm, unscaled scores
        jac_scaled = np.zeros(widths.size)  # (m,) the same, scaled scores
        saturated = np.zeros(widths.size)  # (m,) fraction of unscaled rows with max p > 0.99
        for i, d in enumerate(widths):
            q = xp.asarray(rng.standard_normal((rows, 1, int(d))))  # (rows, 1, d)
            k = xp.asarray(rng.standard_normal((rows, n_keys, int(d))))  # (rows, n_keys, d)
            scores = xp.sum(q * k, axis=-1)  # (rows, n_keys): each entry one q.k
            p_raw = softmax(scores, xp)  # (rows, n_keys)
            p_scaled = softmax(scores / math.sqrt(d), xp)  # (rows, n_keys)
            variance[i] = float(xp.var(scores))
            scaled_var[i] = float(xp.var(scores / math.sqrt(d)))
            jac_raw[i] = float(xp.median(jacobian_norms(p_raw, xp)))
            jac_scaled[i] = float(xp.median(jacobian_norms(p_scaled, xp)))
            saturated[i] = float(xp.mean(xp.max(p_raw, axis=-1) > 0.99))
            done = [a[: i + 1] for a in (variance, scaled_var, jac_raw, jac_scaled)]
            yield Frame(
                0.95 * (i + 1) / widths.size,
                f"d_k = {d}: Var(q·k) = {variance[i]:.3g}, Jacobian {jac_raw[i]:.2g} unscaled, "
                f"{jac_scaled[i]:.2g} scaled",
                self._series(widths[: i + 1], *done),
            )

        verdict = self._verdict(widths, variance, scaled_var, jac_raw, jac_scaled, saturated)
        yield Frame(1.0, "done", self._series(widths, variance, scaled_var, jac_raw, jac_scaled), verdict)

    @staticmethod
    def _series(widths: np.ndarray, var: np.ndarray, scaled: np.ndarray, raw: np.ndarray,
                jac: np.ndarray) -> tuple[Series, ...]:
        return (
            Series.of("Var(q·k)", widths, var),
            Series.of("Var(q·k/√d_k)", widths, scaled),
            Series.of("‖J‖ unscaled", widths, np.maximum(raw, TINY)),
            Series.of("‖J‖ scaled", widths, jac),
        )

    @staticmethod
    def _verdict(widths: np.ndarray, var: np.ndarray, scaled: np.ndarray, raw: np.ndarray,
                 jac: np.ndarray, saturated: np.ndarray) -> Verdict:
        """Holds when Var tracks d_k (slope ~1), the scaled variance stays ~1, and unscaled collapses."""
        slope = float(fit_slope(widths, var)) if widths.size >= 2 else float("nan")
        slope_ok = widths.size >= 2 and abs(slope - 1.0) <= SLOPE_TOL
        lo, hi = SCALED_VAR_RANGE
        scaled_ok = bool(np.all((scaled >= lo) & (scaled <= hi)))
        ratio = float(raw[-1] / jac[-1])
        collapsed = ratio <= COLLAPSED
        holds = bool(slope_ok and scaled_ok and collapsed)
        slope_text = f"slope {slope:.3f}" if widths.size >= 2 else "one width only: no slope"
        summary = (
            f"Var(q·k) log-log {slope_text}; scaled variance {scaled.min():.2f}..{scaled.max():.2f}; "
            f"at d_k = {widths[-1]} unscaled/scaled Jacobian norm = {ratio:.3g} "
            f"({saturated[-1]:.0%} of unscaled rows one-hot)"
        )
        return Verdict(holds, summary, {
            "d_k_max": int(widths[-1]),
            "widths_measured": int(widths.size),
            "variance_slope": slope if widths.size >= 2 else 0.0,
            "variance_at_d_max": float(var[-1]),
            "scaled_variance_min": float(scaled.min()),
            "scaled_variance_max": float(scaled.max()),
            "jacobian_unscaled_at_d_max": float(raw[-1]),
            "jacobian_scaled_at_d_max": float(jac[-1]),
            "jacobian_ratio_at_d_max": ratio,
            "saturated_rows_unscaled_at_d_max": float(saturated[-1]),
        })


# ---------------------------------------------------------------------------------------------
# softmax-dilution

DILUTION_SLOPE_TOL = 0.05
"""|fitted slope + 1| allowed over the large-n half of the sweep."""
FORMULA_TOL = 1e-9
"""Relative gap allowed between the softmax's weight and e^m / (e^m + n - 1)."""


class DilutionParams(SimParams):
    """The logit margin, whether it grows with n, and the range of key counts."""

    margin: float = Field(
        3.0, ge=0.0, le=30.0, description="m: the matching key's logit lead (c in m = log n + c)."
    )
    margin_growth: Literal["fixed", "log_n"] = Field(
        "fixed", description="'fixed': m stays put; 'log_n': m = log(n) + margin grows with the context."
    )
    n_min: int = Field(2, ge=2, le=1 << 22, description="Fewest keys.")
    n_max: int = Field(1 << 20, ge=2, le=1 << 22, description="Most keys.")
    points: int = Field(
        21, ge=4, le=64, description="Key counts from n_min to n_max (geometric); slope fit on the top half."
    )

    @model_validator(mode="after")
    def _ordered(self) -> DilutionParams:
        if self.n_min > self.n_max:
            raise ValueError("n_min must not exceed n_max")
        return self


@register
class SoftmaxDilution(Simulation):
    """The weight softmax gives one leading key among n, measured for many n."""

    id = "softmax-dilution"
    title = "Softmax attention dilutes over long contexts"
    claim = (
        "With one matching key leading n-1 others by a fixed logit margin m, softmax gives it weight "
        "e^m / (e^m + n - 1), which falls like 1/n once n is large."
    )
    Params = DilutionParams
    counter = {"margin_growth": "log_n"}
    plot = PlotSpec(x_label="keys n", y_label="weight on the matching key", log_x=True, log_y=True)
    explains = (
        "The run evaluates the softmax over n real logits (m, 0, ..., 0) and finds the matching key's weight "
        "equal to e^m / (e^m + n - 1) to round-off, with a log-log slope of -1 once n outgrows e^m: a fixed "
        "margin's advantage is shared out among ever more keys, which is why long contexts blur attention. "
        "If the margin grows like log n (sharper logits, or scale tricks such as multiplying scores by "
        "log n), the weight stays put and attention stays focused."
    )

    def run(self, params: DilutionParams, xp: Any) -> Iterator[Frame]:
        counts = np.unique(np.geomspace(params.n_min, params.n_max, params.points).round().astype(int))
        yield Frame(0.0, f"softmax over n = {counts[0]}..{counts[-1]} keys")

        growth = np.log(counts) if params.margin_growth == "log_n" else np.zeros(counts.size)  # (m,)
        margins = params.margin + growth  # (m,) the matching key's logit at each n
        weight = np.zeros(counts.size)  # (m,) softmax weight on the matching key
        for i, (n, m) in enumerate(zip(counts, margins, strict=True)):
            logits = xp.zeros(int(n))  # (n,) every other key at 0
            logits[0] = m
            weight[i] = float(softmax(logits, xp)[0])
            if i % 4 == 3 or i == counts.size - 1:
                yield Frame(0.9 * (i + 1) / counts.size, f"n = {n}: weight {weight[i]:.3g}",
                            self._series(counts[: i + 1], weight[: i + 1], margins[: i + 1]))
        verdict = self._verdict(params, counts, weight, margins)
        yield Frame(1.0, "done", self._series(counts, weight, margins), verdict)

    @staticmethod
    def _formula(counts: np.ndarray, margins: np.ndarray) -> np.ndarray:
        """e^m / (e^m + n - 1), written as 1 / (1 + (n - 1) e^-m) so that it never overflows."""
        return 1.0 / (1.0 + (counts - 1) * np.exp(-margins))

    def _series(self, counts: np.ndarray, weight: np.ndarray, margins: np.ndarray) -> tuple[Series, ...]:
        return (
            Series.of("softmax weight", counts, weight),
            Series.of("e^m/(e^m+n-1)", counts, self._formula(counts, margins)),
            Series.of("1/n", counts, 1.0 / counts),
        )

    def _verdict(self, params: DilutionParams, counts: np.ndarray, weight: np.ndarray,
                 margins: np.ndarray) -> Verdict:
        """Holds when the weight matches the formula and its large-n log-log slope is ~-1."""
        formula_gap = float(np.max(np.abs(weight / self._formula(counts, margins) - 1.0)))
        large = counts[counts.size // 2:]  # the upper half of the (geometric) sweep
        fitted = large.size >= 2
        slope = float(fit_slope(large, weight[counts.size // 2:])) if fitted else 0.0
        holds = bool(fitted and formula_gap <= FORMULA_TOL and abs(slope + 1.0) <= DILUTION_SLOPE_TOL)
        growth = ("m = log n + " if params.margin_growth == "log_n" else "m = ") + f"{params.margin:g}"
        summary = (
            f"{growth}: weight {weight[0]:.3g} at n = {counts[0]} -> {weight[-1]:.3g} at n = {counts[-1]}; "
            f"log-log slope {round(slope, 3) + 0.0:.3f} for n >= {large[0]}; "
            f"matches e^m/(e^m+n-1) to {formula_gap:.1e}"
        )
        return Verdict(holds, summary, {
            "margin_growth": params.margin_growth,
            "weight_at_n_min": float(weight[0]),
            "weight_at_n_max": float(weight[-1]),
            "large_n_slope": slope,
            "large_n_from": int(large[0]),
            "max_relative_gap_to_formula": formula_gap,
            "n_max": int(counts[-1]),
        })


# ---------------------------------------------------------------------------------------------
# multihead-vs-single

FLOOR_MIN = 0.05
"""A single head's error floor (fraction of the target's energy) is 'bounded away from 0' above this."""
EXACT = 1e-9
"""Two heads 'reach the target' when their relative error is below this."""
SHARP = 40.0
"""Logit of the attended position in the positional heads: other weights are e^-40 or less."""


class MultiheadParams(SimParams):
    """Sequence, token width, the target, and how hard the single head is fitted."""

    n: int = Field(64, ge=4, le=128, description="Sequence length (neighbours wrap around).")
    d: int = Field(4, ge=1, le=16, description="Token width d (each target block is d wide).")
    target: Literal["prev_and_next", "prev"] = Field(
        "prev_and_next", description="'prev_and_next': [x_(i-1); x_(i+1)]; 'prev': x_(i-1) alone."
    )
    rounds: int = Field(20, ge=1, le=40, description="Rounds of the single-head fit (weights, then W).")
    steps: int = Field(60, ge=10, le=100, description="Projected-gradient steps on the weights per round.")
    seed: int = Field(0, ge=0, le=2**31 - 1, description="Seed for the tokens and the fit's start.")


def project_rows_to_simplex(v: Any, xp: Any) -> Any:
    """Euclidean projection of each row of ``v`` onto the probability simplex. (r, n) -> (r, n)"""
    n = v.shape[1]
    u = -xp.sort(-v, axis=1)  # (r, n) descending
    css = xp.cumsum(u, axis=1) - 1.0  # (r, n)
    ks = xp.arange(1, n + 1)  # (n,)
    count = xp.sum(u - css / ks > 0, axis=1)  # (r,) entries kept positive
    theta = xp.take_along_axis(css, (count - 1)[:, None], axis=1) / count[:, None]  # (r, 1)
    return xp.maximum(v - theta, 0.0)


@register
class MultiheadVsSingle(Simulation):
    """Best single softmax head vs two positional heads on 'previous and next token, side by side'."""

    id = "multihead-vs-single"
    title = "One head cannot fetch two tokens at once; two heads can"
    claim = (
        "A single softmax attention head cannot output [x_(i-1); x_(i+1)] (previous and next token in "
        "separate channel blocks): its best error stays bounded away from 0, while two heads, one "
        "attending to i-1 and one to i+1, reach it exactly."
    )
    Params = MultiheadParams
    counter = {"target": "prev"}
    plot = PlotSpec(x_label="fit round", y_label="relative squared error", log_y=True)
    explains = (
        "A head's output at i is W (sum_j a_ij x_j): one convex mix of tokens through one linear map, so its "
        "rows span at most d dimensions, while two independent tokens side by side need 2d. The run bounds "
        "every single head from below by the target's tail singular energy, fits one (projected gradient "
        "on the simplex, least squares on W) that lands on that floor, and builds two positional heads that "
        "are exact. When the target is only the previous token, one head attending to i-1 already does it."
    )

    def run(self, params: MultiheadParams, xp: Any) -> Iterator[Frame]:
        n, d = params.n, params.d
        yield Frame(0.0, f"target {params.target} over n = {n} tokens of width {d}")

        rng = np.random.default_rng(params.seed)
        x = xp.asarray(rng.standard_normal((n, d)))  # (n, d) tokens, no structure between neighbours
        offsets = (1, -1) if params.target == "prev_and_next" else (1,)  # x_(i-1) = roll by +1
        y = xp.concatenate([xp.roll(x, s, axis=0) for s in offsets], axis=1)  # (n, b*d) target
        energy = float(xp.sum(y * y))

        sv = to_host(xp.linalg.svd(y, compute_uv=False))  # (min(n, b*d),)
        floor = float(np.sum(sv[d:] ** 2) / energy)  # every rank-<=d output misses at least this

        positions = xp.eye(n)  # (n, n) one-hot positions: the heads' queries and keys
        heads = [  # head h: query i matches key i - offset only, with logit SHARP
            attention(SHARP * xp.roll(positions, -s, axis=1), positions, x, xp, scale=1.0) for s in offsets
        ]
        multi = xp.concatenate(heads, axis=1)  # (n, b*d): head h writes block h
        multi_err = float(xp.sum((multi - y) ** 2) / energy)

        a = xp.asarray(rng.dirichlet(np.ones(n), size=n))  # (n, n) a random row-stochastic start
        w = xp.asarray(rng.standard_normal((y.shape[1], d)))  # (b*d, d) output map W
        errors: list[float] = []
        for r in range(params.rounds):
            a = self._fit_weights(a, x @ w.T, y, params.steps, xp)
            mix = a @ x  # (n, d) each row a convex mix of tokens
            w = xp.linalg.lstsq(mix, y, rcond=None)[0].T  # (b*d, d) best output map for these weights
            errors.append(float(xp.sum((mix @ w.T - y) ** 2) / energy))
            yield Frame(0.95 * (r + 1) / params.rounds,
                        f"round {r + 1}: single head {errors[-1]:.3g} (floor {floor:.3g})",
                        self._series(errors, floor, multi_err))

        peak = float(xp.mean(xp.max(a, axis=1)))  # mean largest weight per row: 1 if all rows are one-hot
        verdict = self._verdict(params, min(errors), floor, multi_err, peak)
        yield Frame(1.0, "done", self._series(errors, floor, multi_err), verdict)

    @staticmethod
    def _fit_weights(a: Any, z: Any, y: Any, steps: int, xp: Any) -> Any:
        """Accelerated projected gradient on min ||A z - y||^2 over row-stochastic A (convex, per row)."""
        lipschitz = float(xp.linalg.svd(z, compute_uv=False)[0]) ** 2 + 1e-300  # ‖z‖₂²: safe step 1/L
        b, prev, t = a, a, 1.0
        for _ in range(steps):
            new = project_rows_to_simplex(b - ((b @ z - y) @ z.T) / lipschitz, xp)  # (n, n)
            t_next = (1.0 + math.sqrt(1.0 + 4.0 * t * t)) / 2.0
            b = new + ((t - 1.0) / t_next) * (new - prev)
            prev, t = new, t_next
        return prev

    @staticmethod
    def _series(errors: list[float], floor: float, multi: float) -> tuple[Series, ...]:
        rounds = np.arange(1, len(errors) + 1)
        return (
            Series.of("best single head found", rounds, np.maximum(errors, TINY)),
            Series.of("floor for any single head", rounds, np.full(rounds.size, max(floor, TINY))),
            Series.of("positional heads, one per token", rounds, np.full(rounds.size, max(multi, TINY))),
        )

    @staticmethod
    def _verdict(params: MultiheadParams, single: float, floor: float, multi: float, peak: float) -> Verdict:
        """Holds when no single head can get below a floor bounded away from 0 and two heads are exact."""
        holds = bool(floor >= FLOOR_MIN and single >= floor - 1e-9 and multi <= EXACT)
        heads = 2 if params.target == "prev_and_next" else 1
        reach = f"{heads} positional head{'s reach' if heads > 1 else ' reaches'} {multi:.1e}"
        if floor >= FLOOR_MIN:
            single_text = f"no single head goes below {floor:.3g} of the target's energy (best {single:.3g})"
        else:
            single_text = f"one head is not bounded away from 0 (floor {floor:.2g}, best fit {single:.2g})"
        summary = f"target {params.target}: {single_text}; {reach}"
        return Verdict(holds, summary, {
            "target": params.target,
            "single_head_floor": floor,
            "single_head_best_fit": single,
            "positional_heads": heads,
            "positional_heads_error": multi,
            "single_head_mean_max_weight": peak,
        })

