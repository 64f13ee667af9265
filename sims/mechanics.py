"""Mechanics of one attention layer: why scores are scaled, how softmax dilutes, why several heads.

``scaled-dot-variance`` measures the variance of q.k for random unit-variance q and k over a range
of d_k, and the size of the softmax Jacobian diag(p) - p p^T on rows of such scores, with and without
the 1/sqrt(d_k) scale (Vaswani et al. 2017, "Attention Is All You Need", sec. 3.2.1 and footnote 4).

``softmax-dilution`` runs the real softmax over n keys of which one leads the rest by a fixed logit
margin and measures how the winner's weight falls as n grows.

``multihead-vs-single`` (why several heads) lives in :mod:`sims.multihead`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any, Literal

import numpy as np
from pydantic import Field, model_validator

from ._words import sci
from .core import Frame, PlotSpec, Probe, Series, SimParams, Simulation, Verdict, fit_slope
from .kernels import softmax
from .registry import register

# ---------------------------------------------------------------------------------------------
# scaled-dot-variance

SCALED_VAR_Z = 5.0
"""Var(q.k / sqrt(d_k)) must lie within this many standard errors of 1 at every d_k. The standard
error of a sample variance of rows * n_keys scaled scores is sqrt((2 + 6/d + 2 (n_keys - 1)/d) /
(rows * n_keys)): s^2 has variance 2 + 6/d for Gaussian q, k, and two scores of one row share q, so
their squares covary by 2/d. A fixed band would fail small samples by chance and pass large ones
loosely."""
TINY = 1e-18
"""Height at which an exact 0 is drawn on a log scale."""
COLLAPSED = 0.1
"""Unscaled softmax has collapsed when its median Jacobian norm is below this fraction of the scaled one."""
SCORE_ELEMENTS_CAP = 1 << 23
"""rows * n_keys * d_max random key components at most (64 MiB of float64)."""


class ScaledDotParams(SimParams):
    """The range of key widths d_k and how many random score rows are drawn at each."""

    d_min: int = Field(1, ge=1, le=1024, description="Smallest key width $d_k$.")
    d_max: int = Field(512, ge=1, le=1024, description="Largest key width $d_k$.")
    points: int = Field(10, ge=1, le=16, description="How many widths between d_min and d_max (geometric).")
    rows: int = Field(
        512, ge=16, le=2048, description="Random score rows (one query, n_keys keys) per $d_k$."
    )
    n_keys: int = Field(16, ge=2, le=256, description="Keys per score row: the softmax's length.")
    scale: Literal["sqrt_d", "d"] = Field(
        "sqrt_d",
        description=r"What the scaled scores are divided by: $\sqrt{d_k}$ (Vaswani) or $d_k$ (overcorrected).",
    )
    seed: int = Field(0, ge=0, le=2**31 - 1, description="Seed for the queries and keys.")

    @model_validator(mode="after")
    def _sized(self) -> ScaledDotParams:
        if self.d_min > self.d_max:
            raise ValueError("d_min must not exceed d_max")
        if self.rows * self.n_keys * self.d_max > SCORE_ELEMENTS_CAP:
            raise ValueError(f"rows × n_keys × d_max must be at most {SCORE_ELEMENTS_CAP}")
        return self


def variance_standard_error(d: int, rows: int, n_keys: int) -> float:
    """Standard error of the sample variance of rows * n_keys scores q.k / sqrt(d) (see SCALED_VAR_Z)."""
    return math.sqrt((2.0 + 6.0 / d + 2.0 * (n_keys - 1) / d) / (rows * n_keys))


def softmax_jacobian(p: Any, xp: Any) -> Any:
    """d softmax(s)_i / d s_j = p_i (delta_ij - p_j), for each row of ``p = softmax(s)``: (rows, n) -> (rows, n, n)."""
    n = p.shape[-1]
    return p[:, :, None] * xp.eye(n) - p[:, :, None] * p[:, None, :]


def jacobian_norms(p: Any, xp: Any) -> Any:
    """Frobenius norm of the softmax Jacobian diag(p) - p p^T for each row of ``p`` (rows, n) -> (rows,)."""
    jac = softmax_jacobian(p, xp)  # (rows, n, n)
    return xp.sqrt(xp.sum(jac * jac, axis=(1, 2)))


@register
class ScaledDotVariance(Simulation):
    """Var(q.k) against d_k, and the softmax Jacobian on scaled and unscaled score rows."""

    id = "scaled-dot-variance"
    title = r"Why attention scores are divided by $\sqrt{d_k}$"
    claim = (
        r"For $q$ and $k$ with independent unit-variance components, $q \cdot k$ has variance $d_k$, so over a "
        "softmax of a few keys (16 by default) unscaled scores saturate it once $d_k$ is large (its Jacobian "
        r"$\operatorname{diag}(p) - pp^\top$ falls below a tenth of the scaled one), while dividing by "
        r"$\sqrt{d_k}$ keeps the variance at 1 within sampling error."
    )
    Params = ScaledDotParams
    counter = {"d_min": 1, "d_max": 2}
    headline = "variance_at_d_max"
    quantities = {
        "scale": "scores divided by",
        "d_k_min": "smallest width $d_k$",
        "d_k_max": "largest width $d_k$",
        "widths_measured": "widths measured",
        "variance_slope": r"$\mathrm{Var}(q \cdot k)$: log-log slope in $d_k$",
        "variance_at_d_max": r"$\mathrm{Var}(q \cdot k)$ at the largest $d_k$",
        "variance_worst_z": r"$\mathrm{Var}(q \cdot k)$ vs $d_k$: worst distance (standard errors)",
        "scaled_variance_min": "smallest variance of the scaled scores",
        "scaled_variance_max": "largest variance of the scaled scores",
        "scaled_variance_worst_z": "scaled variance vs 1: worst distance (standard errors)",
        "scaled_variance_standard_error_at_worst": "standard error there",
        "jacobian_unscaled_at_d_max": r"median $\|J\|_F$, unscaled, at the largest $d_k$",
        "jacobian_scaled_at_d_max": r"median $\|J\|_F$, scaled, at the largest $d_k$",
        "jacobian_ratio_at_d_max": r"unscaled ÷ scaled $\|J\|_F$ at the largest $d_k$",
        "saturated_rows_unscaled_at_d_max": "share of unscaled rows one-hot (max $p > 0.99$)",
        "samples_per_width": "scores sampled per width",
    }
    probes = (
        Probe(
            {"n_keys": 2},
            True,
            r"two keys: the score gap has sd $\sqrt{2 d_k}$, 32 at $d_k = 512$, one-hot rows",
        ),
        Probe(
            {"rows": 16, "n_keys": 2},
            True,
            "32 samples give a standard error of ~0.3 on the variance: the band widens with it",
        ),
        Probe({"scale": "d"}, False, "dividing by d_k leaves variance 1/d_k, not 1: 0.002 at d_k = 512"),
        Probe({"d_min": 8, "d_max": 8, "points": 1}, False, "one width: no slope of Var(q.k) to measure"),
        Probe(
            {"n_keys": 256, "rows": 32},
            False,
            "256 keys: the top two scores lie ~sqrt(d_k / (2 ln 256)) = 6.8 apart on average at d_k = 512, "
            "so only about half the rows are one-hot (e^-4.6/6.8); the claim is about a few keys",
        ),
    )
    plot = PlotSpec(
        x_label="key width $d_k$",
        y_label=r"$\mathrm{Var}(q \cdot k)$, median $\|\text{softmax Jacobian}\|_F$",
        log_x=True,
        log_y=True,
        x_integer=True,
    )
    explains = (
        r"$q \cdot k$ is a sum of $d_k$ independent products of unit variance, so its variance is $d_k$: the run "
        r"measures a log-log slope of 1. Unscaled, the gaps between a row's scores grow like $\sqrt{d_k}$, the "
        "softmax turns one-hot and its Jacobian, the only path for gradients through it, goes to zero; "
        r"divided by $\sqrt{d_k}$ the scores keep unit variance and the Jacobian keeps one size at every "
        "width. For $d_k$ of 1 or 2 the scale changes almost nothing, which is why it only matters for wide "
        "heads. The more keys a row has, the smaller the lead of its top score and the larger $d_k$ must be "
        "before the softmax saturates. Dividing by $d_k$ instead overcorrects: the variance becomes $1/d_k$ "
        "and every row starts nearly uniform."
    )

    def measure(self, params: ScaledDotParams, xp: Any) -> Iterator[Frame]:
        widths = np.unique(np.geomspace(params.d_min, params.d_max, params.points).round().astype(int))
        rows, n_keys = params.rows, params.n_keys
        yield Frame(0.0, rf"$q \cdot k$ over $d_k = {widths[0]}..{widths[-1]}$, {rows} rows of {n_keys} keys")

        rng = np.random.default_rng(params.seed)
        variance = np.zeros(widths.size)  # (m,) Var(q.k)
        scaled_var = np.zeros(widths.size)  # (m,) Var(q.k / divisor), divisor sqrt(d_k) or d_k
        jac_raw = np.zeros(widths.size)  # (m,) median Jacobian norm, unscaled scores
        jac_scaled = np.zeros(widths.size)  # (m,) the same, scaled scores
        saturated = np.zeros(widths.size)  # (m,) fraction of unscaled rows with max p > 0.99
        for i, d in enumerate(widths):
            q = xp.asarray(rng.standard_normal((rows, 1, int(d))))  # (rows, 1, d)
            k = xp.asarray(rng.standard_normal((rows, n_keys, int(d))))  # (rows, n_keys, d)
            scores = xp.sum(q * k, axis=-1)  # (rows, n_keys): each entry one q.k
            p_raw = softmax(scores, xp)  # (rows, n_keys)
            divisor = math.sqrt(d) if params.scale == "sqrt_d" else float(d)
            p_scaled = softmax(scores / divisor, xp)  # (rows, n_keys)
            variance[i] = float(xp.var(scores))
            scaled_var[i] = float(xp.var(scores / divisor))
            jac_raw[i] = float(xp.median(jacobian_norms(p_raw, xp)))
            jac_scaled[i] = float(xp.median(jacobian_norms(p_scaled, xp)))
            saturated[i] = float(xp.mean(xp.max(p_raw, axis=-1) > 0.99))
            var_done, scaled_done, raw_done, jac_done = (
                a[: i + 1] for a in (variance, scaled_var, jac_raw, jac_scaled)
            )
            yield Frame(
                0.95 * (i + 1) / widths.size,
                rf"$d_k = {d}$: $\mathrm{{Var}}(q \cdot k)$ = {variance[i]:.3g}, Jacobian {sci(jac_raw[i])} "
                f"unscaled, {sci(jac_scaled[i])} scaled",
                self._series(widths[: i + 1], var_done, scaled_done, raw_done, jac_done, params.scale),
            )

        errors = np.array([variance_standard_error(int(d), rows, n_keys) for d in widths])  # (m,)
        z = np.abs(scaled_var - 1.0) / errors  # (m,) distance from 1 in standard errors
        worst = int(np.argmax(z))
        z_raw = np.abs(variance / widths - 1.0) / errors  # (m,) Var(q.k) against d_k, same standard error
        measured = {
            "scale": params.scale,
            "d_k_min": int(widths[0]),
            "d_k_max": int(widths[-1]),
            "widths_measured": int(widths.size),
            "variance_slope": float(fit_slope(widths, variance)) if widths.size >= 2 else 0.0,
            "variance_at_d_max": float(variance[-1]),
            "variance_worst_z": float(z_raw.max()),
            "scaled_variance_min": float(scaled_var.min()),
            "scaled_variance_max": float(scaled_var.max()),
            "scaled_variance_worst_z": float(z[worst]),
            "scaled_variance_standard_error_at_worst": float(errors[worst]),
            "jacobian_unscaled_at_d_max": float(jac_raw[-1]),
            "jacobian_scaled_at_d_max": float(jac_scaled[-1]),
            "jacobian_ratio_at_d_max": float(jac_raw[-1] / jac_scaled[-1]),
            "saturated_rows_unscaled_at_d_max": float(saturated[-1]),
            "samples_per_width": rows * n_keys,
        }
        yield Frame(
            1.0,
            "measured",
            self._series(widths, variance, scaled_var, jac_raw, jac_scaled, params.scale),
            measured=measured,
        )

    @staticmethod
    def _series(
        widths: np.ndarray, var: np.ndarray, scaled: np.ndarray, raw: np.ndarray, jac: np.ndarray, scale: str
    ) -> tuple[Series, ...]:
        divisor = r"\sqrt{d_k}" if scale == "sqrt_d" else "d_k"
        return (
            Series.of(r"$\mathrm{Var}(q \cdot k)$", widths, var),
            Series.of(rf"$\mathrm{{Var}}(q \cdot k/{divisor})$", widths, scaled),
            Series.of(r"$\|J\|_F$ unscaled", widths, np.maximum(raw, TINY)),
            Series.of(r"$\|J\|_F$ scaled", widths, jac),
        )

    def decide(self, measured: Mapping[str, Any], params: ScaledDotParams) -> Verdict:
        """Holds over a range of widths when Var(q.k) equals d_k and the scaled variance is 1, both within
        sampling error, and the unscaled softmax has collapsed at the largest width."""
        several = int(measured["widths_measured"]) >= 2
        slope = float(measured["variance_slope"])
        slope_ok = several and float(measured["variance_worst_z"]) <= SCALED_VAR_Z
        scaled_ok = float(measured["scaled_variance_worst_z"]) <= SCALED_VAR_Z
        ratio = float(measured["jacobian_ratio_at_d_max"])
        collapsed = ratio <= COLLAPSED
        holds = bool(slope_ok and scaled_ok and collapsed)
        divisor = r"$\sqrt{d_k}$" if measured["scale"] == "sqrt_d" else "$d_k$"
        reasons = []
        if not several:
            reasons.append("one width only: no slope to measure")
        elif not slope_ok:
            reasons.append(
                rf"$\mathrm{{Var}}(q \cdot k)$ is not $d_k$ ({measured['variance_worst_z']:.0f} standard errors off)"
            )
        if not scaled_ok:
            reasons.append(
                f"scores divided by {divisor} do not keep variance 1 "
                f"({measured['scaled_variance_min']:.3g}..{measured['scaled_variance_max']:.3g}, "
                f"{measured['scaled_variance_worst_z']:.0f} standard errors off)"
            )
        if not collapsed:
            reasons.append(f"at $d_k = {measured['d_k_max']}$ unscaled scores have not saturated the softmax")
        summary = (
            rf"$\mathrm{{Var}}(q \cdot k)$ log-log slope {slope:.3f}; divided by {divisor}: variance "
            f"{measured['scaled_variance_min']:.3g}..{measured['scaled_variance_max']:.3g} "
            f"(within {measured['scaled_variance_worst_z']:.1f} standard errors of 1); at "
            f"$d_k = {measured['d_k_max']}$ unscaled/scaled Jacobian norm = {sci(ratio, 3)} "
            f"({measured['saturated_rows_unscaled_at_d_max']:.0%} of unscaled rows one-hot)"
            + ("" if holds else "; fails: " + "; ".join(reasons))
        )
        return Verdict(holds, summary, dict(measured))


# ---------------------------------------------------------------------------------------------
# softmax-dilution

DILUTION_SLOPE_TOL = 0.05
"""|fitted slope + 1| allowed over the large-n part of the sweep."""
LARGE_N = 30.0
"""n counts as large once n >= LARGE_N * e^c (c the margin's fixed part): there the local log-log slope
of e^m / (e^m + n - 1), -(n-1) e^-m / (1 + (n-1) e^-m), is within 1/31 of -1 for a fixed margin."""
FORMULA_TOL = 1e-9
"""Relative gap allowed between the softmax's weight and e^m / (e^m + n - 1)."""


class DilutionParams(SimParams):
    """The logit margin, whether it grows with n, and the range of key counts."""

    margin: float = Field(
        3.0, ge=0.0, le=30.0, description=r"$m$: the matching key's logit lead ($c$ in $m = \log n + c$)."
    )
    margin_growth: Literal["fixed", "log_n"] = Field(
        "fixed",
        description=r"'fixed': $m$ stays put; 'log_n': $m = \log n + \text{margin}$ grows with the context.",
    )
    n_min: int = Field(2, ge=2, le=1 << 22, description="Fewest keys $n$.")
    n_max: int = Field(1 << 20, ge=2, le=1 << 22, description="Most keys $n$.")
    points: int = Field(
        21,
        ge=4,
        le=64,
        description=r"Key counts from n_min to n_max (geometric); slope fit where $n \ge 30 e^{\text{margin}}$.",
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
        "With one matching key leading $n - 1$ others by a fixed logit margin $m$, softmax gives it weight "
        r"$e^m / (e^m + n - 1)$, which falls like $1/n$ once $n$ is large against $e^m$ ($n \ge 30 e^m$)."
    )
    Params = DilutionParams
    counter = {"margin_growth": "log_n"}
    headline = "weight_at_n_max"
    quantities = {
        "margin": "logit margin $m$ (its fixed part $c$ when it grows)",
        "margin_growth": "how the margin grows",
        "weight_at_n_min": "weight on the matching key at the fewest keys",
        "weight_at_n_max": "weight on the matching key at the most keys",
        "n_min": "fewest keys $n$",
        "n_max": "most keys $n$",
        "large_n_points": r"key counts with $n \ge 30 e^c$",
        "large_n_from": "first such $n$ (0: none)",
        "large_n_slope": "weight: log-log slope in $n$ there",
        "max_relative_gap_to_formula": "largest relative gap to $e^m/(e^m + n - 1)$",
    }
    probes = (
        Probe({"margin": 0.0, "n_max": 64}, True, "m = 0: the weight is exactly 1/n, slope -1 from n = 30"),
        Probe(
            {"margin": 10.0, "n_max": 1 << 22, "points": 64},
            True,
            "30 e^10 = 6.6e5 < 4.2e6: the sweep reaches large n, where the slope is -1",
        ),
        Probe(
            {"margin": 12.0}, False, "30 e^12 = 4.9e6 > n_max = 2^20: n never outgrows e^m, no 1/n fall yet"
        ),
        Probe(
            {"n_max": 16},
            False,
            "tiny n: 16 keys are below 30 e^3 = 603, the weight is still near e^m/(e^m+n)",
        ),
    )
    plot = PlotSpec(
        x_label="keys $n$", y_label="weight on the matching key", log_x=True, log_y=True, x_integer=True
    )
    explains = (
        "The run evaluates the softmax over $n$ real logits $(m, 0, ..., 0)$ and finds the matching key's "
        "weight equal to $e^m / (e^m + n - 1)$ to round-off, with a log-log slope of -1 once $n$ outgrows "
        "$e^m$: a fixed margin's advantage is shared out among ever more keys, which is why long contexts "
        r"blur attention. If the margin grows like $\log n$ (sharper logits, or scale tricks such as "
        r"multiplying scores by $\log n$), the weight stays put and attention stays focused."
    )

    def measure(self, params: DilutionParams, xp: Any) -> Iterator[Frame]:
        counts = np.unique(np.geomspace(params.n_min, params.n_max, params.points).round().astype(int))
        yield Frame(0.0, f"softmax over $n = {counts[0]}..{counts[-1]}$ keys")

        growth = np.log(counts) if params.margin_growth == "log_n" else np.zeros(counts.size)  # (m,)
        margins = params.margin + growth  # (m,) the matching key's logit at each n
        weight = np.zeros(counts.size)  # (m,) softmax weight on the matching key
        for i, (n, m) in enumerate(zip(counts, margins, strict=True)):
            logits = xp.zeros(int(n))  # (n,) every other key at 0
            logits[0] = m
            weight[i] = float(softmax(logits, xp)[0])
            if i % 4 == 3 or i == counts.size - 1:
                yield Frame(
                    0.9 * (i + 1) / counts.size,
                    f"$n = {n}$: weight {sci(weight[i], 3)}",
                    self._series(counts[: i + 1], weight[: i + 1], margins[: i + 1]),
                )
        formula_gap = float(np.max(np.abs(weight / self._formula(counts, margins) - 1.0)))
        large = counts >= LARGE_N * math.exp(params.margin)  # (m,) n large against e^c
        slope = float(fit_slope(counts[large], weight[large])) if large.sum() >= 2 else 0.0
        measured = {
            "margin": float(params.margin),
            "margin_growth": params.margin_growth,
            "weight_at_n_min": float(weight[0]),
            "weight_at_n_max": float(weight[-1]),
            "n_min": int(counts[0]),
            "n_max": int(counts[-1]),
            "large_n_points": int(large.sum()),
            "large_n_from": int(counts[large][0]) if large.any() else 0,
            "large_n_slope": slope,
            "max_relative_gap_to_formula": formula_gap,
        }
        yield Frame(1.0, "measured", self._series(counts, weight, margins), measured=measured)

    @staticmethod
    def _formula(counts: np.ndarray, margins: np.ndarray) -> np.ndarray:
        """e^m / (e^m + n - 1), written as 1 / (1 + (n - 1) e^-m) so that it never overflows."""
        return 1.0 / (1.0 + (counts - 1) * np.exp(-margins))

    def _series(self, counts: np.ndarray, weight: np.ndarray, margins: np.ndarray) -> tuple[Series, ...]:
        return (
            Series.of("softmax weight", counts, weight),
            Series.of("$e^m/(e^m + n - 1)$", counts, self._formula(counts, margins)),
            Series.of("$1/n$", counts, 1.0 / counts),
        )

    def decide(self, measured: Mapping[str, Any], params: DilutionParams) -> Verdict:
        """Holds when the weight matches the formula and its large-n log-log slope is ~-1."""
        gap, slope = float(measured["max_relative_gap_to_formula"]), float(measured["large_n_slope"])
        fitted = int(measured["large_n_points"]) >= 2
        falls = fitted and abs(slope + 1.0) <= DILUTION_SLOPE_TOL
        holds = bool(gap <= FORMULA_TOL and falls)
        growth = (
            r"$m = \log n + " if measured["margin_growth"] == "log_n" else "$m = "
        ) + f"{measured['margin']:g}$"
        if not fitted:
            why = (
                f"; $n$ never reaches $30 e^m$ = {LARGE_N * math.exp(float(measured['margin'])):.3g}: "
                "the sweep stops before the weight starts to fall like $1/n$"
            )
        elif not falls:
            why = "; the weight does not fall like $1/n$: the margin grows with $n$ as fast as the crowd of keys"
        else:
            why = ""
        slope_text = (
            rf"log-log slope {round(slope, 3) + 0.0:.3f} for $n \ge {measured['large_n_from']}$"
            if fitted
            else "no slope"
        )
        summary = (
            f"{growth}: weight {sci(measured['weight_at_n_min'], 3)} at $n = {measured['n_min']}$ → "
            f"{sci(measured['weight_at_n_max'], 3)} at $n = {measured['n_max']}$; {slope_text}; "
            f"matches $e^m/(e^m + n - 1)$ to {sci(gap)}{why}"
        )
        return Verdict(holds, summary, dict(measured))
