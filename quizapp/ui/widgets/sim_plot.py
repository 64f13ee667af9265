"""A live plot of a simulation's series, redrawn from each frame (every frame is complete).

Logarithmic axes are drawn by plotting log10 of the values on linear axes with decade ticks:
plotext 5 takes the logarithm of its stored data on every build, so a widget that renders more
than once per draw would take it twice (and raise on the negative logs of values below one).

An axis the simulation draws linearly switches to a log scale by itself when a series spans more
than :data:`AUTO_LOG_DECADES` decades on it (and every value is positive); the axis label says so.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

from textual.app import RenderResult
from textual.content import Content
from textual_plotext import PlotextPlot

from sims import PlotSpec, Series

AUTO_LOG_DECADES = 3.0
"""A linear axis turns logarithmic when one series spans more than this many decades on it."""


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


def _drawable(series: Series, spec: PlotSpec) -> tuple[list[float], list[float]]:
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


def decade_ticks(logs: Sequence[float], most: int = 6) -> tuple[list[float], list[str]]:
    """Ticks at whole powers of ten across log10 values, at most ``most`` of them, labelled '1e-21'."""
    if not logs:
        return [], []
    low, high = math.floor(min(logs)), math.ceil(max(logs))
    step = max(1, math.ceil((high - low) / (most - 1)))
    exponents = list(range(low, high + 1, step))
    return [float(e) for e in exponents], [_decade(e) for e in exponents]


def _decade(exponent: int) -> str:
    """10^e written short: 1, 10, 100, 1000, then 1e4; 0.1, 0.01, then 1e-3."""
    if 0 <= exponent <= 3:
        return str(10**exponent)
    if -2 <= exponent < 0:
        return f"{10.0**exponent:g}"
    return f"1e{exponent}"


class SimPlot(PlotextPlot):
    """Draws the latest frame's series with the simulation's axis labels and log scales."""

    def __init__(self, spec: PlotSpec, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.spec = spec
        self.axes = spec
        """The spec of the latest draw: ``spec``, with an axis made logarithmic if the data asked."""
        self.series: tuple[Series, ...] = ()

    def on_mount(self) -> None:
        """Draw the empty axes."""
        self.draw(())

    def draw(self, series: Sequence[Series]) -> None:
        """Replot from scratch with these series."""
        self.series = tuple(series)
        self.axes = axes = axes_for(self.spec, self.series)
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        # The y label goes on top: plotext prints both labels on one line, where the x label is lost.
        plt.title(axes.y_label)
        plt.xlabel(axes.x_label)
        all_x: list[float] = []
        all_y: list[float] = []
        for item in self.series:
            xs, ys = _drawable(item, axes)
            if xs:
                plt.plot(xs, ys, label=item.name, marker="braille")
                all_x += xs
                all_y += ys
        if all_x and axes.log_x:
            plt.xticks(*decade_ticks(all_x))
        if all_y and axes.log_y:
            plt.yticks(*decade_ticks(all_y))
        self.refresh()

    def render(self) -> RenderResult:
        """The plot; a note instead if plotext cannot draw it (never an exception in the app)."""
        try:
            return super().render()
        except Exception as exc:  # plotext's internals, on data it does not expect
            return Content(f"(the plot cannot be drawn: {type(exc).__name__}: {exc})")
