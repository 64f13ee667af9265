"""Series colours that stand out on the theme's plot background, in dark and light themes alike.

The plots (textual-plotext, whose canvas is the theme's ``$surface``) and their legends give each
series a fixed colour. A colour bright enough for a dark canvas can all but vanish on a light one
(plotext's green and orange on ``textual-light``'s grey), so each is darkened, or on a dark canvas
lightened, in small steps until its contrast with the canvas reaches :data:`LEAST_CONTRAST`. Colours
that already stand out are left as they are, so the two themes keep the same hues."""

from __future__ import annotations

from typing import Any

from textual.app import App
from textual.color import Color

RGB = tuple[int, int, int]

LEAST_CONTRAST = 3.0
"""WCAG's contrast for large text and graphics: what a plotted line or its legend's glyph needs."""


def luminance(rgb: RGB) -> float:
    """WCAG's relative luminance, 0 (black) to 1 (white)."""

    def linear(value: int) -> float:
        v = value / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b = rgb
    return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)


def contrast(a: RGB, b: RGB) -> float:
    """WCAG's contrast ratio of two colours, 1 (the same) to 21 (black on white)."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def readable_on(rgb: RGB, background: RGB, least: float = LEAST_CONTRAST) -> RGB:
    """``rgb`` as it is when it stands out on ``background``; else darkened (on a light background)
    or lightened (on a dark one) until it does, keeping its hue as far as it can."""
    colour = Color(*rgb)
    darken = luminance(background) > 0.18  # nearer white than black, by contrast with each
    for _ in range(20):
        if contrast(colour.rgb, background) >= least:
            break
        colour = colour.darken(0.04) if darken else colour.lighten(0.04)
    return colour.rgb


def canvas(app: App[Any]) -> RGB:
    """The colour plots are drawn on: the theme's ``$surface`` (textual-plotext's canvas)."""
    value = app.theme_variables.get("surface")
    return Color.parse(value).rgb if value else (0, 0, 0)


def plot_rgb(app: App[Any], rgb: RGB) -> RGB:
    """``rgb`` made to stand out on the app's plot canvas (see :func:`readable_on`)."""
    return readable_on(rgb, canvas(app))


def hex_colour(rgb: RGB) -> str:
    """'#0082c8': a colour a Content style takes."""
    return "#{:02x}{:02x}{:02x}".format(*rgb)
