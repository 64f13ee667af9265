"""Loading a bank folder (bank.yaml + question files) into validated objects and located problems.

A question file with any problem is skipped as a whole; the rest of the bank still loads, and the
bank remembers what it skipped and why so the app can show it.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
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


@dataclass
class _Read:
    """One question met in a file: its id (None when it has no text id), where, and the model when valid."""

    qid: str | None
    source: Source | None
    model: Question | None
    data: dict[str, Any]


@dataclass
class _File:
    """One file's own problems (those found reading it alone) and the questions met in it."""

    display: str
    problems: list[Problem]
    questions: list[_Read] = field(default_factory=list)


class _Collector:
    """Reads question files one by one; :meth:`finish` then settles duplicate ids across them.

    Duplicates are settled once every file is read, so that a duplicate id is reported in the same
    run as the file's other problems, and so that the copy that is kept (the "owner" named in the
    message) is the first one in a file without problems of its own: a half-edited copy of a question
    never knocks the finished original out of the bank.
    """

    def __init__(self, manifest: Manifest | None) -> None:
        self.manifest = manifest
        self.files: list[_File] = []
        self.questions: list[Question] = []
        self.raw: list[dict[str, Any] | bytes] = []
        self.sources: dict[str, Source] = {}
        self.skipped: dict[str, list[Problem]] = {}
        self.problems: list[Problem] = []
        """Every problem so far: each file's own as it is read, then the duplicates after :meth:`finish`."""

    def add_file(self, path: Path, display: str) -> None:
        """Validate one file on its own (its questions are kept by :meth:`finish` if it stays clean)."""
        try:
            doc = read_document(path, display)
        except SourceError as exc:
            read = _File(display, [exc.problem])
        else:
            read = self._check_file(doc)
        self.files.append(read)
        self.problems.extend(read.problems)

    def finish(self, elsewhere: dict[str, Source] | None = None) -> None:
        """Report every duplicate id, then keep the questions of the files that are clean.

        ``elsewhere``: ids already used by bank files that were not read here (when one file of a
        bank is validated on its own); those places own their ids.
        """
        places: dict[str, list[tuple[_File, Source]]] = {}
        for read in self.files:
            for q in read.questions:
                if q.qid is not None and q.source is not None:
                    places.setdefault(q.qid, []).append((read, q.source))
        clean = {id(read) for read in self.files if not read.problems}
        duplicates: dict[int, list[Problem]] = {}
        for qid, found in places.items():
            owner = (elsewhere or {}).get(qid)
            if owner is None and len(found) < 2:
                continue
            if owner is None:
                owner = next((src for read, src in found if id(read) in clean), found[0][1])
            for read, src in found:
                if src is not owner:
                    message = f"question id '{qid}' is also used at {owner}; ids must be unique in a bank"
                    duplicates.setdefault(id(read), []).append(
                        Problem(src.path, src.line, src.column, "duplicate-question", message)
                    )
        self.problems = []
        for read in self.files:
            problems = read.problems
            if id(read) in duplicates:
                problems = sorted(
                    dict.fromkeys(problems + duplicates[id(read)]), key=lambda p: (p.line, p.column)
                )
            self.problems.extend(problems)
            if problems:
                self.skipped[read.display] = problems
                continue
            for q in read.questions:
                assert q.model is not None and q.source is not None  # a clean file's questions are valid
                self.questions.append(q.model)
                self.raw.append(q.data)
                self.sources[q.model.id] = q.source

    def _check_file(self, doc: Document) -> _File:
        problems = list(doc.problems)
        bases: list[tuple[int, ...]]
        if isinstance(doc.data, dict):
            bases = [()]
        elif isinstance(doc.data, list) and doc.data:
            bases = [(i,) for i in range(len(doc.data))]
        else:
            what = "empty" if doc.data in (None, []) else f"a {type(doc.data).__name__}"
            msg = f"a question file holds one question (a mapping) or a list of questions; this one is {what}"
            return _File(doc.path, problems + [doc.problem((), "not-a-question", msg)])
        questions = [q for base in bases if (q := self._check_question(doc, base, problems)) is not None]
        return _File(doc.path, _tidy(problems, doc.problems), questions)

    def _check_question(self, doc: Document, base: tuple[int, ...], problems: list[Problem]) -> _Read | None:
        data = doc.data if not base else doc.data[base[0]]
        if not isinstance(data, dict):
            problems.append(
                doc.problem(base, "not-a-question", "each item of the list must be a question (a mapping)")
            )
            return None
        qid = data.get("id")
        source = Source(doc.path, *doc.locate(base + ("id",))) if isinstance(qid, str) else None
        cross = question_problems(data, doc, base, self.manifest)
        try:
            q = Question.model_validate(data)
        except ValidationError as exc:
            shape = problems_from(exc, doc, base, Question)
            problems.extend(_superseded(shape, cross) + cross)
            return _Read(qid if isinstance(qid, str) else None, source, None, data)
        problems.extend(cross)
        return _Read(q.id, source, None if cross else q, data)


def _superseded(shape: list[Problem], cross: list[Problem]) -> list[Problem]:
    """Shape problems without those a cross-field problem at the same place says better (a domain
    that is not declared is reported once, with the declared list, not also as a malformed slug)."""
    said = {(p.line, p.column) for p in cross if p.rule == "unknown-domain"}
    return [p for p in shape if (p.line, p.column) not in said]


def _tidy(problems: list[Problem], read_problems: list[Problem]) -> list[Problem]:
    """Problems in line order, without a type complaint where a refused value was already reported."""
    refused = {(p.line, p.column) for p in read_problems}
    kept = [p for p in problems if p in read_problems or (p.line, p.column) not in refused]
    return sorted(dict.fromkeys(kept), key=lambda p: (p.line, p.column))


Progress = Callable[[int, int], None]
"""Called with (files read, files in all) as files are read, for a progress line."""


def load_bank(root: Path | str, on_file: Progress | None = None) -> LoadResult:
    """Load a bank folder: bank.yaml and every question file beneath it."""
    with _gc_paused():
        return _load_bank(Path(root), on_file)


def _load_bank(root: Path, on_file: Progress | None = None) -> LoadResult:
    manifest_path = root / MANIFEST
    if not manifest_path.is_file():
        return LoadResult(
            None, [Problem(str(manifest_path), 1, 1, "no-manifest", "no bank.yaml in this folder")]
        )
    manifest, problems = read_manifest(manifest_path, str(manifest_path))
    collector = _Collector(manifest)
    files = question_files(root)
    for n, path in enumerate(files, start=1):
        collector.add_file(path, str(path))
        if on_file is not None:
            on_file(n, len(files))
    collector.finish()
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


def validate_paths(paths: Iterable[Path | str], on_file: Progress | None = None) -> list[Problem]:
    """Every problem in the given banks, folders or files (the work of `quizapp validate`).

    A file or folder inside a bank is checked against the rest of that bank too: its domains
    against bank.yaml, and its question ids against the ids of the bank's other files.
    """
    problems: list[Problem] = []
    for raw in paths:
        path = Path(raw)
        if not path.exists():
            problems.append(Problem(str(path), 1, 1, "no-such-path", "no such file or folder"))
            continue
        if path.is_dir() and (path / MANIFEST).is_file():
            problems += load_bank(path, on_file).problems
            continue
        if path.is_file() and path.name == MANIFEST:
            problems += read_manifest(path)[1]
            continue
        manifest_path = nearest_manifest(path)
        manifest = read_manifest(manifest_path)[0] if manifest_path else None
        collector = _Collector(manifest)
        files = question_files(path) if path.is_dir() else [path]
        for n, file in enumerate(files, start=1):
            collector.add_file(file, str(file))
            if on_file is not None:
                on_file(n, len(files))
        wanted = {q.qid for read in collector.files for q in read.questions if q.qid is not None}
        elsewhere = _ids_elsewhere(manifest_path.parent, files, wanted) if manifest_path and wanted else {}
        collector.finish(elsewhere)
        problems += collector.problems
    return problems


_ID_LINE = re.compile(rb"""id["']?[ \t]*:[ \t]*["']?([^\s"'#,{}\[\]]+)""")
"""An `id:` value as question files write it (and a few other keys ending in "id"): a cheap first
pass that decides which files are parsed."""


def _ids_elsewhere(root: Path, skip: list[Path], wanted: set[str]) -> dict[str, Source]:
    """Where the bank's other question files use any of the ``wanted`` question ids.

    Files are first searched as bytes for the wanted values (or, for many, for an `id:` with one of
    them), and only those are parsed: checking one file against a 10,000-file bank costs a read of
    each file, not a parse.
    """
    skipped = {p.resolve() for p in skip}
    few = [qid.encode("utf-8") for qid in wanted] if len(wanted) <= 32 else []
    found: dict[str, Source] = {}
    for path in question_files(root):
        if path.resolve() in skipped:
            continue
        try:
            raw = path.read_bytes()
        except OSError:
            continue
        if few and not any(value in raw for value in few):
            continue  # the usual case, one file checked against a large bank: no parse, no regex
        if not any(m.group(1).decode("utf-8", "replace") in wanted for m in _ID_LINE.finditer(raw)):
            continue
        try:
            doc = read_document(path, _shown(path))
        except SourceError:
            continue  # validating that file would say why; here it owns no id
        items: list[tuple[tuple[int, ...], Any]] = [((), doc.data)] if isinstance(doc.data, dict) else []
        if isinstance(doc.data, list):
            items = [((i,), item) for i, item in enumerate(doc.data)]
        for base, item in items:
            qid = item.get("id") if isinstance(item, dict) else None
            if isinstance(qid, str) and qid in wanted and qid not in found:
                found[qid] = Source(doc.path, *doc.locate(base + ("id",)))
    return found


def _shown(path: Path) -> str:
    """A path as the user would type it: relative to the working folder when it is below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
