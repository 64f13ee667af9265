"""The axes of a simulation's plot, decided from its ``PlotSpec``, its data and the room on screen.

Logarithmic axes are drawn by plotting log10 of the values on linear axes with ticks of our own:
plotext 5 takes the logarithm of its stored data on every build, so a widget that renders more than
once per draw would take it twice (and raise on the negative logs of values below one).

An axis the simulation draws linearly switches to a log scale by itself when a series spans more
than :data:`AUTO_LOG_DECADES` decades on it (and every value is positive); the axis label says so.

Ticks are chosen here, not by plotext: on round numbers (1, 2, 2.5 or 5 times a power of ten; whole
numbers only on an axis that counts things), as many as the axis has room for, and only inside the
data's range (plotext draws a tick below the range on the axis line, under the x labels).
No Textual here.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import replace

from sims import PlotSpec, Series

AUTO_LOG_DECADES = 3.0
"""A linear axis turns logarithmic when one series spans more than this many decades on it."""
NICE_STEPS = (1.0, 2.0, 2.5, 5.0)
"""Tick steps are one of these times a power of ten."""
WHOLE_STEPS = (1.0, 2.0, 5.0)
"""Tick steps on an axis that counts things (never below 1)."""
X_TICK_CELLS = 8
"""One x tick per this many columns, at most (labels such as '131040' need room between them)."""
Y_TICK_ROWS = 2
"""One y tick per this many rows, at most."""
MOST_Y_TICKS = 12


def decades_spanned(values: Sequence[float]) -> float:
    """How many decades the finite values span (0 when any is zero or negative: no log scale then)."""
    finite = [v for v in values if math.isfinite(v)]
    if len(finite) < 2 or min(finite) <= 0:
        return 0.0
    return math.log10(max(finite) / min(finite))


def axes_for(spec: PlotSpec, series: Sequence[Series]) -> PlotSpec:
    """The spec to draw with: a linear axis becomes logarithmic when the data span many decades.

    Only when every finite value on that axis is positive (a log axis would silently drop the
    others), and the axis label then says that the scale was chosen for the data.
    """
    axes = spec
    for axis in ("y", "x"):
        if getattr(spec, f"log_{axis}"):
            continue
        columns = [getattr(item, axis) for item in series]
        every = [v for column in columns for v in column if math.isfinite(v)]
        if not every or min(every) <= 0:
            continue
        widest = max(decades_spanned(column) for column in columns)
        if widest > AUTO_LOG_DECADES:
            label = f"{getattr(spec, f'{axis}_label')} (log scale: the data span {widest:.0f} decades)"
            axes = (
                replace(axes, log_x=True, x_label=label)
                if axis == "x"
                else replace(axes, log_y=True, y_label=label)
            )
    return axes


def drawable(series: Series, spec: PlotSpec) -> tuple[list[float], list[float]]:
    """The points of a series the axes can show, log10-transformed where an axis is logarithmic."""
    xs: list[float] = []
    ys: list[float] = []
    for x, y in zip(series.x, series.y, strict=False):
        if not (math.isfinite(x) and math.isfinite(y)):
            continue
        if (spec.log_x and x <= 0) or (spec.log_y and y <= 0):
            continue
        xs.append(math.log10(x) if spec.log_x else x)
        ys.append(math.log10(y) if spec.log_y else y)
    return xs, ys


def tick_budget(width: int, height: int) -> tuple[int, int]:
    """How many ticks the x and y axes of a plot this size have room for (at least 2 each)."""
    most_x = max(2, width // X_TICK_CELLS) if width > 0 else 5
    most_y = max(2, min(MOST_Y_TICKS, height // Y_TICK_ROWS)) if height > 0 else 5
    return most_x, most_y


def nice_steps(span: float, *, whole: bool = False) -> list[float]:
    """Round steps from about a hundredth of ``span`` up to ``span`` itself, smallest first."""
    exponent = math.floor(math.log10(span)) - 2
    mantissas = WHOLE_STEPS if whole else NICE_STEPS
    steps = [m * 10.0**e for e in range(exponent, exponent + 4) for m in mantissas]
    return [s for s in steps if not whole or s >= 1]


def linear_ticks(low: float, high: float, most: int, *, whole: bool = False) -> list[float]:
    """Round ticks inside [low, high]: the smallest round step that gives at most ``most`` of them
    (whole numbers only if ``whole``)."""
    if not (math.isfinite(low) and math.isfinite(high)):
        return []
    if high <= low:
        return [float(round(low))] if whole and low == round(low) else ([] if whole else [low])
    for step in nice_steps(high - low, whole=whole):
        first, last = math.ceil(low / step - 1e-9), math.floor(high / step + 1e-9)
        if last - first + 1 <= max(1, most):
            return [_clean(k * step) for k in range(first, last + 1)]
    return [_clean(low), _clean(high)]  # pragma: no cover - a step of the whole span always fits


def log_ticks(low: float, high: float, most: int) -> list[float]:
    """Ticks for a log axis, as log10 positions inside [low, high]: 1-2-5 in each decade when they
    fit, else whole decades (every other one, or fewer, when there are many); round values on a
    linear scale when the data sit inside less than one 1-2-5 step."""
    if not (math.isfinite(low) and math.isfinite(high)) or high < low:
        return []
    decades = range(math.floor(low), math.ceil(high) + 1)
    inside = [p for e in decades for m in (1, 2, 5) if low - 1e-9 <= (p := e + math.log10(m)) <= high + 1e-9]
    if 2 <= len(inside) <= most:
        return inside
    whole = [float(e) for e in decades if low - 1e-9 <= e <= high + 1e-9]
    if len(whole) >= 2:
        every = math.ceil(len(whole) / most)
        return whole[::every]
    return [math.log10(v) for v in linear_ticks(10**low, 10**high, most) if v > 0]


def tick_labels(ticks: Sequence[float], *, log: bool = False, whole: bool = False) -> list[str]:
    """Short labels for ticks (log10 positions when ``log``): '50', '2.5', '0.001', '1e-22', '2e6'."""
    values = [10**t for t in ticks] if log else list(ticks)
    if log:
        return [_number(v) for v in values]
    if whole:
        return [str(round(v)) for v in values]
    step = min((b - a for a, b in itertools.pairwise(values)), default=0.0)
    biggest = max((abs(v) for v in values), default=0.0)
    if biggest >= 1e6 or 0 < biggest < 1e-3:
        return [_number(v) for v in values]
    decimals = next((d for d in range(10) if abs(round(step, d) - step) < 1e-9 * max(1.0, step)), 10)
    return [f"{v:.{decimals}f}" for v in values]


def _number(value: float) -> str:
    """A value compactly: plain from 0.001 to 99999, else '2e-5' / '1.5e6' (3 significant digits)."""
    if value == 0:
        return "0"
    if 1e-3 <= abs(value) < 1e5:
        return f"{value:.4g}"
    mantissa, exponent = f"{value:.2e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{int(exponent)}"


def _clean(value: float) -> float:
    """A tick without floating-point dust (0.30000000000000004 -> 0.3)."""
    return float(f"{value:.12g}")
