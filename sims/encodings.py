"""Positional encodings: what sinusoidal tables and rotary embeddings make of a shift.

``sinusoidal-pe-linear-shift`` fits, by least squares, one matrix M_k that maps PE(pos) to
PE(pos + k) at every position (Vaswani et al. 2017, sec. 3.5).

``rope-relative-score`` rotates q and k by their positions (RoPE; Su et al. 2021, "RoFormer", sec. 3.4)
and measures how much the score at one offset m - n varies across absolute positions.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any, Literal

import numpy as np
from pydantic import Field, model_validator

from ._words import sci
from .backend import to_host
from .core import Frame, PlotSpec, Probe, Series, SimParams, Simulation, Verdict
from .registry import register

EXACT = 1e-9
"""Round-off level: a float64 difference below this (relative to the values' size) counts as zero."""
TINY = 1e-18
"""Height at which an exact 0 is drawn on a log scale."""


def sinusoidal_table(positions: int, d: int, xp: Any, base: float = 10000.0) -> Any:
    """Vaswani's table (positions, d): PE[p, 2i] = sin(p w_i), PE[p, 2i+1] = cos(p w_i).

    w_i = base^(-2i/d); an odd d keeps the sine of the last pair only.
    """
    pos = xp.arange(positions, dtype=xp.float64)[:, None]  # (positions, 1)
    freqs = xp.asarray(base ** (-np.arange(0, d, 2) / d))  # (ceil(d/2),)
    table = xp.empty((positions, 2 * freqs.size))  # (positions, 2*ceil(d/2))
    table[:, 0::2] = xp.sin(pos * freqs)
    table[:, 1::2] = xp.cos(pos * freqs)
    return table[:, :d]


def random_projections(rng: np.random.Generator, d: int, xp: Any) -> list[Any]:
    """Three random (d, d) projections W_q, W_k, W_v with unit-variance outputs."""
    return [xp.asarray(rng.standard_normal((d, d)) / math.sqrt(d)) for _ in range(3)]


# ---------------------------------------------------------------------------------------------
# sinusoidal-pe-linear-shift


class ShiftParams(SimParams):
    """The encoding table, its size, and the shifts k tried."""

    table: Literal["sinusoidal", "learned"] = Field(
        "sinusoidal", description="'sinusoidal': Vaswani's table; 'learned': a random table (as initialised)."
    )
    positions: int = Field(
        256, ge=16, le=4096, description=r"Rows of the table (positions $0..\text{positions} - 1$)."
    )
    d: int = Field(32, ge=2, le=256, multiple_of=2, description="Encoding width $d$ (even: sin/cos pairs).")
    max_shift: int = Field(
        64, ge=1, le=1024, description=r"Largest shift $k$ (shifts $1..\text{max\_shift}$, geometric)."
    )
    base: float = Field(
        10000.0, ge=2.0, le=1e6, description=r"Wavelength base: $\omega_i = \text{base}^{-2i/d}$."
    )
    seed: int = Field(0, ge=0, le=2**31 - 1, description="Seed for the learned table.")

    @model_validator(mode="after")
    def _enough_rows(self) -> ShiftParams:
        if self.positions - self.max_shift < 2 * self.d:
            raise ValueError("positions − max_shift must be at least 2 × d: the fit needs rows to spare")
        return self


def shift_matrix(k: int, d: int, xp: Any, base: float = 10000.0) -> Any:
    """M_k built from the frequencies: a rotation by k*w_i in each (sin, cos) pair. (d, d)"""
    angle = k * base ** (-np.arange(0, d, 2) / d)  # (d/2,)
    c, s = np.cos(angle), np.sin(angle)
    m = np.zeros((d, d))
    i = np.arange(0, d, 2)
    m[i, i], m[i, i + 1] = c, s  # sin(a + b) = sin a cos b + cos a sin b
    m[i + 1, i], m[i + 1, i + 1] = -s, c  # cos(a + b) = cos a cos b - sin a sin b
    return xp.asarray(m)


@register
class SinusoidalPeLinearShift(Simulation):
    """A least-squares M_k with PE(pos + k) = M_k PE(pos), and how well it fits every position."""

    id = "sinusoidal-pe-linear-shift"
    title = "Sinusoidal encodings shift by a fixed linear map"
    claim = (
        "For the sinusoidal encoding, each shift $k$ has one fixed matrix $M_k$, independent of $pos$, with "
        r"$PE(pos + k) = M_k\,PE(pos)$ at every position."
    )
    Params = ShiftParams
    counter = {"table": "learned"}
    quantities = {
        "table": "encoding table",
        "max_fit_residual": r"largest $|PE(pos + k) - M_k\,PE(pos)|$, least-squares $M_k$",
        "max_rotation_residual": "the same for the rotation $M_k$ built from the frequencies",
        "table_max_abs": "largest |entry| of the table",
        "shifts_tried": "shifts $k$ tried",
        "min_shift": "smallest shift $k$",
        "max_shift": "largest shift $k$",
    }
    plot = PlotSpec(
        x_label="shift $k$ (positions)",
        y_label=r"max $|PE(pos + k) - M_k\,PE(pos)|$",
        log_x=True,
        log_y=True,
        x_integer=True,
    )
    explains = (
        r"Each (sin, cos) pair at frequency $\omega$ turns by the angle $k\omega$ when $pos$ grows by $k$, "
        r"whatever $pos$ is, so $M_k$ is block-diagonal with $2 \times 2$ rotations. The run fits $M_k$ by "
        "least squares from all positions at once and finds a residual at round-off, the same as the $M_k$ "
        "built from the frequencies: relative offsets are a linear function of the encoding, which "
        "attention can learn. A random (learned-style) table has no such map, and the same fit leaves a "
        "residual as large as the table."
    )

    probes = (
        Probe(
            {"positions": 4096, "d": 64, "max_shift": 1024},
            True,
            "the angle-addition identity holds at every position and shift: the largest table",
        ),
        Probe({"base": 2.0}, True, "any base gives rotations; only the wavelengths change"),
        Probe(
            {"d": 2, "positions": 16, "max_shift": 1}, True, "one (sin, cos) pair is a single 2-D rotation"
        ),
        Probe(
            {"table": "learned", "positions": 16, "d": 2, "max_shift": 1},
            False,
            "14 random 2-D rows cannot all be mapped by one 2x2 matrix",
        ),
    )

    def measure(self, params: ShiftParams, xp: Any) -> Iterator[Frame]:
        n, d = params.positions, params.d
        shifts = np.unique(np.geomspace(1, params.max_shift, 8).round().astype(int))
        yield Frame(
            0.0,
            rf"fitting $M_k$ on a {params.table} ${n} \times {d}$ table for $k = {shifts[0]}..{shifts[-1]}$",
        )

        if params.table == "sinusoidal":
            table = sinusoidal_table(n, d, xp, params.base)  # (n, d)
        else:
            table = xp.asarray(np.random.default_rng(params.seed).standard_normal((n, d)))  # (n, d)
        fit_res, built_res = np.zeros(shifts.size), np.zeros(shifts.size)  # (s,) each
        for i, k in enumerate(shifts):
            src, dst = table[: n - k], table[k:]  # (n-k, d): PE(pos) and PE(pos + k)
            m_t = xp.linalg.lstsq(src, dst, rcond=None)[0]  # (d, d) = M_k^T
            fit_res[i] = float(xp.max(xp.abs(src @ m_t - dst)))
            built_res[i] = float(xp.max(xp.abs(src @ shift_matrix(int(k), d, xp, params.base).T - dst)))
            yield Frame(
                0.95 * (i + 1) / shifts.size,
                f"$k = {k}$: residual {sci(fit_res[i])}",
                self._series(shifts[: i + 1], fit_res[: i + 1], built_res[: i + 1]),
            )

        measured = {
            "table": params.table,
            "max_fit_residual": float(fit_res.max()),
            "max_rotation_residual": float(built_res.max()),
            "table_max_abs": float(xp.max(xp.abs(table))),
            "shifts_tried": int(shifts.size),
            "min_shift": int(shifts[0]),
            "max_shift": int(shifts[-1]),
        }
        yield Frame(1.0, "measured", self._series(shifts, fit_res, built_res), measured=measured)

    @staticmethod
    def _series(shifts: np.ndarray, fit_res: np.ndarray, built_res: np.ndarray) -> tuple[Series, ...]:
        return (
            Series.of("least-squares $M_k$", shifts, np.maximum(fit_res, TINY)),
            Series.of("rotation $M_k$ from the frequencies", shifts, np.maximum(built_res, TINY)),
        )

    def decide(self, measured: Mapping[str, Any], params: ShiftParams) -> Verdict:
        """Holds when the best single M_k fits every position to round-off, for every k."""
        worst, scale = float(measured["max_fit_residual"]), float(measured["table_max_abs"])
        holds = bool(worst <= EXACT * scale)
        why = (
            "" if holds else "; no single matrix maps every row to the row $k$ later: the shift is not linear"
        )
        summary = (
            f"{measured['table']} table: max residual of the least-squares $M_k$ over {measured['shifts_tried']} "
            f"shifts ($k = {measured['min_shift']}..{measured['max_shift']}$) and all positions is {sci(worst)} "
            f"(entries up to {scale:.3g}){why}"
        )
        return Verdict(holds, summary, dict(measured))


# ---------------------------------------------------------------------------------------------
# rope-relative-score


class RopeParams(SimParams):
    """Query and key content, positions, and how position enters."""

    encoding: Literal["rope", "absolute"] = Field(
        "rope",
        description="'rope': rotate $q$ and $k$ by position; 'absolute': add sinusoidal PE to $q$ and $k$.",
    )
    positions: int = Field(
        64, ge=2, le=512, description=r"Positions $0..\text{positions} - 1$ for both $m$ and $n$."
    )
    d: int = Field(32, ge=2, le=256, multiple_of=2, description="Head width $d$ (even: rotated in pairs).")
    base: float = Field(
        10000.0, ge=2.0, le=1e6, description=r"Frequency base: $\theta_i = \text{base}^{-2i/d}$."
    )
    seed: int = Field(0, ge=0, le=2**31 - 1, description="Seed for the $q$ and $k$ content.")


def rope_rotate(x: Any, xp: Any, base: float = 10000.0) -> Any:
    """Turn row m by m*theta_i in each pair (x_2i, x_2i+1), theta_i = base^(-2i/d). (n, d) -> (n, d)"""
    n, d = x.shape
    theta = xp.asarray(base ** (-np.arange(0, d, 2) / d))  # (d/2,)
    angle = xp.arange(n, dtype=xp.float64)[:, None] * theta  # (n, d/2)
    c, s = xp.cos(angle), xp.sin(angle)
    even, odd = x[:, 0::2], x[:, 1::2]  # (n, d/2) each
    out = xp.empty_like(x)
    out[:, 0::2] = even * c - odd * s
    out[:, 1::2] = even * s + odd * c
    return out


@register
class RopeRelativeScore(Simulation):
    """Scores of the same q, k content at every (m, n), grouped by offset m - n."""

    id = "rope-relative-score"
    title = "RoPE scores depend only on the offset $m - n$"
    claim = (
        "With rotary position embedding, the score between the same query content at position $m$ and key "
        "content at position $n$ depends only on the offset $m - n$."
    )
    Params = RopeParams
    counter = {"encoding": "absolute"}
    quantities = {
        "encoding": "position encoding",
        "max_spread_at_offset": "largest spread of the scores at one offset",
        "relative_spread": "that spread ÷ the largest |score|",
        "worst_offset": "offset $m - n$ where it occurs",
        "max_abs_score": "largest |score|",
        "pairs_compared": "position pairs $(m, n)$ scored",
    }
    plot = PlotSpec(
        x_label="offset $m - n$ (positions)",
        y_label="spread of scores at that offset",
        log_y=True,
        x_integer=True,
    )
    explains = (
        r"RoPE turns each pair of $q$'s coordinates by $m\theta_i$ and $k$'s by $n\theta_i$; rotations "
        r"compose, so $(R_m q) \cdot (R_n k) = q \cdot (R_{n-m} k)$, a function of $n - m$ alone. The run "
        "scores one $q$ against one $k$ placed at every pair of positions and finds the scores on each "
        r"diagonal $m - n = \text{const}$ equal to round-off. Adding absolute encodings instead leaves cross "
        r"terms $q \cdot p_n + p_m \cdot k$ that move with the positions themselves, so the same offset scores "
        "differently."
    )

    probes = (
        Probe(
            {"positions": 512, "d": 256},
            True,
            "rotations compose exactly at every position: the largest grid",
        ),
        Probe({"base": 2.0}, True, "R_m^T R_n = R_(n-m) for any frequencies, fast or slow"),
        Probe({"positions": 2, "d": 2}, True, "the smallest case: one pair, offsets -1, 0, 1"),
        Probe(
            {"encoding": "absolute", "base": 1e6},
            False,
            "absolute PE leaves cross terms q.p_n + p_m.k that move with the positions, at any base",
        ),
    )

    def measure(self, params: RopeParams, xp: Any) -> Iterator[Frame]:
        n, d = params.positions, params.d
        yield Frame(0.0, rf"scoring one $q$ and one $k$ at ${n} \times {n}$ positions ({params.encoding})")

        rng = np.random.default_rng(params.seed)
        q = xp.asarray(rng.standard_normal(d))  # (d,) the same content at every position
        k = xp.asarray(rng.standard_normal(d))  # (d,)
        qs, ks = xp.tile(q, (n, 1)), xp.tile(k, (n, 1))  # (n, d) each
        if params.encoding == "rope":
            qs, ks = rope_rotate(qs, xp, params.base), rope_rotate(ks, xp, params.base)
        else:
            pe = sinusoidal_table(n, d, xp, params.base)  # (n, d)
            qs, ks = qs + pe, ks + pe
        scores = qs @ ks.T  # (n, n): scores[m, j] = q at m . k at j
        yield Frame(0.5, "grouping scores by offset")

        offsets = np.arange(-(n - 1), n)  # (2n-1,) m - j
        rows = xp.arange(n)[:, None]  # (n, 1) m
        cols = rows - xp.asarray(offsets)[None, :]  # (n, 2n-1) j = m - offset
        valid = (cols >= 0) & (cols < n)
        by_offset = xp.take_along_axis(scores, xp.clip(cols, 0, n - 1), axis=1)  # (n, 2n-1)
        top = xp.max(xp.where(valid, by_offset, -xp.inf), axis=0)  # (2n-1,)
        bottom = xp.min(xp.where(valid, by_offset, xp.inf), axis=0)  # (2n-1,)
        spread = to_host(top - bottom)  # (2n-1,) max - min over all pairs with this offset
        scale = float(xp.max(xp.abs(scores)))
        series = (Series.of("score spread at offset", offsets, np.maximum(spread, TINY)),)
        worst = float(spread.max())
        measured = {
            "encoding": params.encoding,
            "max_spread_at_offset": worst,
            "relative_spread": worst / scale if scale > 0 else 0.0,
            "worst_offset": int(offsets[int(np.argmax(spread))]),
            "max_abs_score": scale,
            "pairs_compared": int(params.positions**2),
        }
        yield Frame(1.0, "measured", series, measured=measured)

    def decide(self, measured: Mapping[str, Any], params: RopeParams) -> Verdict:
        """Holds when no offset's scores vary across positions beyond round-off."""
        relative = float(measured["relative_spread"])
        holds = bool(relative <= EXACT)
        why = "" if holds else "; the score depends on where the pair sits, not only on $m - n$"
        summary = (
            f"{measured['encoding']}: scores at one offset vary by at most {sci(measured['max_spread_at_offset'])} "
            f"across positions (at offset {measured['worst_offset']}), {sci(relative)} of the largest |score| "
            f"{measured['max_abs_score']:.3g}{why}"
        )
        return Verdict(holds, summary, dict(measured))


# ---------------------------------------------------------------------------------------------
