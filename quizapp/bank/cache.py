"""A start-up cache for loaded banks, keyed on every file's size and modification time.

Validating a 10,000-question bank takes seconds; one directory scan for the file stamps and a
`marshal` load of the validated plain data take a fraction of that, and the questions are
rebuilt lazily (see :class:`QuestionList`). Any change to a file, the file list, quizapp's version
or the simulation registry (through its static index) makes a new key, so a stale result is never
served. A cache that cannot be read or written is ignored: the bank is then simply loaded. A hit
imports neither the YAML parser nor the simulations; only a miss loads the loader.
"""

from __future__ import annotations

import hashlib
import marshal
from pathlib import Path
from typing import Any

from .. import __version__
from . import sim_index
from .bank import Bank, LoadResult, QuestionList, Source
from .files import MANIFEST, stamped_files
from .models import Domain, ExamSettings, Manifest
from .problems import Problem

FORMAT = 3


def _key(root: Path) -> str:
    """A digest of everything the load result depends on."""
    digest = hashlib.sha256(f"{FORMAT}|{__version__}|{sim_index.digest()}|{root.resolve()}".encode())
    manifest = (root / MANIFEST).stat()
    digest.update(f"{manifest.st_size}|{manifest.st_mtime_ns}\n".encode())
    for path, stat in stamped_files(root):
        digest.update(f"{path}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _pack(key: str, result: LoadResult) -> bytes:
    bank = result.bank
    assert bank is not None
    return marshal.dumps(
        (
            key,
            bank.manifest.model_dump(mode="json"),
            [marshal.dumps(bank.questions.data(i)) for i in range(len(bank.questions))],
            bank.questions.entries,
            [(qid, s.path, s.line, s.column) for qid, s in bank.sources.items()],
            [(path, [_problem(p) for p in problems]) for path, problems in bank.skipped.items()],
            [_problem(p) for p in result.problems],
        )
    )


def _problem(p: Problem) -> tuple[str, int, int, str, str]:
    return (p.path, p.line, p.column, p.rule, p.message)


def _manifest(data: dict[str, Any]) -> Manifest:
    """The manifest from its cached dump, which was validated before it was written: rebuilt without
    validating again, because a model's first validation builds its validator, and that (with
    pydantic's plugin lookup) cost more than the rest of opening a cached bank."""
    return Manifest.model_construct(
        **{
            **data,
            "exam": ExamSettings.model_construct(**data["exam"]),
            "domains": [Domain.model_construct(**domain) for domain in data["domains"]],
        }
    )


def _unpack(root: Path, payload: Any) -> LoadResult:
    _, manifest, raw, index, sources, skipped, problems = payload
    bank = Bank(
        root,
        _manifest(manifest),
        QuestionList(raw, index=index),
        {qid: Source(path, line, column) for qid, path, line, column in sources},
        {path: [Problem(*p) for p in found] for path, found in skipped},
    )
    return LoadResult(bank, [Problem(*p) for p in problems])


def cache_file(root: Path, cache_dir: Path) -> Path:
    """Where the cache of the bank at ``root`` lives."""
    return cache_dir / f"bank-{hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:16]}.marshal"


def load_bank(root: Path) -> LoadResult:
    """:func:`.loader.load_bank`, importing the loader (YAML parser, rules) only on a miss."""
    from . import loader

    return loader.load_bank(root)


def load_bank_cached(root: Path | str, cache_dir: Path | None) -> LoadResult:
    """Like :func:`load_bank`, reusing the previous result when no file has changed."""
    root = Path(root)
    if cache_dir is None or not (root / MANIFEST).is_file():
        return load_bank(root)
    try:
        key = _key(root)
    except OSError:
        return load_bank(root)
    where = cache_file(root, cache_dir)
    try:
        payload = marshal.loads(where.read_bytes())
        if payload[0] == key:
            return _unpack(root, payload)
    except Exception:  # missing, truncated, from another version: all mean "load it"
        pass
    result = load_bank(root)
    if result.bank is not None:
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
            partial = where.with_suffix(".tmp")
            partial.write_bytes(_pack(key, result))
            partial.replace(where)
        except (OSError, ValueError):  # ValueError: data marshal cannot write
            pass
    return result
