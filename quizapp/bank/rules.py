"""The rules a single document's shape cannot express: references between fields, to the manifest,
and to the simulation registry. Each problem is located at the value that breaks the rule."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import ValidationError

import sims

from .models import Manifest, Question, SimLink
from .problems import Problem
from .source import Document, Path_


def question_problems(q: Question, doc: Document, base: Path_, manifest: Manifest | None) -> list[Problem]:
    """Every cross-field problem of one shape-valid question at ``base`` in ``doc``."""
    at: Callable[..., Problem] = lambda where, rule, msg, key=False: doc.problem(base + where, rule, msg, key=key)
    out: list[Problem] = []

    ids = q.option_ids
    for i, oid in enumerate(ids):
        if oid in ids[:i]:
            out.append(at(("options", i, "id"), "duplicate-option", f"option id '{oid}' is used twice"))

    answers = [q.answer] if isinstance(q.answer, str) else q.answer
    for i, aid in enumerate(answers):
        where: Path_ = ("answer",) if isinstance(q.answer, str) else ("answer", i)
        if aid not in ids:
            out.append(at(where, "unknown-answer", f"answer '{aid}' names no option (options: {', '.join(ids)})"))
        elif aid in answers[:i]:
            out.append(at(where, "duplicate-answer", f"answer '{aid}' is listed twice"))
    if isinstance(q.answer, list) and not q.answer:
        out.append(at(("answer",), "unknown-answer", "'answer' is an empty list: name at least one option"))

    req_ids = [r.id for r in q.requirements]
    for i, rid in enumerate(req_ids):
        if rid in req_ids[:i]:
            out.append(at(("requirements", i, "id"), "duplicate-requirement", f"requirement id '{rid}' is used twice"))
    for i, option in enumerate(q.options):
        for j, rid in enumerate(option.violates):
            if rid not in req_ids:
                known = f" (requirements: {', '.join(req_ids)})" if req_ids else " (the question has no requirements)"
                out.append(
                    at(("options", i, "violates", j), "unknown-requirement", f"'{rid}' names no requirement{known}")
                )

    if manifest is not None and manifest.domain(q.domain) is None:
        declared = ", ".join(d.id for d in manifest.domains)
        out.append(at(("domain",), "unknown-domain", f"domain '{q.domain}' is not declared in bank.yaml ({declared})"))

    for where, link in _links(q):
        out.extend(sim_link_problems(link, lambda w, r, m, key=False, base=where: at(base + w, r, m, key=key)))
    return out


def _links(q: Question) -> list[tuple[Path_, SimLink]]:
    """Every simulation link in a question with the path where it is written."""
    found: list[tuple[Path_, SimLink]] = []
    found += [(("options", i, "sim"), o.sim) for i, o in enumerate(q.options) if o.sim]
    found += [(("traps", i, "sim"), t.sim) for i, t in enumerate(q.traps) if t.sim]
    found += [(("sims", i), link) for i, link in enumerate(q.sims)]
    return found


def sim_link_problems(link: SimLink, at: Callable[..., Problem]) -> list[Problem]:
    """Problems with one simulation link: an unknown id, or params its simulation refuses."""
    try:
        simulation = sims.get(link.id)
    except sims.UnknownSimulation as exc:
        hint = f" (did you mean '{exc.suggestion}'?)" if exc.suggestion else " (see `quizapp sim list`)"
        return [at(("id",), "unknown-sim", f"unknown simulation '{link.id}'{hint}")]
    try:
        simulation.Params(**link.params)
    except ValidationError as exc:
        out = []
        fields = list(simulation.Params.model_fields)
        for err in exc.errors(include_url=False):
            key = str(err["loc"][0]) if err["loc"] else "?"
            if err["type"] == "extra_forbidden":
                msg = f"simulation '{link.id}' has no parameter '{key}' (its parameters: {', '.join(fields)})"
                out.append(at(("params", key), "bad-sim-params", msg, key=True))
            else:
                msg = f"parameter '{key}' of '{link.id}': {err['msg'].lower()}, got {err.get('input')!r}"
                out.append(at(("params", key), "bad-sim-params", msg))
        return out
    return []
