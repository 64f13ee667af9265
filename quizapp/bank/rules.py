"""The rules a single document's shape cannot express: references between fields, to the manifest,
and to the simulation registry (through its static index, :mod:`.sim_index`, so that checking
links does not import the simulations). Each problem is located at the value that breaks the rule.

They read the plain data rather than the validated model, so that a question with a shape problem
(say, a misspelt key) still has its answer, requirements and simulation links checked in the same
run: an author sees every problem at once. Values of the wrong type are left to the shape check.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from . import sim_index
from .models import OPTION_LETTERS, SLUG, Manifest
from .problems import Problem
from .source import Document, Path_

At = Callable[..., Problem]


def _strings(value: Any) -> list[tuple[int | None, str]]:
    """(index, text) for a string or each string in a list; index None for a lone string."""
    if isinstance(value, str):
        return [(None, value)]
    if isinstance(value, list):
        return [(i, v) for i, v in enumerate(value) if isinstance(v, str)]
    return []


def _items(value: Any) -> list[tuple[int, dict[str, Any]]]:
    """(index, mapping) for each mapping in a list."""
    return [(i, v) for i, v in enumerate(value) if isinstance(v, dict)] if isinstance(value, list) else []


def option_ids(options: Any) -> list[str | None]:
    """Each option's id as written, or its letter by position (None where the id is not text)."""
    ids: list[str | None] = []
    for i, option in enumerate(options if isinstance(options, list) else []):
        given = option.get("id") if isinstance(option, dict) else None
        letter = OPTION_LETTERS[i] if i < len(OPTION_LETTERS) else None
        ids.append(given if isinstance(given, str) else letter if given is None else None)
    return ids


def question_problems(
    data: dict[str, Any], doc: Document, base: Path_, manifest: Manifest | None
) -> list[Problem]:
    """Every cross-field problem of the question at ``base`` in ``doc``."""

    def at(where: Path_, rule: str, msg: str, key: bool = False) -> Problem:
        return doc.problem(base + where, rule, msg, key=key)

    out: list[Problem] = []
    ids = option_ids(data.get("options"))
    known = [i for i in ids if i is not None]
    for i, oid in enumerate(ids):
        if oid is not None and oid in ids[:i]:
            written = data["options"][i]
            where: Path_ = (
                ("options", i, "id") if isinstance(written, dict) and "id" in written else ("options", i)
            )
            out.append(at(where, "duplicate-option", f"option id '{oid}' is used twice"))

    answer = data.get("answer")
    listed = _strings(answer)
    if known:
        for at_index, aid in listed:
            where = ("answer",) if at_index is None else ("answer", at_index)
            if aid not in known:
                out.append(
                    at(
                        where,
                        "unknown-answer",
                        f"answer '{aid}' names no option (options: {', '.join(known)})",
                    )
                )
            elif at_index is not None and aid in [a for j, a in listed if j is not None and j < at_index]:
                out.append(at(where, "duplicate-answer", f"answer '{aid}' is listed twice"))
    if isinstance(answer, list) and not answer:
        out.append(at(("answer",), "unknown-answer", "'answer' is an empty list: name at least one option"))

    requirements = [(i, r.get("id")) for i, r in _items(data.get("requirements"))]
    req_ids = [rid for _, rid in requirements if isinstance(rid, str)]
    for n, (i, rid) in enumerate(requirements):
        if isinstance(rid, str) and rid in [r for _, r in requirements[:n]]:
            out.append(
                at(
                    ("requirements", i, "id"),
                    "duplicate-requirement",
                    f"requirement id '{rid}' is used twice",
                )
            )
    for i, option in _items(data.get("options")):
        for j, rid in _strings(option.get("violates")):
            if rid not in req_ids:
                close = difflib.get_close_matches(str(rid), [str(r) for r in req_ids], n=1, cutoff=0.6)
                hint = (
                    f" (did you mean '{close[0]}'?)"
                    if close
                    else f" (requirements: {', '.join(req_ids)})"
                    if req_ids
                    else " (the question has no requirements)"
                )
                where = ("options", i, "violates") + ((j,) if j is not None else ())
                out.append(at(where, "unknown-requirement", f"'{rid}' names no requirement{hint}"))

    domain = data.get("domain")
    if isinstance(domain, str):
        problem = domain_problem(domain, manifest)
        if problem is not None:
            out.append(at(("domain",), *problem))

    for where, link in sim_links(data):
        out.extend(
            sim_link_problems(link, lambda w, r, m, key=False, base=where: at(base + w, r, m, key=key))
        )
    return out


NO_BANK = "this file is in no bank (no bank.yaml above it), so the declared domains cannot be checked"


def domain_problem(domain: str, manifest: Manifest | None) -> tuple[str, str] | None:
    """(rule, message) when ``domain`` is not a declared domain id; None when it is fine.

    In a bank the message lists the declared ids (and the closest, when one is close); outside
    a bank it says that domains cannot be checked there, and names only what is wrong with the form.
    """
    if manifest is None:
        if not domain.strip():
            return (
                "unknown-domain",
                f"'domain' is empty: {NO_BANK}; write the id of a domain that the bank it joins declares",
            )
        if not SLUG.match(domain):
            return (
                "unknown-domain",
                f"'domain' is {domain!r}: a domain id uses lowercase letters, digits and hyphens; {NO_BANK}",
            )
        return None
    if manifest.domain(domain) is not None:
        return None
    declared = [d.id for d in manifest.domains]
    listing = ", ".join(declared)
    if not domain.strip():
        return "unknown-domain", f"'domain' is empty: write one of the domains bank.yaml declares ({listing})"
    close = difflib.get_close_matches(domain, declared, n=1, cutoff=0.6)
    hint = f"did you mean '{close[0]}'? " if close else ""
    return "unknown-domain", f"domain '{domain}' is not declared in bank.yaml ({hint}declared: {listing})"


def sim_links(data: dict[str, Any]) -> list[tuple[Path_, Any]]:
    """Every simulation link written in a question, with its path (short string form included)."""
    found: list[tuple[Path_, Any]] = []
    for field in ("options", "traps"):
        found += [
            ((field, i, "sim"), item["sim"])
            for i, item in _items(data.get(field))
            if item.get("sim") is not None
        ]
    links = data.get("sims")
    if isinstance(links, list):
        found += [(("sims", i), link) for i, link in enumerate(links)]
    return found


def sim_link_problems(link: Any, at: At) -> list[Problem]:
    """Problems with one simulation link (a string or a mapping): unknown id, or params it refuses."""
    params: Any
    where_id: tuple[str, ...]
    if isinstance(link, str):
        sim_id, params, where_id = link, {}, ()
    elif isinstance(link, dict) and isinstance(link.get("id"), str):
        sim_id, params, where_id = link["id"], link.get("params"), ("id",)
    else:
        return []  # the shape check reports a link of the wrong form
    known = sim_index.index()
    if sim_id not in known:
        close = difflib.get_close_matches(sim_id, list(known), n=1, cutoff=0.6)  # as sims.suggest
        hint = f" (did you mean '{close[0]}'?)" if close else " (see `quizapp sim list`)"
        return [at(where_id, "unknown-sim", f"unknown simulation '{sim_id}'{hint}")]
    if not isinstance(params, dict) or not params:
        return []  # the defaults are checked when the simulation registers
    model = sim_index.params_model(sim_id)
    try:
        model(**params)
    except ValidationError as exc:
        out = []
        fields = list(model.model_fields)
        for err in exc.errors(include_url=False):
            key = str(err["loc"][0]) if err["loc"] else "?"
            if err["type"] == "extra_forbidden":
                msg = f"simulation '{sim_id}' has no parameter '{key}' (its parameters: {', '.join(fields)})"
                out.append(at(("params", key), "bad-sim-params", msg, key=True))
            else:
                msg = f"parameter '{key}' of '{sim_id}': {err['msg'][0].lower()}{err['msg'][1:]}, got {err.get('input')!r}"
                out.append(at(("params", key), "bad-sim-params", msg))
        return out
    except TypeError:  # keys that are not strings
        return [at(("params",), "bad-sim-params", f"parameters of '{sim_id}' must be named by text keys")]
    return []
