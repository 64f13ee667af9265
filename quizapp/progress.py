"""A progress bar on stderr for headless runs that last longer than a moment (stdout stays clean)."""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

from .text import plain

DELAY_S = 0.4
"""Runs shorter than this show no bar at all."""


class StderrProgress:
    """Draws ``label [#####.....]  52%  message`` on one terminal line, only when stderr is a terminal."""

    def __init__(self, label: str, stream: TextIO | None = None, width: int = 24) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.width = width
        self.started = time.monotonic()
        self.enabled = bool(getattr(self.stream, "isatty", lambda: False)())
        self.drawn = False

    def update(self, frame: Any) -> None:
        """Redraw for a simulation frame (anything with ``progress`` and ``message``)."""
        self.show(frame.progress, frame.message)

    def show(self, fraction: float, message: str) -> None:
        """Redraw at ``fraction`` done, once the run has lasted long enough to deserve a bar.

        ``message`` may hold ``$math$`` (simulation progress does): it is shown as Unicode."""
        if not self.enabled or time.monotonic() - self.started < DELAY_S:
            return
        done = int(self.width * max(0.0, min(1.0, fraction)))
        bar = "#" * done + "." * (self.width - done)
        self.stream.write(f"\r\x1b[2K{self.label} [{bar}] {fraction:4.0%}  {plain(message)[:40]}")
        self.stream.flush()
        self.drawn = True

    def close(self) -> None:
        """Clear the bar's line."""
        if self.drawn:
            self.stream.write("\r\x1b[2K")
            self.stream.flush()
