"""How an answer is rated for the memory schedule, how sure the learner said they were, and what
that certainty earns: the rating policy, certainty-based marking and calibration. Pure logic.

Ratings are FSRS's four (Anki's buttons): 1 Again, 2 Hard, 3 Good, 4 Easy. An answer is rated
automatically from whether it was right, how long it took against the question's typical time,
and the confidence the learner stated before submitting; the learner may override the rating.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from fsrs import Rating

from ..bank.models import ExamSettings, Question
from ..store import Answer, WrongPick

if TYPE_CHECKING:
    from .exam import Exam

CONFIDENCE_LEVELS = (1, 2, 3)
CONFIDENCE_NAMES = {1: "unsure", 2: "fairly sure", 3: "sure"}
"""How sure the learner is before submitting; None means they did not say."""

RATING_NAMES = {1: "Again", 2: "Hard", 3: "Good", 4: "Easy"}

SLOW = 1.5
"""A right answer that took more than this many times the typical time was hard won."""
FAST = 0.5
"""A right, sure answer within this fraction of the typical time was easy."""


def typical_seconds(exam: ExamSettings) -> float:
    """The time a question is meant to take: the bank's exam minutes per question, in seconds."""
    return 60.0 * exam.minutes / exam.questions


def rate(correct: bool, seconds: float, typical: float, confidence: int | None = None) -> Rating:
    """The rating of one answer, by this policy:

    - wrong: **Again** (whatever the confidence: a sure wrong answer is a misconception, not a slip);
    - right, but slow (over ``SLOW`` x the typical time) or unsure (confidence 1): **Hard**;
    - right, fast (within ``FAST`` x the typical time) and sure (confidence 3): **Easy**;
    - any other right answer: **Good** (an unstated confidence counts as neither unsure nor sure).
    """
    if confidence is not None and confidence not in CONFIDENCE_LEVELS:
        raise ValueError(f"confidence is 1, 2 or 3 (or None), not {confidence!r}")
    if not correct:
        return Rating.Again
    if confidence == 1 or (typical > 0 and seconds > SLOW * typical):
        return Rating.Hard
    if confidence == 3 and typical > 0 and seconds <= FAST * typical:
        return Rating.Easy
    return Rating.Good


def effective_rating(answer: Answer) -> Rating:
    """The rating an answer counts with: the learner's override, else the one it was given, else
    (answers from before ratings existed) Good when right and Again when wrong."""
    if answer.rating_override is not None:
        return Rating(answer.rating_override)
    if answer.rating is not None:
        return Rating(answer.rating)
    return Rating.Good if answer.correct else Rating.Again


def wrong_picks(question: Question, chosen: Iterable[str]) -> tuple[WrongPick, ...]:
    """The options picked that are not answers, each with the requirement ids it breaks (bank order)."""
    picked = set(chosen) - question.answers
    return tuple(
        WrongPick(oid, tuple(question.option(oid).violates)) for oid in question.option_ids if oid in picked
    )


# -- certainty-based marking (Gardner-Medwin; Moodle's CBM) ------------------------------------------

CBM_MARKS = {1: (1, 0), 2: (2, -2), 3: (3, -6)}
"""Confidence level -> (mark if right, mark if wrong). An unstated confidence counts at level 1,
the level that risks nothing."""

CBM_BANDS = {1: (0.0, 2 / 3), 2: (2 / 3, 0.8), 3: (0.8, 1.0)}
"""The accuracy range in which each level has the best expected mark: level 1 pays p, level 2
4p - 2 and level 3 9p - 6, so 2 beats 1 above p = 2/3 and 3 beats 2 above p = 0.8."""


def cbm_mark(correct: bool, confidence: int | None) -> int:
    """The certainty-based mark of one answer: +1/+2/+3 when right, 0/-2/-6 when wrong."""
    right, wrong = CBM_MARKS[confidence or 1]
    return right if correct else wrong


@dataclass(frozen=True)
class CbmScore:
    """Certainty-based marks over some answers: their sum, count, the mean per answer (-6..3) and
    the plain accuracy beside it."""

    total: int
    answered: int
    correct: int

    @property
    def mean(self) -> float | None:
        """The mean mark per answer, or None with no answers."""
        return self.total / self.answered if self.answered else None

    @property
    def percent(self) -> float | None:
        """The total as a percentage of the best possible (every answer right at level 3)."""
        return 100.0 * self.total / (3 * self.answered) if self.answered else None

    def as_json(self) -> dict[str, float | int | None]:
        """For `stats --json`."""
        mean = self.mean
        return {
            "total": self.total,
            "answered": self.answered,
            "correct": self.correct,
            "mean": None if mean is None else round(mean, 4),
        }


def cbm_score(answers: Iterable[tuple[bool, int | None]]) -> CbmScore:
    """Certainty-based marks of (correct, confidence) pairs (a study session's: ``(r.correct,
    r.confidence) for r in session.results``)."""
    total = answered = right = 0
    for correct, confidence in answers:
        total += cbm_mark(correct, confidence)
        answered += 1
        right += int(correct)
    return CbmScore(total, answered, right)


def exam_cbm(exam: Exam) -> CbmScore:
    """An exam's certainty-based marks, over every question: an unanswered one is wrong at level 1
    (it earns 0, as in Moodle), a 'choose N' question counts right only when fully right."""
    return cbm_score(
        (q.is_correct(item.chosen), item.confidence)
        for q, item in zip(exam.questions, exam.items, strict=True)
    )


@dataclass(frozen=True)
class CalibrationLevel:
    """How often the learner was right when they said they were this sure."""

    confidence: int
    answered: int
    correct: int

    @property
    def accuracy(self) -> float | None:
        """correct / answered, or None with no answers at this level."""
        return self.correct / self.answered if self.answered else None

    @property
    def verdict(self) -> str:
        """'over-confident', 'under-confident' or 'calibrated', against the band in which this level
        earns the best certainty-based mark; '' with no answers."""
        accuracy = self.accuracy
        if accuracy is None:
            return ""
        low, high = CBM_BANDS[self.confidence]
        if accuracy < low:
            return "over-confident"
        if accuracy > high and self.confidence < 3:
            return "under-confident"
        return "calibrated"

    def as_json(self) -> dict[str, object]:
        """For `stats --json`."""
        accuracy = self.accuracy
        low, high = CBM_BANDS[self.confidence]
        return {
            "confidence": self.confidence,
            "name": CONFIDENCE_NAMES[self.confidence],
            "answered": self.answered,
            "correct": self.correct,
            "accuracy": None if accuracy is None else round(accuracy, 4),
            "best_band": [round(low, 4), round(high, 4)],
            "verdict": self.verdict,
        }


def calibration(answers: Sequence[Answer]) -> list[CalibrationLevel]:
    """Accuracy at each confidence level (answers with no stated confidence are left out)."""
    counts = {level: [0, 0] for level in CONFIDENCE_LEVELS}
    for answer in answers:
        if answer.confidence in counts:
            tally = counts[answer.confidence]
            tally[0] += 1
            tally[1] += int(answer.correct)
    return [CalibrationLevel(level, n, right) for level, (n, right) in counts.items()]
