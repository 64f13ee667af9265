"""A study session: questions one at a time, feedback after each answer, every answer recorded.

Pure logic: the UI drives it, a ``record`` callback persists each answer the moment it is given,
and the clock is injected so tests need no sleeps.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from ..bank.models import Question
from .choice import ChoiceRefused, Shown, check_complete, shuffled_ids, toggled

Recorder = Callable[["AnswerResult"], None]


@dataclass(frozen=True)
class AnswerResult:
    """One submitted answer and how it was judged."""

    question: Question
    chosen: frozenset[str]
    correct: bool
    seconds: float
    confidence: int | None = None
    """How sure the learner said they were before submitting, 1..3; None when they did not say."""


class NothingChosen(ChoiceRefused):
    """Raised when submitting without choosing an option."""


def select(
    questions: Sequence[Question], domain: str | None = None, tag: str | None = None
) -> list[Question]:
    """The questions of a domain and/or with a tag, in bank order."""
    return [q for q in questions if (domain is None or q.domain == domain) and (tag is None or tag in q.tags)]


def practice_order(questions: Sequence[Question], last_answered: Mapping[str, float]) -> list[Question]:
    """Where a study session picks up: the questions never answered first, in bank order, then the
    answered ones, least recently answered first; so each session goes on where the last one stopped
    instead of opening on the bank's first question again."""
    unseen = [q for q in questions if q.id not in last_answered]
    seen = sorted((q for q in questions if q.id in last_answered), key=lambda q: last_answered[q.id])
    return unseen + seen


class StudySession:
    """Walks a list of questions; choosing, submitting (judged and recorded) and moving on.

    Each question's options are shuffled afresh every time it is shown (``rng``), unless it sets
    ``shuffle: false``; ``shown`` holds the order on screen."""

    def __init__(
        self,
        questions: Sequence[Question],
        *,
        record: Recorder | None = None,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        if not questions:
            raise ValueError("a study session needs at least one question")
        self.questions = list(questions)
        self.index = 0
        self.selection: set[str] = set()
        self.confidence: int | None = None
        """How sure the learner is of the current choice (1..3), set before submitting; None: not said."""
        self.results: list[AnswerResult] = []
        self.submitted: AnswerResult | None = None
        self._record = record
        self._clock = clock
        self._rng = rng or random.Random()
        self.shown = self._present()
        self._shown_at = clock()

    def _present(self) -> Shown:
        """A fresh display order for the current question."""
        return Shown(self.current, shuffled_ids(self.current, self._rng))

    @property
    def current(self) -> Question:
        """The question on screen."""
        return self.questions[self.index]

    @property
    def position(self) -> str:
        """'3 / 12'."""
        return f"{self.index + 1} / {len(self.questions)}"

    @property
    def is_last(self) -> bool:
        """Whether the current question is the last one."""
        return self.index == len(self.questions) - 1

    def toggle(self, option_id: str) -> None:
        """Choose an option: replaces the choice on single-answer questions, toggles on 'choose N'.

        A tick past N is refused (ChoiceRefused) and changes nothing."""
        if self.submitted is not None:
            return
        self.selection = set(toggled(self.current, self.selection, option_id))

    def set_confidence(self, level: int | None) -> None:
        """Say how sure the learner is before submitting: 1 unsure, 2 fairly sure, 3 sure (None: unsaid)."""
        if level is not None and level not in (1, 2, 3):
            raise ValueError(f"confidence is 1, 2 or 3, not {level!r}")
        if self.submitted is None:
            self.confidence = level

    def submit(self) -> AnswerResult:
        """Judge the current choice (right only when exactly the answer), record it, return the result.

        A choice of the wrong size (nothing, or not N on 'choose N') is refused with ChoiceRefused
        (NothingChosen for nothing) before anything is judged or recorded."""
        if self.submitted is not None:
            return self.submitted
        if not self.selection:
            raise NothingChosen("Choose an option first.")
        check_complete(self.current, self.selection)
        chosen = frozenset(self.selection)
        result = AnswerResult(
            self.current,
            chosen,
            self.current.is_correct(chosen),
            self._clock() - self._shown_at,
            self.confidence,
        )
        if self._record is not None:
            self._record(result)  # persisted before the learner sees the verdict
        self.submitted = result
        self.results.append(result)
        return result

    def advance(self) -> bool:
        """Move to the next question; False when there is none."""
        if self.is_last:
            return False
        self.index += 1
        self.selection = set()
        self.confidence = None
        self.submitted = None
        self.shown = self._present()
        self._shown_at = self._clock()
        return True

    @property
    def score(self) -> tuple[int, int]:
        """(correct, answered) so far."""
        return sum(r.correct for r in self.results), len(self.results)
