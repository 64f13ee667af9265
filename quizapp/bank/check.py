"""Turning pydantic's validation errors into located problems that read like advice."""

from __future__ import annotations

import difflib
import types
import typing
from typing import Any, Union

from pydantic import BaseModel, ValidationError

from .problems import Problem
from .source import Document, Path_, walk

_PATTERN_HINTS = {
    r"^[a-z0-9][a-z0-9-]*$": "use lowercase letters, digits and hyphens, e.g. 'kv-cache'",
    r"^[A-Za-z0-9][A-Za-z0-9_-]*$": "use letters, digits, '-' or '_', e.g. 'A'",
    r"^[^\n]*\S[^\n]*$": "write it on one line",
    r"\S": "it is empty",
}
_TYPE_WORDS = {
    "string_type": "text",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
    "float_type": "a number",
    "float_parsing": "a number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping (key: value lines)",
    "model_type": "a mapping (key: value lines)",
    "model_attributes_type": "a mapping (key: value lines)",
}
_RANGE_WORDS = {
    "greater_than_equal": ("ge", "at least"),
    "greater_than": ("gt", "more than"),
    "less_than_equal": ("le", "at most"),
    "less_than": ("lt", "less than"),
}


def label(where: Path_) -> str:
    """A path as an author reads it: ``options[1].why``."""
    out = ""
    for part in where:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out or "the document"


def _model_at(model: type[BaseModel], where: Path_) -> type[BaseModel] | None:
    """The pydantic model that validates the mapping at ``where`` (following fields and list items)."""
    current: Any = model
    for part in where:
        if isinstance(part, int):
            continue
        if (
            not (isinstance(current, type) and issubclass(current, BaseModel))
            or part not in current.model_fields
        ):
            return None
        current = _inner_model(current.model_fields[part].annotation)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _inner_model(annotation: Any) -> Any:
    """The BaseModel inside Optional[...], list[...], Annotated[...] and unions, if there is one."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType, list, typing.Annotated) or origin is not None:
        for arg in typing.get_args(annotation):
            found = _inner_model(arg)
            if found is not None:
                return found
    return None


def _data_path(data: Any, loc: tuple[Any, ...]) -> tuple[Path_, tuple[Any, ...]]:
    """Split pydantic's ``loc`` into the part that exists in the data path and the rest (union tags)."""
    where: list[str | int] = []
    for i, part in enumerate(loc):
        node = walk(data, where)
        fits = (isinstance(node, dict) and isinstance(part, str)) or (
            isinstance(node, list) and isinstance(part, int)
        )
        if not fits:
            return tuple(where), loc[i:]
        where.append(part)
    return tuple(where), ()


def problems_from(
    error: ValidationError, doc: Document, base: Path_, model: type[BaseModel]
) -> list[Problem]:
    """Located problems for a model validated from the data at ``base`` in ``doc``."""
    data = walk(doc.data, base)
    problems: list[Problem] = []
    seen: set[Path_] = set()
    for err in error.errors(include_url=False):
        where, rest = _data_path(data, tuple(err["loc"]))
        kind = err["type"]
        if kind == "missing":
            where = tuple(err["loc"])
        if where in seen and kind != "missing" and kind != "extra_forbidden":
            continue  # a union reports one error per member: one located line is enough
        seen.add(where)
        problems.append(_translate(err, kind, rest, doc, base, where, model))
    return problems


def _translate(
    err: Any,
    kind: str,
    rest: tuple[Any, ...],
    doc: Document,
    base: Path_,
    where: Path_,
    model: type[BaseModel],
) -> Problem:
    """One pydantic error as a problem with a rule name and a plain message."""
    full = base + where
    name = label(where)
    got = err.get("input")
    if kind == "missing":
        parent, field = where[:-1], where[-1]
        rule = "missing-why" if field == "why" and parent[:1] == ("options",) else "missing-field"
        owner = f" in {label(parent)}" if parent else ""
        return doc.problem(base + parent, rule, f"missing required field '{field}'{owner}")
    if kind == "extra_forbidden":
        key = where[-1] if where else "?"
        holder = _model_at(model, where[:-1])
        fields = list(holder.model_fields) if holder else []
        close = difflib.get_close_matches(str(key), fields, n=1, cutoff=0.6)
        hint = (
            f" (did you mean '{close[0]}'?)"
            if close
            else f" (known keys: {', '.join(fields)})"
            if fields
            else ""
        )
        return doc.problem(full, "unknown-key", f"unknown key '{key}'{hint}", key=True)
    if kind in _RANGE_WORDS:
        bound_key, words = _RANGE_WORDS[kind]
        return doc.problem(
            full, "out-of-range", f"'{name}' must be {words} {err['ctx'][bound_key]}, got {got!r}"
        )
    if kind in ("too_short", "too_long"):
        if where == ("options",):
            count = len(got) if isinstance(got, list) else "?"
            return doc.problem(full, "option-count", f"a question needs 2 to 8 options, got {count}")
        ctx = err.get("ctx", {})
        bound = (
            f"at least {ctx.get('min_length')}" if kind == "too_short" else f"at most {ctx.get('max_length')}"
        )
        return doc.problem(full, "out-of-range", f"'{name}' needs {bound} items")
    if kind == "control_character":
        return doc.problem(full, "control-character", f"'{name}' {err['msg']}")
    if kind == "string_pattern_mismatch":
        hint = _PATTERN_HINTS.get(err.get("ctx", {}).get("pattern", ""), "it has the wrong form")
        return doc.problem(full, "wrong-value", f"'{name}' is {_short(got)}: {hint}")
    if kind == "string_too_long":
        return doc.problem(
            full, "out-of-range", f"'{name}' must be at most {err['ctx']['max_length']} characters"
        )
    if kind == "string_too_short":
        return doc.problem(full, "wrong-value", f"'{name}' is empty: fill it in")
    if rest and where and where[-1] == "answer":
        return doc.problem(
            full,
            "wrong-type",
            f"'answer' must be an option id or a list of ids, got {_short(got)} (quote ids like \"1\")",
        )
    if kind in _TYPE_WORDS:
        return doc.problem(full, "wrong-type", f"'{name}' should be {_TYPE_WORDS[kind]}, got {_kind_of(got)}")
    return doc.problem(full, "wrong-value", f"'{name}': {err['msg']}")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _kind_of(value: Any) -> str:
    """How an author would name what they wrote."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"{value!r}".lower()
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return _short(value)
