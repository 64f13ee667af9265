"""A live plot of a simulation's series, redrawn from each frame (every frame is complete), with its
legend under it rather than over the data.

Each series gets a colour and a marker of its own (a thin braille line, a thicker block line, then
dots, crosses ...), so that the series can be told apart without colour too; the legend shows the
same marker in the same colour, made to stand out on the theme's canvas (:mod:`.plot_colours`; both
are drawn again when the theme changes). Axes and ticks come from :mod:`.plot_axes`. Every text the
simulation supplies (axis labels, series names) goes through :func:`quizapp.text.plain`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from textual import events
from textual.app import ComposeResult, RenderResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static
from textual_plotext import PlotextPlot

from sims import PlotSpec, Series

from ...text import plain
from .plot_axes import axes_for, drawable, linear_ticks, log_ticks, tick_budget, tick_labels
from .plot_colours import hex_colour, plot_rgb

__all__ = ["PlotLegend", "SimPlot", "SimPlotPanel", "Style", "axes_for", "style_of"]


@dataclass(frozen=True)
class Style:
    """How one series is drawn: a plotext marker, the glyph the legend shows for it, and a colour."""

    marker: str
    glyph: str
    rgb: tuple[int, int, int]

    @property
    def color(self) -> str:
        """The colour as a Textual style ('#0082c8')."""
        return hex_colour(self.rgb)


MARKERS = (("braille", "⠤⠤"), ("hd", "▄▄"), ("•", "••"), ("x", "xx"), ("+", "++"), ("o", "oo"))
"""Markers in the order series get them: lines first (braille, then half-blocks), then characters."""
COLORS = ((0, 130, 200), (60, 180, 75), (230, 25, 75), (245, 130, 48), (145, 30, 180), (70, 240, 240))
"""textual-plotext's own sequence (blue, green, red, orange, purple, cyan); on a canvas where one
hardly shows (green on a light theme's grey) it is drawn darker or lighter (``plot_rgb``)."""


def style_of(index: int) -> Style:
    """The marker and colour of the index-th series (they cycle independently past six series)."""
    marker, glyph = MARKERS[index % len(MARKERS)]
    return Style(marker, glyph, COLORS[index % len(COLORS)])


class SimPlot(PlotextPlot):
    """Draws the latest frame's series with the simulation's axis labels, scales and our ticks."""

    def __init__(self, spec: PlotSpec, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.spec = spec
        self.axes = spec
        """The spec of the latest draw: ``spec``, with an axis made logarithmic if the data asked."""
        self.series: tuple[Series, ...] = ()
        self.ticks: tuple[list[str], list[str]] = ([], [])
        """The x and y tick labels of the latest draw."""

    def on_mount(self) -> None:
        """Draw the empty axes."""
        self.draw(())

    def on_resize(self, event: events.Resize) -> None:
        """Ticks depend on the room: choose them again for the new size."""
        self.draw(self.series)

    def draw(self, series: Sequence[Series]) -> None:
        """Replot from scratch with these series."""
        self.series = tuple(series)
        self.axes = axes = axes_for(self.spec, self.series)
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        # The y label goes on top: plotext prints both labels on one line, where the x label is lost.
        plt.title(plain(axes.y_label))
        plt.xlabel(plain(axes.x_label))
        all_x: list[float] = []
        all_y: list[float] = []
        for index, item in enumerate(self.series):
            xs, ys = drawable(item, axes)
            if xs:
                style = style_of(index)
                colour = plot_rgb(self.app, style.rgb)
                plt.plot(xs, ys, marker=style.marker, color=colour)  # the legend is ours, under the plot
                all_x += xs
                all_y += ys
        # the frame, the title, the x ticks and the x label take 5 rows; the y tick labels ~7 columns
        most_x, most_y = tick_budget(self.size.width - 8, self.size.height - 5)
        x_labels = y_labels = []
        if all_x:
            x_ticks = self._ticks(min(all_x), max(all_x), most_x, log=axes.log_x, whole=axes.x_integer)
            x_labels = tick_labels(x_ticks, log=axes.log_x, whole=axes.x_integer)
            plt.xticks(x_ticks, x_labels)
        if all_y:
            y_ticks = self._ticks(min(all_y), max(all_y), most_y, log=axes.log_y, whole=axes.y_integer)
            y_labels = tick_labels(y_ticks, log=axes.log_y, whole=axes.y_integer)
            plt.yticks(y_ticks, y_labels)
        self.ticks = (x_labels, y_labels)
        self.refresh()

    @staticmethod
    def _ticks(low: float, high: float, most: int, *, log: bool, whole: bool) -> list[float]:
        """Tick positions inside the data's range: 1-2-5 or decades on a log axis, round values else."""
        if log:
            ticks = log_ticks(low, high, most)
            return [t for t in ticks if 10**t >= 1 - 1e-9] if whole else ticks  # counts: no 0.5
        return linear_ticks(low, high, most, whole=whole)

    def render(self) -> RenderResult:
        """The plot; a note instead if plotext cannot draw it (never an exception in the app)."""
        try:
            return super().render()
        except Exception as exc:  # plotext's internals, on data it does not expect
            return Content(f"(the plot cannot be drawn: {type(exc).__name__}: {exc})")


class PlotLegend(Static):
    """The series' names under the plot, each after its marker in its colour; entries are laid out
    to the width, so that a line breaks between two entries rather than inside one."""

    GAP = "   "

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.entries: list[Content] = []

    def show(self, series: Sequence[Series]) -> None:
        """List these series (hidden when there are none)."""
        self.entries = []
        for index, item in enumerate(series):
            style = style_of(index)
            colour = hex_colour(plot_rgb(self.app, style.rgb))  # as the plot draws it
            self.entries.append(Content.assemble((style.glyph, f"bold {colour}"), " ", plain(item.name)))
        self.display = bool(self.entries)
        self._lay_out()

    def on_resize(self, event: events.Resize) -> None:
        """Lay the entries out again for the new width."""
        self._lay_out()

    def _lay_out(self) -> None:
        """As many entries on a line as fit the width (one entry wider than the line wraps alone)."""
        width = self.content_size.width
        lines: list[Content] = []
        for entry in self.entries:
            if lines and (width <= 0 or lines[-1].cell_length + len(self.GAP) + entry.cell_length <= width):
                lines[-1] = lines[-1] + self.GAP + entry
            else:
                lines.append(entry)
        self.update(Content("\n").join(lines))


class SimPlotPanel(Vertical):
    """The plot and its legend."""

    def __init__(self, spec: PlotSpec, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.spec = spec
        self.names: tuple[str, ...] = ()

    def compose(self) -> ComposeResult:
        """Plot over legend."""
        yield SimPlot(self.spec, id="sim-plot")
        yield PlotLegend(id="sim-legend")

    def on_mount(self) -> None:
        """Draw the series again in a new theme: their colours depend on its canvas."""
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.redraw())

    def redraw(self) -> None:
        """The plot and the legend again, with the series they show."""
        plot = self.query_one(SimPlot)
        plot.draw(plot.series)
        self.query_one(PlotLegend).show(plot.series)

    def draw(self, series: Sequence[Series]) -> None:
        """Redraw the plot, and the legend when the series' names changed."""
        self.query_one(SimPlot).draw(series)
        names = tuple(item.name for item in series)
        if names != self.names:
            self.names = names
            self.query_one(PlotLegend).show(series)
