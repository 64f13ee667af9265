"""`quizapp lint`: validate, then prove every linked claim at its linked settings, then advise.

Errors (exit 1): validation problems, and simulation links whose claim does not hold at the
parameters the question gives. Warnings (reported, exit 0): a question with no simulation, an
option whose `why` only repeats its text, a "choose N" prompt that disagrees with the answer list,
and the item-writing checks of :mod:`quizapp.item_lint` (length cues, option references, "all of
the above", keys that break requirements, dead requirements, unemphasised negatives, near-duplicate
questions). A question silences a warning with `lint: {ignore: [rule], why: ...}`. After the
findings, a summary of the bank's cues (:func:`summary`). Never imports Textual.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sims

from .bank import Bank, Problem, Question, load_bank, validate_paths
from .bank.loader import MANIFEST, Source, nearest_manifest
from .bank.source import SourceError, read_document
from .item_lint import bank_summary, item_warnings, near_duplicates, silenced
from .text import plain as render_plain

_NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_CHOOSE = re.compile(r"\b(?:choose|select|pick)\s+(two|three|four|five|six|\d)\b", re.I)


@dataclass(frozen=True)
class Finding:
    """A lint result located like a validation problem, with its level."""

    problem: Problem
    level: str  # "error" or "warning"

    def __str__(self) -> str:
        p = self.problem
        return f"{p.path}:{p.line}:{p.column}: {self.level}: {p.message}"


def _locate(
    source: Source, question_id: str, where: tuple[str | int, ...], rule: str, message: str
) -> Problem:
    """A problem at ``where`` inside the question with this id (re-reading its file only now)."""
    try:
        doc = read_document(Path(source.path), source.path)
    except SourceError:
        return Problem(source.path, source.line, source.column, rule, message)
    bases = [()] if isinstance(doc.data, dict) else [(i,) for i in range(len(doc.data or []))]
    for base in bases:
        item = doc.data if not base else doc.data[base[0]]
        if isinstance(item, dict) and item.get("id") == question_id:
            return doc.problem(base + where, rule, message)
    return Problem(source.path, source.line, source.column, rule, message)


def _links(q: Question) -> list[tuple[tuple[str | int, ...], Any]]:
    found: list[tuple[tuple[str | int, ...], Any]] = []
    found += [(("options", i, "sim"), o.sim) for i, o in enumerate(q.options) if o.sim]
    found += [(("traps", i, "sim"), t.sim) for i, t in enumerate(q.traps) if t.sim]
    found += [(("sims", i), link) for i, link in enumerate(q.sims)]
    return found


def _advice(q: Question) -> list[tuple[tuple[str | int, ...], str, str]]:
    """Warnings an editor would want: (where, rule, message)."""
    out: list[tuple[tuple[str | int, ...], str, str]] = []
    if not q.all_sim_links():
        out.append(
            (("id",), "no-simulation", "no simulation is linked: link one from an option, a trap or `sims`")
        )
    for i, option in enumerate(q.options):
        text, why = option.text.strip().lower(), option.why.strip().lower()
        if difflib.SequenceMatcher(None, text, why).ratio() > 0.8:
            out.append(
                (
                    ("options", i, "why"),
                    "why-repeats-text",
                    f"option {q.option_ids[i]}'s why repeats its text: say why",
                )
            )
    match = _CHOOSE.search(q.prompt)
    wanted = (_NUMBERS.get(match.group(1).lower()) or int(match.group(1))) if match else None
    given = len(q.answers)
    if wanted is not None and wanted != given:
        out.append((("answer",), "choose-n", f"the prompt says choose {wanted} but the answer lists {given}"))
    if wanted is None and q.multiple and given > 1:
        out.append(
            (
                ("prompt",),
                "choose-n",
                f"the answer lists {given} options but the prompt does not say 'choose {given}'",
            )
        )
    out += item_warnings(q)
    return [w for w in out if w[1] not in silenced(q)]


Progress = Callable[[float, str], None]
"""Called with (fraction done, what is being done) as lint goes, for a progress line."""

_FILES, _SIMS = 0.3, 0.95
"""Where each stage ends on the progress line: reading files, then running simulations, then advice."""


def _checked(
    paths: list[Path], on_progress: Progress | None = None
) -> tuple[list[Problem], list[tuple[Question, Source]]]:
    """Every validation problem under the given paths, and their valid questions, each with where it
    was read; a bank given as a whole is read once for both."""
    problems: list[Problem] = []
    questions: list[tuple[Question, Source]] = []
    banks: dict[Path, Bank | None] = {}

    def on_file(n: int, total: int) -> None:
        if on_progress is not None:
            on_progress(_FILES * n / total, f"checking files {n}/{total}")

    for path in paths:
        if path.is_dir() and (path / MANIFEST).is_file():
            result = load_bank(path, on_file)
            problems += result.problems
            banks[path.resolve()] = result.bank
        else:
            problems += validate_paths([path], on_file)
        manifest = path / MANIFEST if (path / MANIFEST).is_file() else nearest_manifest(path)
        if manifest is None or not path.exists():
            continue  # validation has said what it can; there is no bank to run
        root = manifest.parent.resolve()
        if root not in banks:
            banks[root] = load_bank(manifest.parent, on_file).bank
        bank = banks[root]
        if bank is None:
            continue
        inside = path.resolve()
        for q in bank.questions:
            where = Path(bank.sources[q.id].path).resolve()
            if where == inside or inside in where.parents:
                questions.append((q, bank.sources[q.id]))
    return problems, questions


def summary(paths: Iterable[Path]) -> list[str]:
    """The bank summary lines for the questions under ``paths``: key positions, strategy scores, lengths."""
    questions = [q for q, _ in _checked(list(paths))[1]]
    return bank_summary(questions).lines() if questions else []


@dataclass(frozen=True)
class Report:
    """What `quizapp lint` prints: the findings, then the summary of the questions it read."""

    findings: list[Finding]
    summary: list[str]


def lint(
    paths: Iterable[Path],
    *,
    backend: str | None = None,
    on_progress: Progress | None = None,
) -> list[Finding]:
    """Every error and warning for the given bank folders (or folders below a bank.yaml)."""
    return report(paths, backend=backend, on_progress=on_progress).findings


def report(
    paths: Iterable[Path],
    *,
    backend: str | None = None,
    on_progress: Progress | None = None,
) -> Report:
    """Every error and warning for the given bank folders (or folders below a bank.yaml), and the
    summary of their questions; ``on_progress`` hears about each stage as it goes."""
    paths = list(paths)
    problems, questions = _checked(paths, on_progress)
    findings = [Finding(p, "error") for p in problems]

    runs: dict[tuple[str, str], sims.RunResult | Exception] = {}
    jobs = [(q, src, where, link) for q, src in questions for where, link in _links(q)]
    for n, (q, src, where, link) in enumerate(jobs, start=1):
        key = (link.id, repr(sorted(link.params.items())))
        if on_progress is not None:
            on_progress(_FILES + (_SIMS - _FILES) * n / len(jobs), f"simulations {n}/{len(jobs)} {link.id}")
        if key not in runs:
            try:
                runs[key] = sims.run_simulation(link.id, link.params, backend=backend)
            except Exception as exc:  # a broken simulation is a finding, not a crash
                runs[key] = exc
        outcome = runs[key]
        if isinstance(outcome, Exception):
            msg = f"simulation '{link.id}' failed: {type(outcome).__name__}: {outcome}"
            findings.append(Finding(_locate(src, q.id, where, "sim-failed", msg), "error"))
        elif not outcome.verdict.holds:
            msg = f"the claim of '{link.id}' does not hold at these settings: {render_plain(outcome.verdict.summary)}"
            findings.append(Finding(_locate(src, q.id, where, "claim-fails", msg), "error"))
    if on_progress is not None:
        on_progress(_SIMS, f"item-writing checks on {len(questions)} questions")
    for q, src in questions:
        for where, rule, message in _advice(q):
            findings.append(Finding(_locate(src, q.id, where, rule, message), "warning"))
    plain = [q for q, _ in questions]
    for a, b, similarity in near_duplicates(plain):
        for this, other in ((a, b), (b, a)):
            q, src = questions[this]
            if "near-duplicate" not in silenced(q):
                message = (
                    f"makes the same point as '{plain[other].id}' (text similarity {similarity:.2f}): a draw"
                    " can hold both, so make each test a different decision, or merge them"
                )
                findings.append(
                    Finding(_locate(src, q.id, ("scenario",), "near-duplicate", message), "warning")
                )
    return Report(findings, bank_summary(plain).lines() if plain else [])
