"""Beside a simulation's plot: parameter ranges and numbers written compactly, and what a run measured."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from textual.content import Content
from textual.widgets import Static

from ...params import bounds, fmt

__all__ = ["MeasuredList", "bounds", "fmt"]


class MeasuredList(Static):
    """The measured numbers that decided the verdict, one 'name: value' per line (wrapping if narrow)."""

    def show(self, measured: Mapping[str, Any]) -> None:
        """Show a verdict's measured numbers (an empty mapping clears the list)."""
        lines = [Content.assemble((f"{k}: ", "dim"), (fmt(v), "bold")) for k, v in measured.items()]
        self.update(Content("\n").join(lines))
