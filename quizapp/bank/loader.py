"""Loading a bank folder (bank.yaml + question files) into validated objects and located problems.

A question file with any problem is skipped as a whole; the rest of the bank still loads, and the
bank remembers what it skipped and why so the app can show it.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .bank import Bank, LoadResult, QuestionList, Source
from .check import problems_from
from .files import MANIFEST, question_files
from .models import Manifest, Question
from .problems import Problem
from .rules import question_problems
from .source import Document, SourceError, read_document


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a bank is built.

    Loading keeps every question alive, so each automatic collection rescans all of them:
    with 10,000 questions that doubled the load time. Nothing built here forms garbage cycles.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def read_manifest(path: Path, display: str | None = None) -> tuple[Manifest | None, list[Problem]]:
    """bank.yaml as a :class:`Manifest`, or None and the problems that stop it."""
    try:
        doc = read_document(path, display)
    except SourceError as exc:
        return None, [exc.problem]
    problems = list(doc.problems)
    if not isinstance(doc.data, dict):
        problems.append(doc.problem((), "wrong-type", "bank.yaml must be a mapping with title and domains"))
        return None, problems
    try:
        manifest = Manifest.model_validate(doc.data)
    except ValidationError as exc:
        return None, problems + problems_from(exc, doc, (), Manifest)
    ids = [d.id for d in manifest.domains]
    for i, did in enumerate(ids):
        if did in ids[:i]:
            problems.append(
                doc.problem(("domains", i, "id"), "duplicate-domain", f"domain id '{did}' is used twice")
            )
    return (None if problems else manifest), problems


class _Collector:
    """Reads question files one by one, remembering ids across files to catch duplicates."""

    def __init__(self, manifest: Manifest | None) -> None:
        self.manifest = manifest
        self.questions: list[Question] = []
        self.raw: list[dict[str, Any] | bytes] = []
        self.sources: dict[str, Source] = {}
        self.skipped: dict[str, list[Problem]] = {}
        self.problems: list[Problem] = []
        self.seen: dict[str, Source] = {}
        """Every id met so far, in skipped files too, so that a duplicate always names the first place."""

    def add_file(self, path: Path, display: str) -> None:
        """Validate one file; keep its questions only if the whole file is clean."""
        found = self._check_file(path, display)
        if found is None:
            return
        problems, questions = found
        if problems:
            self.skipped[display] = problems
            self.problems.extend(problems)
            return
        for q, raw, source in questions:
            self.questions.append(q)
            self.raw.append(raw)
            self.sources[q.id] = source

    def _check_file(
        self, path: Path, display: str
    ) -> tuple[list[Problem], list[tuple[Question, dict[str, object], Source]]] | None:
        try:
            doc = read_document(path, display)
        except SourceError as exc:
            self.skipped[display] = [exc.problem]
            self.problems.append(exc.problem)
            return None
        problems = list(doc.problems)
        bases: list[tuple[int, ...]]
        if isinstance(doc.data, dict):
            bases = [()]
        elif isinstance(doc.data, list) and doc.data:
            bases = [(i,) for i in range(len(doc.data))]
        else:
            what = "empty" if doc.data in (None, []) else f"a {type(doc.data).__name__}"
            msg = f"a question file holds one question (a mapping) or a list of questions; this one is {what}"
            return problems + [doc.problem((), "not-a-question", msg)], []
        questions = []
        for base in bases:
            q = self._check_question(doc, base, problems)
            if q is not None:
                questions.append(q)
        return _tidy(problems, doc.problems), questions

    def _check_question(
        self, doc: Document, base: tuple[int, ...], problems: list[Problem]
    ) -> tuple[Question, dict[str, object], Source] | None:
        data = doc.data if not base else doc.data[base[0]]
        if not isinstance(data, dict):
            problems.append(
                doc.problem(base, "not-a-question", "each item of the list must be a question (a mapping)")
            )
            return None
        cross = question_problems(data, doc, base, self.manifest)
        problems.extend(cross)
        try:
            q = Question.model_validate(data)
        except ValidationError as exc:
            problems.extend(problems_from(exc, doc, base, Question))
            return None
        if cross:
            return None
        line, column = doc.locate(base + ("id",))
        source = Source(doc.path, line, column)
        first = self.seen.get(q.id)
        if first is not None:
            problems.append(
                doc.problem(
                    base + ("id",), "duplicate-question", f"question id '{q.id}' is already used at {first}"
                )
            )
            return None
        self.seen[q.id] = source
        return q, data, source


def _tidy(problems: list[Problem], read_problems: list[Problem]) -> list[Problem]:
    """Problems in line order, without a type complaint where a refused value was already reported."""
    refused = {(p.line, p.column) for p in read_problems}
    kept = [p for p in problems if p in read_problems or (p.line, p.column) not in refused]
    return sorted(dict.fromkeys(kept), key=lambda p: (p.line, p.column))


def load_bank(root: Path | str) -> LoadResult:
    """Load a bank folder: bank.yaml and every question file beneath it."""
    with _gc_paused():
        return _load_bank(Path(root))


def _load_bank(root: Path) -> LoadResult:
    manifest_path = root / MANIFEST
    if not manifest_path.is_file():
        return LoadResult(
            None, [Problem(str(manifest_path), 1, 1, "no-manifest", "no bank.yaml in this folder")]
        )
    manifest, problems = read_manifest(manifest_path, str(manifest_path))
    collector = _Collector(manifest)
    for path in question_files(root):
        collector.add_file(path, str(path))
    problems += collector.problems
    if manifest is None:
        return LoadResult(None, problems)
    questions = QuestionList(collector.raw, list(collector.questions))
    bank = Bank(root, manifest, questions, collector.sources, collector.skipped)
    return LoadResult(bank, problems)


def nearest_manifest(path: Path) -> Path | None:
    """The bank.yaml of the bank a file or folder belongs to, searching upwards."""
    for folder in [path, *path.resolve().parents] if path.is_dir() else path.resolve().parents:
        candidate = folder / MANIFEST
        if candidate.is_file():
            return candidate
    return None


def validate_paths(paths: Iterable[Path | str]) -> list[Problem]:
    """Every problem in the given banks, folders or files (the work of `quizapp validate`)."""
    problems: list[Problem] = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            problems.append(Problem(str(path), 1, 1, "no-such-path", "no such file or folder"))
            continue
        if path.is_dir() and (path / MANIFEST).is_file():
            problems += load_bank(path).problems
            continue
        if path.is_file() and path.name == MANIFEST:
            problems += read_manifest(path)[1]
            continue
        manifest_path = nearest_manifest(path)
        manifest = read_manifest(manifest_path)[0] if manifest_path else None
        collector = _Collector(manifest)
        files = question_files(path) if path.is_dir() else [path]
        for file in files:
            collector.add_file(file, str(file))
        problems += collector.problems
    return problems
