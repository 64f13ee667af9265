"""Beside a simulation's plot: parameter ranges and numbers written compactly, and what a run measured,
each number under the readable label the simulation gives it (``Simulation.quantities``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from textual.content import Content
from textual.widgets import Static

from ...params import bounds, fmt
from ...text import plain

__all__ = ["MeasuredList", "bounds", "fmt", "humanise", "quantity_label"]


def humanise(key: str) -> str:
    """A measured key as words when the simulation gives it no label: 'measured_at_L' -> 'measured at L'."""
    return " ".join(part for part in key.split("_") if part) or key


def quantity_label(key: str, labels: Mapping[str, str]) -> str:
    """The label a simulation gives a measured key (its $math$ as Unicode), else the key as words."""
    label = labels.get(key, "")
    return plain(label) if label.strip() else humanise(key)


class MeasuredList(Static):
    """The measured numbers that decided the verdict, one 'label: value' per line (wrapping if narrow)."""

    def show(self, measured: Mapping[str, Any], labels: Mapping[str, str] | None = None) -> None:
        """Show a verdict's measured numbers under their labels (an empty mapping clears the list)."""
        lines = [
            Content.assemble(
                (f"{quantity_label(k, labels or {})}: ", "dim"),
                (plain(v) if isinstance(v, str) else fmt(v), "bold"),
            )
            for k, v in measured.items()
        ]
        self.update(Content("\n").join(lines))
