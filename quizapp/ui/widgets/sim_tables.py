"""Tables beside a simulation's plot: the parameters of the run, and what the run measured."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from annotated_types import Ge, Gt, Le, Lt
from pydantic import BaseModel
from rich.text import Text
from textual.content import Content
from textual.widgets import DataTable, Static


def bounds(model: type[BaseModel], name: str) -> str:
    """A parameter's allowed range from its pydantic Field metadata: '[1, 24]', '(0, 5]', '≥ 0'."""
    info = model.model_fields[name]
    low = high = None
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


GAP = "  "
"""Space after a column: the tables run with no cell padding to fit beside a plot at 80 columns."""


class ParamsTable(DataTable[Text], can_focus=False):
    """Parameter, value and allowed range; values that differ from the defaults are bold, with a *."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="none", show_cursor=False, cell_padding=0, zebra_stripes=False)

    def on_mount(self) -> None:
        """Add the columns."""
        self.add_columns("param" + GAP, "value" + GAP, "range")

    def show(self, model: type[BaseModel], params: Mapping[str, Any]) -> None:
        """Fill the table from a Params model and the values used."""
        self.clear()
        defaults = model().model_dump(mode="json")
        for name, value in params.items():
            changed = defaults.get(name) != value
            shown = Text(fmt(value) + ("*" if changed else "") + GAP, style="bold" if changed else "")
            self.add_row(Text(name + GAP), shown, Text(bounds(model, name), style="dim"), key=name)


class MeasuredList(Static):
    """The measured numbers that decided the verdict, one 'name: value' per line (wrapping if narrow)."""

    def show(self, measured: Mapping[str, Any]) -> None:
        """Show a verdict's measured numbers (an empty mapping clears the list)."""
        lines = [Content.assemble((f"{k}: ", "dim"), (fmt(v), "bold")) for k, v in measured.items()]
        self.update(Content("\n").join(lines))
