"""The stats screen's plots, drawn with textual-plotext from the core's numbers: accuracy per domain
week by week, the due forecast, calibration against the band where each confidence level pays best,
and how often predictions were right. Each ``draw`` replots from scratch (plotext keeps state).

Percent axes always run 0–100 and counts get whole-number ticks, so two plots never disagree on what
a line means. Series colours are fixed RGB (not the theme's cycle), so a legend drawn beside the plot
in Textual can show the very same colour; on a canvas where one hardly shows (orange on a light
theme's grey) both draw it darker or lighter (:func:`.plot_colours.plot_rgb`)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date

from textual.app import RenderResult
from textual.color import Color
from textual.content import Content
from textual_plotext import PlotextPlot

from ...predictions import Prediction
from ...stats import Tally
from ...study.rating import CBM_BANDS, CONFIDENCE_NAMES, CalibrationLevel
from .plot_colours import RGB, plot_rgb

PALETTE: tuple[RGB, ...] = (
    (0, 130, 200),
    (60, 180, 75),
    (230, 25, 75),
    (245, 130, 48),
    (145, 30, 180),
    (0, 160, 160),
    (240, 50, 230),
    (170, 110, 40),
)
"""One colour per domain, in the manifest's order (cycled past eight), drawn darker or lighter where the
theme's canvas needs it (``StatsPlot.readable``)."""

PERCENT_TICKS = ([0.0, 25.0, 50.0, 75.0, 100.0], ["0%", "25%", "50%", "75%", "100%"])


def domain_colour(index: int) -> RGB:
    """The colour of the domain at ``index`` in the manifest."""
    return PALETTE[index % len(PALETTE)]


def count_ticks(top: int, most: int = 6) -> list[float]:
    """Whole-number ticks from 0 to at least ``top``, at most ``most`` of them (0, 1, 2 … or 0, 5, 10 …)."""
    top = max(1, top)
    step = max(1, math.ceil(top / (most - 1)))
    for nice in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000):
        if nice >= step:
            step = nice
            break
    return [float(v) for v in range(0, top + step, step)]


class StatsPlot(PlotextPlot):
    """A plotext plot that draws on request and shows a note instead of raising."""

    def theme_rgb(self, name: str) -> RGB:
        """A colour of the app's theme ('foreground', 'success' ...) as RGB, for plotext, made to
        stand out on the canvas (a light theme's orange accent is drawn darker)."""
        value = self.app.theme_variables.get(name)
        return self.readable(Color.parse(value).rgb if value else (128, 128, 128))

    def readable(self, rgb: RGB) -> RGB:
        """``rgb`` as drawn on this theme's canvas (see :func:`.plot_colours.plot_rgb`)."""
        return plot_rgb(self.app, rgb)

    def reset(self) -> None:
        """Forget the previous drawing."""
        self.plt.clear_data()
        self.plt.clear_figure()

    def render(self) -> RenderResult:
        """The plot; a note instead if plotext cannot draw it (never an exception in the app)."""
        try:
            return super().render()
        except Exception as exc:  # plotext's internals, on data it does not expect
            return Content(f"(the plot cannot be drawn: {type(exc).__name__}: {exc})")


def active_weeks(overall: Sequence[Tally]) -> int:
    """The index of the first week with an answer (len when there is none): the plot starts there,
    not on weeks before the learner began."""
    return next((i for i, t in enumerate(overall) if t.answered), len(overall))


def week_labels(weeks: Sequence[date], width: int) -> tuple[list[float], list[str]]:
    """Ticks under the weeks, 'Nov 2' (each week's Monday), thinned to fit ``width`` columns."""
    every = max(1, math.ceil(len(weeks) * 8 / max(width - 8, 8)))
    ticks = [float(i) for i in range(0, len(weeks), every)]
    return ticks, [f"{weeks[int(i)]:%b} {weeks[int(i)].day}" for i in ticks]


class AccuracyPlot(StatsPlot):
    """Accuracy per week: one line per domain, and all domains together in the foreground colour."""

    def draw(
        self, weeks: Sequence[date], overall: Sequence[Tally], domains: Sequence[Sequence[Tally]]
    ) -> None:
        """Replot; ``domains`` in the manifest's order (their colours come from it)."""
        self.reset()
        plt = self.plt
        start = active_weeks(overall)
        if start < len(overall):
            shown = list(weeks[start:])
            for index, tallies in enumerate(domains):
                self._line(tallies[start:], self.readable(domain_colour(index)), "braille")
            self._line(overall[start:], self.theme_rgb("foreground"), "hd")
            ticks, labels = week_labels(shown, self.size.width or 80)
            plt.xticks(ticks, labels)
            if len(shown) == 1:  # one week: its points in the middle, not against the axis
                plt.xlim(-1.0, 1.0)
            else:
                plt.xlim(-0.3, len(shown) - 0.7)
        plt.ylim(0, 100)
        plt.yticks(*PERCENT_TICKS)
        self.refresh()

    def _line(self, tallies: Sequence[Tally], colour: RGB, marker: str) -> None:
        """One line through the weeks that have answers (a week without any is skipped, not 0%)."""
        points = [(float(i), 100.0 * t.accuracy) for i, t in enumerate(tallies) if t.accuracy is not None]
        if not points:
            return
        xs, ys = [x for x, _ in points], [y for _, y in points]
        if len(points) == 1:
            self.plt.scatter(xs, ys, color=colour, marker="●")
        else:
            self.plt.plot(xs, ys, color=colour, marker=marker)


class DuePlot(StatsPlot):
    """Cards due today (overdue included) and on each of the next days, one bar each, with its count."""

    def draw(self, today: int, days: Sequence[tuple[date, int]]) -> None:
        """Replot: ``today`` first, then ``days`` (dated, in order)."""
        self.reset()
        plt = self.plt
        counts = [today, *(n for _, n in days)]
        xs = [float(i) for i in range(len(counts))]
        top = max(counts) if counts else 0
        ticks = count_ticks(top)
        plt.bar(xs, counts, width=0.6, marker="hd", color=self.theme_rgb("accent"))
        top_y = ticks[-1] * 1.15
        lift = top_y / max(4, (self.size.height or 16) - 4) * 1.2  # a row above the bar's top
        for x, n in zip(xs, counts, strict=True):
            if n:
                plt.text(str(n), x, n + lift, alignment="center", color=self.theme_rgb("foreground"))
        plt.xticks(xs, ["today", *(str(d.day) for d, _ in days)])
        plt.yticks(ticks, [str(int(t)) for t in ticks])
        plt.ylim(0, top_y)
        plt.xlim(-0.6, len(counts) - 0.4)
        if days:
            first, last = days[0][0], days[-1][0]
            plt.xlabel(f"day of the month, {first:%b} {first.day} to {last:%b} {last.day}")
        self.refresh()


class CalibrationPlot(StatsPlot):
    """For each confidence level: a box from the lowest to the highest accuracy at which it earns the
    best certainty-based mark, and a bar for how often you were right when you said it."""

    def draw(self, levels: Sequence[CalibrationLevel]) -> None:
        """Replot from the levels (a level without answers shows its box only)."""
        self.reset()
        plt = self.plt
        box = self.theme_rgb("foreground")
        verdict_colour = {
            "calibrated": self.theme_rgb("success"),
            "over-confident": self.theme_rgb("error"),
            "under-confident": self.theme_rgb("warning"),
        }
        for x, level in enumerate(levels, start=1):
            accuracy = level.accuracy
            if accuracy is not None:
                colour = verdict_colour.get(level.verdict, box)
                plt.bar([float(x)], [100.0 * accuracy], width=0.3, marker="hd", color=colour)
        for x, level in enumerate(levels, start=1):
            low, high = (100.0 * v for v in CBM_BANDS[level.confidence])
            left, right = x - 0.3, x + 0.3
            plt.plot([left, right, right, left, left], [low, low, high, high, low], marker="dot", color=box)
        labels = [
            f"{CONFIDENCE_NAMES[level.confidence]} ({level.answered})" if level.answered else "—"
            for level in levels
        ]
        plt.xticks([float(x) for x in range(1, len(levels) + 1)], labels)
        plt.xlim(0.4, len(levels) + 0.6)
        plt.ylim(0, 100)
        plt.yticks(*PERCENT_TICKS)
        self.refresh()


class PredictionPlot(StatsPlot):
    """How often your graded predictions were right so far, after each one: holds/fails, and the
    estimates within their tolerance."""

    def holds_rgb(self) -> RGB:
        """The colour of the holds/fails line: the theme's accent."""
        return self.theme_rgb("accent")

    def estimate_rgb(self) -> RGB:
        """The colour of the estimates line: of the palette, the one least like the accent (an orange
        accent, as in textual-dark and textual-light, gets blue), so the two lines never look alike."""
        accent = self.holds_rgb()
        farthest = max(PALETTE, key=lambda rgb: sum((a - b) ** 2 for a, b in zip(rgb, accent, strict=True)))
        return self.readable(farthest)

    def draw(self, predictions: Sequence[Prediction]) -> None:
        """Replot from every prediction (only graded ones count)."""
        self.reset()
        plt = self.plt
        graded = [p for p in predictions if p.graded is not None]
        holds: list[float] = []
        estimates: list[tuple[float, float]] = []
        right = estimated = estimated_right = 0
        for n, p in enumerate(graded, start=1):
            right += bool(p.holds_right)
            holds.append(100.0 * right / n)
            if p.estimate_right is not None:
                estimated += 1
                estimated_right += p.estimate_right
                estimates.append((float(n), 100.0 * estimated_right / estimated))
        xs = [float(n) for n in range(1, len(graded) + 1)]
        if xs:
            plt.plot(xs, holds, marker="hd", color=self.holds_rgb())
        if estimates:
            plt.plot(
                [x for x, _ in estimates],
                [y for _, y in estimates],
                marker="braille",
                color=self.estimate_rgb(),
            )
        top = max(len(graded), 1)
        ticks = count_ticks(top, most=8)
        plt.xticks([t for t in ticks if t >= 1] or [1.0], [str(int(t)) for t in ticks if t >= 1] or ["1"])
        plt.xlim(0.8, max(top, 2) + 0.2)
        plt.ylim(0, 100)
        plt.yticks(*PERCENT_TICKS)
        plt.xlabel("predictions graded so far")
        self.refresh()
