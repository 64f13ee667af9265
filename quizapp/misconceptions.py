"""Misconceptions: which requirements the learner's wrong picks break most often, and which
distractors they pick again; and the questions a session on them should ask. Core module.

Every wrong answer records its wrong picks with the requirement ids the bank says each breaks
(``answers.wrong_picks``). Answers from before that column existed are read against the bank as it
is now, when their question is still in it. Requirement ids are per question in the bank (``exact``
means something different in each of seven questions), so a requirement's entry keeps the count
per question and each question's own wording.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .bank import Bank
from .store import Answer, Store, WrongPick
from .study.rating import wrong_picks


@dataclass(frozen=True)
class BrokenRequirement:
    """A requirement id, how often a wrong pick broke it, and in which questions."""

    requirement: str
    count: int
    questions: dict[str, int]
    """Question id -> how often a pick broke this requirement there, most first."""
    texts: dict[str, str] = field(default_factory=dict)
    """Question id -> that question's wording of the requirement (questions still in the bank)."""

    def as_json(self) -> dict[str, Any]:
        """For `stats --json`."""
        return {
            "requirement": self.requirement,
            "count": self.count,
            "questions": [
                {"id": qid, "count": n, "text": self.texts.get(qid)} for qid, n in self.questions.items()
            ],
        }


@dataclass(frozen=True)
class PickedDistractor:
    """A wrong option of one question, how often it was picked, and whether the latest answer to the
    question is still wrong."""

    question_id: str
    option: str
    count: int
    violates: tuple[str, ...]
    last_at: float
    still_missed: bool

    @property
    def repeated(self) -> bool:
        """Picked more than once: a belief, not a slip."""
        return self.count > 1

    def as_json(self) -> dict[str, Any]:
        """For `stats --json`."""
        return {
            "question": self.question_id,
            "option": self.option,
            "count": self.count,
            "repeated": self.repeated,
            "violates": list(self.violates),
            "still_missed": self.still_missed,
        }


@dataclass(frozen=True)
class Misconceptions:
    """The ranking: requirements most often broken first; distractors picked most often first."""

    requirements: list[BrokenRequirement]
    distractors: list[PickedDistractor]

    def question_ids(self, limit: int | None = None, known: set[str] | None = None) -> list[str]:
        """The questions a misconceptions session asks, most telling first: those with a distractor
        picked again, then those where the most-broken requirements were broken, then the rest with a
        wrong pick. ``known``: only these ids (the bank's)."""
        order: list[str] = []
        for d in self.distractors:
            if d.repeated:
                order.append(d.question_id)
        for r in self.requirements:
            order.extend(r.questions)
        order.extend(d.question_id for d in self.distractors)
        unique = [qid for qid in dict.fromkeys(order) if known is None or qid in known]
        return unique if limit is None else unique[:limit]

    def as_json(self, top: int | None = None) -> dict[str, Any]:
        """For `stats --json`: the top requirements and distractors (all with ``top`` None)."""
        return {
            "requirements": [r.as_json() for r in self.requirements[:top]],
            "distractors": [d.as_json() for d in self.distractors[:top]],
        }


def _picks(answer: Answer, bank: Bank | None) -> tuple[WrongPick, ...]:
    """An answer's wrong picks as recorded, or read against the bank for answers from before v4."""
    if answer.correct:
        return ()
    if answer.wrong_picks is not None:
        return answer.wrong_picks
    if bank is None:
        return ()
    try:
        question = bank.question(answer.question_id)
    except KeyError:
        return ()
    return wrong_picks(question, [c for c in answer.chosen if c in question.option_ids])


def rank(answers: Sequence[Answer], bank: Bank | None = None) -> Misconceptions:
    """Rank the misconceptions in these answers (oldest first, as the store returns them)."""
    latest_correct: dict[str, bool] = {}
    distractors: dict[tuple[str, str], list[Any]] = {}
    broken: dict[str, dict[str, int]] = {}
    for answer in answers:
        latest_correct[answer.question_id] = answer.correct
        for pick in _picks(answer, bank):
            entry = distractors.setdefault((answer.question_id, pick.option), [0, pick.violates, 0.0])
            entry[0] += 1
            entry[1] = pick.violates  # the latest record of what it breaks
            entry[2] = max(entry[2], answer.answered_at)
            for requirement in pick.violates:
                per_question = broken.setdefault(requirement, {})
                per_question[answer.question_id] = per_question.get(answer.question_id, 0) + 1
    picked = [
        PickedDistractor(qid, option, n, tuple(violates), last, not latest_correct.get(qid, False))
        for (qid, option), (n, violates, last) in distractors.items()
    ]
    picked.sort(key=lambda d: (-d.count, not d.still_missed, -d.last_at, d.question_id, d.option))
    requirements = [
        BrokenRequirement(
            rid,
            sum(per.values()),
            dict(sorted(per.items(), key=lambda kv: (-kv[1], kv[0]))),
            _texts(bank, rid, per),
        )
        for rid, per in broken.items()
    ]
    requirements.sort(key=lambda r: (-r.count, -len(r.questions), r.requirement))
    return Misconceptions(requirements, picked)


def _texts(bank: Bank | None, requirement: str, questions: dict[str, int]) -> dict[str, str]:
    """Each question's wording of the requirement, for the questions still in the bank."""
    texts: dict[str, str] = {}
    if bank is None:
        return texts
    for qid in questions:
        try:
            question = bank.question(qid)
        except KeyError:
            continue
        for req in question.requirements:
            if req.id == requirement:
                texts[qid] = req.text
    return texts


def misconception_session(bank: Bank, store: Store, limit: int | None = None) -> list[str]:
    """The question ids a "study my misconceptions" session asks, most telling first (those still in
    the bank; the UI leaves out an unfinished exam's, as for any session)."""
    known = {qid for qid, _, _ in bank.questions.entries}
    return rank(store.answers(), bank).question_ids(limit, known)
