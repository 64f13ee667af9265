"""Beside a simulation's plot: parameter ranges and numbers written compactly, and what a run measured."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from annotated_types import Ge, Gt, Le, Lt
from pydantic import BaseModel
from textual.content import Content
from textual.widgets import Static


def bounds(model: type[BaseModel], name: str) -> str:
    """A parameter's allowed range from its pydantic Field metadata: '[1, 24]', '(0, 5]', '≥ 0'."""
    info = model.model_fields[name]
    low: Any = None
    high: Any = None
    low_open = high_open = False
    for item in info.metadata:
        if isinstance(item, Ge):
            low = item.ge
        elif isinstance(item, Gt):
            low, low_open = item.gt, True
        elif isinstance(item, Le):
            high = item.le
        elif isinstance(item, Lt):
            high, high_open = item.lt, True
    if low is not None and high is not None:
        return f"{'(' if low_open else '['}{fmt(low)}, {fmt(high)}{')' if high_open else ']'}"
    if low is not None:
        return f"{'>' if low_open else '≥'} {fmt(low)}"
    if high is not None:
        return f"{'<' if high_open else '≤'} {fmt(high)}"
    return ""


def fmt(value: Any) -> str:
    """A number compactly: 4 significant digits for floats, exact integers, yes/no for booleans."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, int) and value >= 2**16 and (value + 1) & value == 0:
        return f"2^{(value + 1).bit_length() - 1}-1"  # a seed's upper bound, 2^31-1, fits a narrow column
    if isinstance(value, int) and abs(value) >= 10**7:
        return f"{value:.4g}"
    return str(value)


class MeasuredList(Static):
    """The measured numbers that decided the verdict, one 'name: value' per line (wrapping if narrow)."""

    def show(self, measured: Mapping[str, Any]) -> None:
        """Show a verdict's measured numbers (an empty mapping clears the list)."""
        lines = [Content.assemble((f"{k}: ", "dim"), (fmt(v), "bold")) for k, v in measured.items()]
        self.update(Content("\n").join(lines))
