"""A loaded bank: its manifest, its questions (validated lazily when read from the cache), and
what the loader skipped."""

from __future__ import annotations

import marshal
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, overload

from .models import Manifest, Question
from .problems import Problem


@dataclass(frozen=True)
class Source:
    """Where a question was written."""

    path: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


class QuestionList(Sequence[Question]):
    """The bank's questions in file order.

    Each entry keeps the plain data it was validated from. A question restored from the start-up
    cache arrives as marshalled bytes and becomes a :class:`Question` only when it is first read,
    so opening a large bank costs little more than reading its index (id, domain, tags).
    """

    def __init__(
        self,
        raw: list[dict[str, Any] | bytes],
        models: list[Question | None] | None = None,
        index: list[tuple[str, str, list[str]]] | None = None,
    ) -> None:
        self.raw = raw
        self._models: list[Question | None] = models if models is not None else [None] * len(raw)
        self.entries = index if index is not None else [_entry(data) for data in raw]  # type: ignore[arg-type]
        """(id, domain, tags) of every question, in file order, without building the questions."""
        self._position = {qid: i for i, (qid, _, _) in enumerate(self.entries)}

    def __len__(self) -> int:
        return len(self.raw)

    @overload
    def __getitem__(self, i: int) -> Question: ...
    @overload
    def __getitem__(self, i: slice) -> list[Question]: ...
    def __getitem__(self, i: int | slice) -> Question | list[Question]:
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        model = self._models[i]
        if model is None:
            model = self._models[i] = Question.model_validate(self.data(i))
        return model

    def __iter__(self) -> Iterator[Question]:
        return (self[i] for i in range(len(self)))

    def __eq__(self, other: object) -> bool:
        return list(self) == list(other) if isinstance(other, Sequence) else NotImplemented

    def data(self, i: int) -> dict[str, Any]:
        """The plain data of question ``i``, as validated."""
        raw = self.raw[i]
        if isinstance(raw, bytes):
            raw = self.raw[i] = marshal.loads(raw)
        return raw

    def position(self, question_id: str) -> int:
        """The index of the question with this id (KeyError if none)."""
        return self._position[question_id]

    def tags(self) -> list[list[str]]:
        """Each question's tags, without building the questions."""
        return [tags for _, _, tags in self.entries]

    def index(self, value: Any, start: int = 0, stop: int | None = None) -> int:
        """Sequence.index: the position of a question (by its id, without building the others)."""
        question_id = value.id if isinstance(value, Question) else None
        position = self._position.get(question_id) if question_id is not None else None
        end = len(self) if stop is None else stop
        if position is None or not start <= position < end or self[position] != value:
            raise ValueError(f"{value!r} is not in the bank")
        return position


def _entry(data: dict[str, Any]) -> tuple[str, str, list[str]]:
    """A question's index entry: id, domain, tags."""
    return data["id"], data["domain"], list(data.get("tags") or [])


@dataclass
class Bank:
    """A loaded bank: its manifest, its valid questions in file order, and what was skipped."""

    root: Path
    manifest: Manifest
    questions: QuestionList = field(default_factory=lambda: QuestionList([]))
    sources: dict[str, Source] = field(default_factory=dict)
    skipped: dict[str, list[Problem]] = field(default_factory=dict)

    @property
    def title(self) -> str:
        """The bank's title."""
        return self.manifest.title

    def question(self, question_id: str) -> Question:
        """The question with this id (KeyError if none)."""
        return self.questions[self.questions.position(question_id)]

    def ids_by_domain(self) -> dict[str, list[str]]:
        """Question ids per domain, in the manifest's order (empty domains included), without
        building the questions."""
        groups: dict[str, list[str]] = {d.id: [] for d in self.manifest.domains}
        for qid, domain, _ in self.questions.entries:
            groups.setdefault(domain, []).append(qid)
        return groups


@dataclass
class LoadResult:
    """The bank (None when bank.yaml itself is unusable) and every problem found, in file order."""

    bank: Bank | None
    problems: list[Problem]
