"""A simulation's parameters in words, for the command line and the TUI alike: each one's type,
range, default and help; values written compactly; and `--set K=V` pairs read with plain errors
(did-you-mean for a wrong name, no NaN or infinity, never raw pydantic text). Core module: no Textual.
"""

from __future__ import annotations

import difflib
import json
import math
import typing
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from annotated_types import Ge, Gt, Le, Lt
from pydantic import BaseModel, ValidationError


class ParamError(ValueError):
    """Parameters that cannot be used, with a message a person can act on."""


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


_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def fmt(value: Any) -> str:
    """A number compactly: 4 significant digits for floats, exact integers, yes/no for booleans, and
    powers written as powers: ``2³¹−1`` (a seed's upper bound), ``10⁶``, ``1.074 × 10⁹``, ``2.5 × 10⁻⁵``."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int) and value >= 2**16 and (value + 1) & value == 0:
        return f"2{str((value + 1).bit_length() - 1).translate(_SUPERSCRIPT)}−1"  # fits a narrow column
    if isinstance(value, float) or (isinstance(value, int) and abs(value) >= 10**7):
        return _powers_of_ten(f"{value:.4g}")
    return str(value)


def _powers_of_ten(number: str) -> str:
    """``1e+06`` -> ``10⁶``, ``2.5e-05`` -> ``2.5 × 10⁻⁵``; a number without an exponent is kept."""
    mantissa, e, exponent = number.partition("e")
    if not e:
        return number
    power = "10" + str(int(exponent)).translate(_SUPERSCRIPT)
    if mantissa in ("1", "-1"):
        return mantissa[:-1] + power
    return f"{mantissa} × {power}"


def type_name(annotation: Any) -> str:
    """'integer', 'number', 'yes/no', 'text', or 'one of a, b, c' for a choice."""
    if typing.get_origin(annotation) is typing.Literal:
        return "one of " + ", ".join(str(v) for v in typing.get_args(annotation))
    return {int: "integer", float: "number", bool: "yes/no", str: "text"}.get(annotation, str(annotation))


@dataclass(frozen=True)
class ParamRow:
    """One parameter as `quizapp sim show` lists it."""

    name: str
    type: str
    range: str
    default: Any
    help: str

    def as_json(self) -> dict[str, Any]:
        """The object `quizapp sim show --json` prints for this parameter."""
        return {
            "name": self.name,
            "type": self.type,
            "range": self.range,
            "default": self.default,
            "help": self.help,
        }


def param_rows(model: type[BaseModel]) -> list[ParamRow]:
    """Every parameter of a simulation's Params model, in declaration order."""
    return [
        ParamRow(name, type_name(info.annotation), bounds(model, name), info.default, info.description or "")
        for name, info in model.model_fields.items()
    ]


def read_overrides(model: type[BaseModel], pairs: Iterable[str]) -> dict[str, Any]:
    """`K=V` pairs as parameter values: JSON where the value parses (numbers, true/false), else text.

    ParamError for a pair without '=', a name the model does not have (with the names it has and a
    did-you-mean), or a value that is not a finite number where a number is expected."""
    names = list(model.model_fields)
    values: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ParamError(f"--set takes NAME=VALUE, got '{pair}'")
        if key not in model.model_fields:
            close = difflib.get_close_matches(key, names, n=1, cutoff=0.6)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise ParamError(f"no parameter '{key}'{hint}; the parameters are: {', '.join(names)}")
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = raw
        if raw.strip().lower() in ("nan", "inf", "-inf", "+inf", "infinity", "-infinity") or (
            isinstance(value, float) and not math.isfinite(value)
        ):
            raise ParamError(f"'{key}' must be a finite number, not {raw.strip()}")
        values[key] = value
    return values


def plain_errors(exc: ValidationError) -> str:
    """A pydantic error as sentences: "'layers' must be at most 24, got 99"."""
    out = []
    for err in exc.errors():
        name = ".".join(str(p) for p in err["loc"]) or "the parameters"
        ctx, got = err.get("ctx", {}), err.get("input")
        kind = err["type"]
        words = {
            "greater_than_equal": ("ge", "at least"),
            "less_than_equal": ("le", "at most"),
            "greater_than": ("gt", "more than"),
            "less_than": ("lt", "less than"),
        }
        if kind in words:
            key, phrase = words[kind]
            out.append(f"'{name}' must be {phrase} {fmt(ctx[key])}, got {got!r}")
        elif kind == "literal_error":
            out.append(f"'{name}' must be {ctx.get('expected', 'one of its choices')}, got {got!r}")
        elif kind in ("int_parsing", "int_from_float", "int_type"):
            out.append(f"'{name}' must be a whole number, got {got!r}")
        elif kind in ("float_parsing", "float_type"):
            out.append(f"'{name}' must be a number, got {got!r}")
        elif kind in ("bool_parsing", "bool_type"):
            out.append(f"'{name}' must be true or false, got {got!r}")
        elif kind == "value_error":
            message = str(err["msg"]).removeprefix("Value error, ")
            out.append(message)
        else:
            out.append(f"'{name}': {str(err['msg']).lower()}, got {got!r}")
    return "; ".join(out)
