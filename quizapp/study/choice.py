"""How a question is put in front of a learner: the order its options are shown in, the letters
that follow that order, the rules a choice must meet before it is judged, and the scoring rule in
words. Pure logic, shared by study sessions, exams, reviews and the history.

Answers are always kept by option id; letters exist only on screen, assigned to the order shown,
so shuffling gives nothing away by position and an edit to the bank never shifts a stored answer.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ..bank.models import OPTION_LETTERS, Question, Scoring

NUMBER_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight"}


class ChoiceRefused(ValueError):
    """A choice that cannot be made or submitted as it stands; the message says why, for the learner."""


def shuffled_ids(question: Question, rng: random.Random) -> tuple[str, ...]:
    """The option ids in the order to show them: a fresh permutation from ``rng``, or the file's
    order when the question sets ``shuffle: false``."""
    ids = list(question.option_ids)
    if question.shuffle:
        rng.shuffle(ids)
    return tuple(ids)


def exam_order(question: Question, seed: int) -> tuple[str, ...]:
    """An exam's option order for one question, fixed by the exam's seed: the same seed gives the
    same order on every machine, another seed another order (string seeds hash with SHA-512)."""
    return shuffled_ids(question, random.Random(f"quizapp-options:{seed}:{question.id}"))


def reconcile(question: Question, stored: Sequence[str]) -> tuple[str, ...]:
    """A stored order brought up to date with the bank: ids that left are dropped, new ones appended
    (so an edited question still shows every option, and the rest keep their places)."""
    ids = question.option_ids
    kept = [i for i in stored if i in ids]
    return tuple(kept + [i for i in ids if i not in kept])


@dataclass(frozen=True)
class Shown:
    """A question as shown: its options in display order, lettered A, B, C ... in that order."""

    question: Question
    order: tuple[str, ...]

    @classmethod
    def in_file_order(cls, question: Question) -> Shown:
        """The options as the file lists them (for previews and exports)."""
        return cls(question, tuple(question.option_ids))

    def __post_init__(self) -> None:
        if sorted(self.order) != sorted(self.question.option_ids):
            raise ValueError(f"order {self.order} is not a permutation of {self.question.option_ids}")

    def option_id(self, position: int) -> str:
        """The id of the option shown at ``position`` (0-based)."""
        return self.order[position]

    def letter(self, option_id: str) -> str:
        """The letter the option is shown under."""
        return OPTION_LETTERS[self.order.index(option_id)]

    def letters(self, option_ids: Iterable[str]) -> str:
        """'A, C' for a set of ids, in display order; '—' for none."""
        wanted = set(option_ids)
        return ", ".join(OPTION_LETTERS[p] for p, oid in enumerate(self.order) if oid in wanted) or "—"

    @property
    def answer_letters(self) -> str:
        """The letters of the correct options."""
        return self.letters(self.question.answers)


def needed(question: Question) -> int:
    """How many options an answer has: 1, or N on a 'choose N' question."""
    return len(question.answers)


def can_add(question: Question, chosen: Iterable[str], option_id: str) -> None:
    """Refuse (ChoiceRefused) a tick that would choose more options than the question takes."""
    picked = set(chosen)
    n = needed(question)
    if question.multiple and option_id not in picked and len(picked) >= n:
        raise ChoiceRefused(
            f"Choose {NUMBER_WORDS.get(n, n)}: {len(picked)} of {n} are chosen already — untick one first."
        )


def toggled(question: Question, chosen: Iterable[str], option_id: str) -> frozenset[str]:
    """The choice after a tick: replaces it on single-answer questions, toggles on 'choose N'
    (a tick past N is refused with ChoiceRefused)."""
    picked = frozenset(chosen)
    if option_id not in question.option_ids:
        raise KeyError(option_id)
    if not question.multiple:
        return frozenset({option_id})
    if option_id in picked:
        return picked - {option_id}
    can_add(question, picked, option_id)
    return picked | {option_id}


def check_complete(question: Question, chosen: Iterable[str]) -> None:
    """Refuse (ChoiceRefused) to submit a choice of the wrong size: nothing, or not N on 'choose N'."""
    count, n = len(set(chosen)), needed(question)
    if count == 0:
        raise ChoiceRefused(
            "Choose an option first." if n == 1 else f"Choose {NUMBER_WORDS.get(n, n)} options first."
        )
    if count != n:
        raise ChoiceRefused(f"Choose {NUMBER_WORDS.get(n, n)} to submit: {count} of {n} chosen.")


def count_line(question: Question, chosen: Iterable[str]) -> str:
    """'1 of 2 chosen' on a 'choose N' question; '' on a single-answer one."""
    return f"{len(set(chosen))} of {needed(question)} chosen" if question.multiple else ""


def scoring_rule(scoring: Scoring, n: int | None = None) -> str:
    """The scoring rule in words, for a question that takes ``n`` answers (or in general)."""
    if scoring == "partial":
        if n:
            return f"each right pick earns 1/{n}, each wrong pick costs 1/{n}, never below 0"
        return "'choose N': each right pick earns 1/N, each wrong pick costs 1/N, never below 0"
    if n:
        return (
            "all or nothing: both picks must be right"
            if n == 2
            else (f"all or nothing: all {NUMBER_WORDS.get(n, n)} picks must be right")
        )
    return "'choose N': all or nothing, every pick must be right"
