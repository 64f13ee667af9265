"""A static index of the simulations: ids, titles and parameter fields, read from ``sim_index.json``.

Checking a question's simulation links needs only what the registry declares, not the simulations
themselves; importing ``sims`` brings NumPy and every simulation module (about 170 ms), which the
start-up and ``quizapp validate`` should not pay. The index is generated from the registry
(``python -m quizapp.bank.sim_index``) and a test proves it equals what ``sims`` says, so it
cannot go stale unnoticed.

Each parameter field is described by its type (int, float, bool, str, or a list of choices), its
bounds and its default, enough to rebuild an equivalent pydantic model that gives the same errors.
A simulation whose ``Params`` also checks fields against each other (a model validator) is marked
``cross_checks``; its links with parameters are checked against the real ``Params``, importing
``sims`` only then.
"""

from __future__ import annotations

import functools
import hashlib
import json
import sys
import typing
from pathlib import Path
from typing import Any

INDEX_FILE = Path(__file__).with_name("sim_index.json")
_TYPES = {"int": int, "float": float, "bool": bool, "str": str}
_BOUNDS = ("ge", "gt", "le", "lt", "multiple_of")


@functools.cache
def _raw() -> bytes:
    return INDEX_FILE.read_bytes()


@functools.cache
def index() -> dict[str, dict[str, Any]]:
    """The index: simulation id -> {title, cross_checks, params: {name: field}}, ids sorted."""
    return json.loads(_raw())


def ids() -> list[str]:
    """Every simulation id, sorted (as ``sims.ids()``)."""
    return list(index())


def digest() -> str:
    """A digest of the index: it changes whenever a simulation or one of its parameters does."""
    return hashlib.sha256(_raw()).hexdigest()[:16]


@functools.cache
def field_model(sim_id: str) -> type[Any]:
    """A pydantic model with the fields of simulation ``sim_id``'s ``Params`` (not its cross-checks)."""
    from pydantic import ConfigDict, Field, create_model

    fields: dict[str, Any] = {}
    for name, spec in index()[sim_id]["params"].items():
        kind = typing.Literal[tuple(spec["choices"])] if "choices" in spec else _TYPES[spec["type"]]
        bounds = {bound: spec[bound] for bound in _BOUNDS if bound in spec}
        fields[name] = (kind, Field(spec["default"], **bounds))
    config = ConfigDict(extra="forbid", frozen=True, validate_default=True)
    return create_model(f"Params_{sim_id.replace('-', '_')}", __config__=config, **fields)


def params_model(sim_id: str) -> type[Any]:
    """The model that validates a link's parameters: the real ``Params`` where fields are checked
    against each other (this imports ``sims``), else the equivalent model built from the index."""
    if index()[sim_id]["cross_checks"]:
        import sims

        return type(sims.get(sim_id)).Params
    return field_model(sim_id)


def _field(name: str, info: Any) -> dict[str, Any]:
    """One ``Params`` field as index data; a kind of field it cannot describe is a programming error."""
    annotation = info.annotation
    spec: dict[str, Any]
    if typing.get_origin(annotation) is typing.Literal:
        spec = {"type": "str", "choices": list(typing.get_args(annotation))}
    elif annotation in _TYPES.values():
        spec = {"type": annotation.__name__}
    else:
        raise TypeError(f"parameter {name!r}: the index cannot describe {annotation!r}")
    for item in info.metadata:
        bound = next((b for b in _BOUNDS if getattr(item, b, None) is not None), None)
        if bound is None or len([b for b in _BOUNDS if getattr(item, b, None) is not None]) != 1:
            raise TypeError(f"parameter {name!r}: the index cannot describe {item!r}")
        spec[bound] = getattr(item, bound)
    spec["default"] = info.get_default(call_default_factory=True)
    return spec


def build() -> dict[str, dict[str, Any]]:
    """The index as the registry says it (imports ``sims``)."""
    import sims

    out: dict[str, dict[str, Any]] = {}
    for simulation in sims.all_simulations():
        params = type(simulation).Params
        decorators = params.__pydantic_decorators__
        if decorators.field_validators or decorators.field_serializers:
            raise TypeError(f"{simulation.id}: field validators are not in the index; use a model validator")
        out[simulation.id] = {
            "title": simulation.title,
            "cross_checks": bool(decorators.model_validators),
            "params": {name: _field(name, info) for name, info in params.model_fields.items()},
        }
    return out


def render(data: dict[str, dict[str, Any]]) -> str:
    """The index file's text."""
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    """``python -m quizapp.bank.sim_index [--check]``: rewrite the index, or check it is current."""
    args = sys.argv[1:] if argv is None else argv
    text = render(build())
    if "--check" in args:
        current = INDEX_FILE.read_text(encoding="utf-8") if INDEX_FILE.exists() else ""
        if current != text:
            print(f"{INDEX_FILE} is out of date: run python -m quizapp.bank.sim_index", file=sys.stderr)
            return 1
        return 0
    INDEX_FILE.write_text(text, encoding="utf-8")
    print(f"wrote {INDEX_FILE} ({text.count(chr(10))} lines)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
