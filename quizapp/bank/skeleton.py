"""`quizapp new`: a commented question skeleton that validates once its empty texts are filled,
and the domain it starts with (from --domain, else from the folder it is written into)."""

from __future__ import annotations

import difflib
import re
from pathlib import Path

from .models import SLUG, Manifest

HEADER = """\
# A new question for quizapp. Fill in every "" below: `quizapp validate {path}` points at each
# one still empty. The format is in the README ("Writing questions"); `quizapp schema` gives editors
# completion and checks as you type.
"""

BODY: list[tuple[str, str]] = [
    ("id: {qid}", "stable: a learner's progress is keyed on it"),
    ('title: ""', "one line"),
    ("domain: {domain}", "{domain_note}"),
    ("tags: []", ""),
    ("difficulty: 3", "1 (recall) .. 5 (expert)"),
    ('scenario: ""', "markdown: the situation, with the numbers that matter; $math$ allowed"),
    ("requirements:", "the constraints the scenario sets; options name the ones they break"),
    ("  - id: first-requirement", ""),
    ('    text: ""', ""),
    ('prompt: ""', "the one line the learner answers"),
    ("options:", "2 to 8; ids default to A, B, C ..."),
    ('  - text: ""', ""),
    ('    why: ""', "why this option is wrong: what it breaks, and how"),
    ("    violates: [first-requirement]", ""),
    ("    # sim: rnn-gradient-decay", "a simulation that proves the point (`quizapp sim list`)"),
    ('  - text: ""', ""),
    ('    why: ""', "why this option is right"),
    ("answer: B", 'an option id, or a list of ids for "choose N"'),
    ('explanation: ""', "the expert's analysis, in markdown"),
    ("traps: []", '- {{title: "", text: ""}}: misconceptions worth naming'),
    ('# in_practice: ""', "where production differs from the exam answer"),
    ("references: []", "paper and section or table"),
    ("# sims: []", "more simulations for the question as a whole"),
]
MIN_COLUMN = 25
"""Comments start at this column at least (1-based), or further right when a line is longer."""


def slug(text: str) -> str:
    """A valid question id from a file name or title."""
    out = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return out or "new-question"


def skeleton(question_id: str, domain: str, shown_path: str, domain_note: str = "") -> str:
    """The skeleton's YAML text, every trailing comment starting in one column."""
    lines = [
        (code.format(qid=question_id, domain=domain), note.format(domain_note=domain_note))
        for code, note in BODY
    ]
    column = max([MIN_COLUMN - 1] + [len(code) + 2 for code, note in lines if note])
    body = "".join(f"{code:<{column}}# {note}\n" if note else f"{code}\n" for code, note in lines)
    return HEADER.format(path=shown_path) + body


def refuse_domain(domain: str, manifest: Manifest | None, manifest_path: Path | None) -> str | None:
    """Why `new --domain` cannot take ``domain``: in a bank, one bank.yaml does not declare (with the
    declared ids and the nearest); outside a bank, one that is not a well-formed id. None if it can."""
    if manifest is None:
        if SLUG.match(domain):
            return None
        return f"--domain '{domain}' is not a domain id: use lowercase letters, digits and hyphens"
    declared = [d.id for d in manifest.domains]
    if domain in declared:
        return None
    close = difflib.get_close_matches(domain, declared, n=1, cutoff=0.6)
    hint = f": did you mean '{close[0]}'?" if close else ""
    return f"--domain '{domain}' is not declared in {manifest_path}{hint} (declared: {', '.join(declared)})"


def folder_domain(folder: Path, root: Path, manifest: Manifest) -> tuple[str, str] | None:
    """The domain a new file in ``folder`` belongs to, and why: the nearest enclosing folder (up to the
    bank's root) named by a declared domain id, else the one domain the questions already in ``folder``
    share. None when neither says."""
    declared = {d.id for d in manifest.domains}
    try:
        parts = folder.resolve().relative_to(root.resolve()).parts
    except ValueError:
        parts = ()
    for i in range(len(parts), 0, -1):
        if parts[i - 1] in declared:
            return parts[i - 1], f"from its folder {'/'.join(parts[:i])}/"
    found = _domains_in(folder) & declared
    if len(found) == 1:
        only = found.pop()
        return only, f"from the questions beside it in {folder}/"
    if len(declared) == 1:
        return next(iter(declared)), "the bank's only domain"
    return None


def _domains_in(folder: Path, limit: int = 50) -> set[str]:
    """The domains written in the question files directly in ``folder`` (the first ``limit`` of them)."""
    from .source import SourceError, read_document

    found: set[str] = set()
    files = sorted(p for p in folder.glob("*.y*ml") if p.suffix in (".yaml", ".yml") and p.is_file())
    for path in files[:limit]:
        try:
            data = read_document(path).data
        except SourceError:
            continue
        for item in data if isinstance(data, list) else [data]:
            if isinstance(item, dict) and isinstance(item.get("domain"), str):
                found.add(item["domain"])
    return found
