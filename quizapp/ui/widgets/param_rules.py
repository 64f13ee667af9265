"""What a ``Params`` model allows, worked out from the model itself: the kind of input each field
needs, a short reason when a value is refused, and which fields a choice fixes.

A simulation may let one choice fix other fields (``kv-cache-sizing``: a ``model`` preset fixes the
four shape fields, and its validator refuses any other value for them). Nothing declares that, so
:func:`fixings` finds it by trying: with the choice set and everything else at its default, a field
is fixed when every other value it could take is refused by the model (not by the field's own
bounds), and another value of the choice accepts one of them. No Textual here: plain pydantic.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any, Literal, get_args, get_origin

from pydantic import BaseModel, TypeAdapter, ValidationError
from pydantic.fields import FieldInfo

from ...params import fmt

ALTERNATIVES = 4
"""At most this many other values are tried per field when looking for fixed fields."""

_BOUND_WORDS = {
    "greater_than_equal": ("ge", "≥"),
    "less_than_equal": ("le", "≤"),
    "greater_than": ("gt", ">"),
    "less_than": ("lt", "<"),
}


def message_of(error: ValidationError) -> str:
    """Pydantic's first message, without the 'Value error, ' that model validators' messages carry."""
    msg = str(error.errors()[0]["msg"]) if error.errors() else str(error)
    return msg.removeprefix("Value error, ")


def reason_of(error: ValidationError) -> str:
    """Why one field's value is refused, short enough to sit after its name: 'must be ≤ 24'."""
    errors = error.errors()
    if not errors:
        return str(error)
    first = errors[0]
    kind, ctx, got = first["type"], first.get("ctx", {}), first.get("input")
    if isinstance(got, str) and not got.strip():
        return "needs a value"
    if kind in _BOUND_WORDS:
        key, sign = _BOUND_WORDS[kind]
        return f"must be {sign} {fmt(ctx[key])}"
    if kind == "multiple_of":
        return f"must be a multiple of {fmt(ctx['multiple_of'])}"
    if kind in ("int_parsing", "int_from_float", "int_type"):
        return "must be a whole number"
    if kind in ("float_parsing", "float_type"):
        return "must be a number"
    if kind == "finite_number":
        return "must be a finite number"
    if kind in ("bool_parsing", "bool_type"):
        return "must be yes or no"
    return message_of(error)


def field_adapter(info: FieldInfo) -> TypeAdapter[Any]:
    """A validator for one field on its own: its annotation with its bounds (ge, le, multiple_of ...)."""
    if not info.metadata:
        return TypeAdapter(info.annotation)  # type: ignore[arg-type]
    return TypeAdapter(Annotated[(info.annotation, *info.metadata)])  # type: ignore[arg-type]


def kind_of(info: FieldInfo) -> str:
    """Which input a field gets: 'bool', 'choice' (a Literal), 'int', 'float' or 'text'."""
    annotation = info.annotation
    if annotation is bool:
        return "bool"
    if get_origin(annotation) is Literal:
        return "choice"
    if annotation is int:
        return "int"
    if annotation is float:
        return "float"
    return "text"


def choices_of(info: FieldInfo) -> tuple[Any, ...]:
    """The values a choice or a switch can take (empty for other fields)."""
    kind = kind_of(info)
    if kind == "bool":
        return (True, False)
    if kind == "choice":
        return get_args(info.annotation)
    return ()


def alternatives(info: FieldInfo, value: Any) -> list[Any]:
    """A few other values the field accepts on its own (within its bounds), to try in the model."""
    kind = kind_of(info)
    if kind in ("bool", "choice"):
        candidates: list[Any] = [c for c in choices_of(info) if c != value]
    elif kind == "int" and isinstance(value, int):
        candidates = [value + 1, value - 1, value * 2, value // 2, 1, 0]
    elif kind == "float" and isinstance(value, int | float):
        candidates = [value * 1.5, value / 2, value + 1.0, value - 1.0, 1.0, 0.5]
    else:
        return []
    adapter = field_adapter(info)
    found: list[Any] = []
    for candidate in candidates:
        if candidate == value or candidate in found:
            continue
        try:
            adapter.validate_python(candidate)
        except ValidationError:
            continue
        found.append(candidate)
        if len(found) == ALTERNATIVES:
            break
    return found


def _accepts(model: type[BaseModel], values: Mapping[str, Any]) -> bool:
    """Whether the model validates these values."""
    try:
        model(**values)
    except ValidationError:
        return False
    return True


@dataclass(frozen=True)
class Fixing:
    """One field fixed by a choice: the choice (``by`` = ``value``), the value it fixes the field at,
    and a value of the choice that lets the learner set the field (``frees``)."""

    by: str
    value: Any
    fixed_at: Any
    frees: Any

    def reason(self) -> str:
        """The reason shown beside the disabled field."""
        return f"fixed by {self.by}={fmt(self.value)}; set {self.by}={fmt(self.frees)} to change"


@functools.cache
def fixings(model: type[BaseModel]) -> Mapping[tuple[str, Any], Mapping[str, Fixing]]:
    """(choice, value) -> the fields that value of the choice fixes, for every choice of the model.

    Found by trying values (see the module's docstring), once per model: a few hundred validations at
    most, for a form of ten fields with four choices.
    """
    fields = model.model_fields
    found: dict[tuple[str, Any], dict[str, Fixing]] = {}
    for choice, info in fields.items():
        options = choices_of(info)
        for value in options:
            try:
                base = model(**{choice: value}).model_dump()
            except ValidationError:
                continue
            for name, other in fields.items():
                if name == choice:
                    continue
                tries = alternatives(other, base[name])
                if not tries or any(_accepts(model, {**base, name: t}) for t in tries):
                    continue  # free to change (or nothing to try)
                frees = next(
                    (
                        option
                        for option in options
                        if option != value
                        and any(_accepts(model, {**base, choice: option, name: t}) for t in tries)
                    ),
                    None,
                )
                if frees is not None:
                    found.setdefault((choice, value), {})[name] = Fixing(choice, value, base[name], frees)
    return found


def fixed_fields(model: type[BaseModel], values: Mapping[str, Any]) -> dict[str, Fixing]:
    """The fields the current values' choices fix (empty when no choice fixes anything)."""
    rules = fixings(model)
    fixed: dict[str, Fixing] = {}
    if not rules:
        return fixed
    for (choice, value), fields in rules.items():
        if values.get(choice) == value:
            for name, fixing in fields.items():
                fixed.setdefault(name, fixing)
    return fixed
