"""Memory: one FSRS card per question id (the algorithm Anki uses), kept in the store.

Every answer is a review: it is rated (:func:`quizapp.study.rating.rate`, or the learner's
override) and the card of its question is brought up to date in the same transaction. The ``cards``
table is only a cache: a card is always what replaying its question's answers in order gives, so
an override of one answer's rating recomputes the card exactly, and answers written elsewhere
(a submitted exam, an older quizapp) are folded in the next time the cards are read.

The scheduler has no (re)learning steps and no fuzz:

- Anki's 1- and 10-minute learning steps are for flashcards. A scenario question asked again
  minutes after its explanation tests the explanation still in view, so every answer schedules in
  whole days (a wrong answer comes back tomorrow).
- FSRS fuzzes intervals with the process-wide ``random``; without fuzz, a replay gives back the
  very card that was stored.

Core module: never imports Textual. Times are epoch seconds in the store and aware UTC datetimes
for FSRS; ``wall`` (tests inject their own) is the clock answers are stamped with.
"""

from __future__ import annotations

import time
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Any

from fsrs import Card, Rating, Scheduler, State

from .bank import Bank, Question
from .exam_store import ExamStore
from .store import ANSWER_COLUMNS, Answer, Store, WrongPick, answer_from_row, insert_answer
from .study.due import DueForecast, due_order, forecast, local_date
from .study.rating import cbm_mark, effective_rating, rate, typical_seconds, wrong_picks
from .study.session import AnswerResult

Wall = Callable[[], float]

SCHEDULER = Scheduler(learning_steps=(), relearning_steps=(), enable_fuzzing=False)
"""FSRS-6 with its default parameters and 90% desired retention; see the module's docstring."""

DEFAULT_TYPICAL_SECONDS = 120.0
"""The typical time per question when no bank says otherwise (the bundled bank's 48 min / 24)."""


def utc(stamp: float) -> datetime:
    """Epoch seconds as an aware UTC datetime (what FSRS takes)."""
    return datetime.fromtimestamp(stamp, tz=UTC)


def card_id(question_id: str) -> int:
    """A stable integer id for a question's FSRS card (FSRS wants one; the question id is the key)."""
    return zlib.crc32(question_id.encode("utf-8"))


def replay(question_id: str, answers: Iterable[Answer], scheduler: Scheduler = SCHEDULER) -> Card | None:
    """The card that reviewing ``answers`` in order (each at its time, with its effective rating)
    gives; None with no answers."""
    card: Card | None = None
    for answer in answers:
        at = utc(answer.answered_at)
        if card is None:
            card = Card(card_id=card_id(question_id), due=at)
        card, _ = scheduler.review_card(card, effective_rating(answer), at)
    return card


def _card_from_row(question_id: str, row: Sequence[Any]) -> Card:
    """A card from (state, step, stability, difficulty, due, last_review)."""
    return Card(
        card_id=card_id(question_id),
        state=State(row[0]),
        step=row[1],
        stability=row[2],
        difficulty=row[3],
        due=datetime.fromisoformat(row[4]),
        last_review=datetime.fromisoformat(row[5]) if row[5] else None,
    )


def _save_card(db: Any, question_id: str, card: Card, reviews: int, last_answer_id: int) -> None:
    db.execute(
        "INSERT OR REPLACE INTO cards(question_id, state, step, stability, difficulty, due, last_review,"
        " reviews, last_answer_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            question_id,
            int(card.state),
            card.step,
            card.stability,
            card.difficulty,
            card.due.isoformat(),
            card.last_review.isoformat() if card.last_review else None,
            reviews,
            last_answer_id,
        ),
    )


@dataclass(frozen=True)
class Recorded:
    """An answer as recorded: its row id (for a rating override), how it was judged and rated, its
    certainty-based mark, and the question's card after it."""

    answer_id: int
    correct: bool
    rating: Rating
    card: Card
    cbm: int
    wrong_picks: tuple[WrongPick, ...]


class Memory:
    """The learner's FSRS cards, on top of a :class:`Store` (same file, same connection)."""

    def __init__(
        self,
        store: Store,
        *,
        typical: float = DEFAULT_TYPICAL_SECONDS,
        wall: Wall = time.time,
        scheduler: Scheduler = SCHEDULER,
    ) -> None:
        self.store = store
        self.typical = typical
        """Seconds a question is meant to take; answers are rated fast or slow against it."""
        self.wall = wall
        self.scheduler = scheduler

    @classmethod
    def for_bank(cls, store: Store, bank: Bank | None, *, wall: Wall = time.time) -> Memory:
        """Memory whose typical time per question is the bank's exam minutes per question."""
        typical = typical_seconds(bank.manifest.exam) if bank is not None else DEFAULT_TYPICAL_SECONDS
        return cls(store, typical=typical, wall=wall)

    def now(self) -> datetime:
        """The wall clock as an aware UTC datetime."""
        return utc(self.wall())

    # -- recording answers ------------------------------------------------------------------------
    def record(
        self,
        question: Question,
        chosen: Iterable[str],
        seconds: float,
        *,
        confidence: int | None = None,
        scheduled: bool = False,
        mode: str = "study",
        session_id: int | None = None,
    ) -> Recorded:
        """Judge, rate and store one answer, and update its question's card, in one transaction
        (committed before this returns). ``scheduled``: a review `study --due` asked for."""
        picked = frozenset(chosen)
        correct = question.is_correct(picked)
        rating = rate(correct, seconds, self.typical, confidence)
        picks = wrong_picks(question, picked)
        with self.store.transaction() as db:
            answer_id = insert_answer(
                db,
                question.id,
                picked,
                correct,
                seconds,
                mode=mode,
                session_id=session_id,
                answered_at=self.wall(),
                confidence=confidence,
                rating=int(rating),
                scheduled=scheduled,
                wrong_picks=picks,
            )
            card = self._update(db, question.id, answer_id)
        return Recorded(answer_id, correct, rating, card, cbm_mark(correct, confidence), picks)

    def record_result(
        self,
        result: AnswerResult,
        *,
        scheduled: bool = False,
        mode: str = "study",
        session_id: int | None = None,
    ) -> Recorded:
        """Record what a :class:`~quizapp.study.session.StudySession` submitted (its ``record``
        callback can be ``lambda r: memory.record_result(r, scheduled=...)``)."""
        return self.record(
            result.question,
            result.chosen,
            result.seconds,
            confidence=result.confidence,
            scheduled=scheduled,
            mode=mode,
            session_id=session_id,
        )

    def override(self, answer_id: int, rating: int | None) -> Card:
        """The learner's own rating (1..4) for one answer, or None to go back to the automatic one;
        the question's card is replayed with it. KeyError when there is no such answer."""
        if rating is not None and rating not in (1, 2, 3, 4):
            raise ValueError(f"a rating is 1 (Again), 2 (Hard), 3 (Good) or 4 (Easy), not {rating!r}")
        with self.store.transaction() as db:
            row = db.execute("SELECT question_id FROM answers WHERE id = ?", (answer_id,)).fetchone()
            if row is None:
                raise KeyError(answer_id)
            db.execute("UPDATE answers SET rating_override = ? WHERE id = ?", (rating, answer_id))
            card = self._rebuild(db, row[0])
        assert card is not None
        return card

    def _update(self, db: Any, question_id: str, answer_id: int) -> Card:
        """Review the card with the answer just inserted, or replay it when the cache is behind."""
        row = db.execute(
            "SELECT state, step, stability, difficulty, due, last_review, reviews, last_answer_id FROM cards"
            " WHERE question_id = ?",
            (question_id,),
        ).fetchone()
        before = db.execute(
            "SELECT COUNT(*), MAX(id) FROM answers WHERE question_id = ? AND id < ?", (question_id, answer_id)
        ).fetchone()
        if row is None or (row[6], row[7]) != (before[0], before[1]):
            card = self._rebuild(db, question_id)
            assert card is not None
            return card
        answer = answer_from_row(
            db.execute(f"SELECT {ANSWER_COLUMNS} FROM answers WHERE id = ?", (answer_id,)).fetchone()
        )
        card, _ = self.scheduler.review_card(
            _card_from_row(question_id, row), effective_rating(answer), utc(answer.answered_at)
        )
        _save_card(db, question_id, card, row[6] + 1, answer_id)
        return card

    def _rebuild(self, db: Any, question_id: str) -> Card | None:
        """Replay one question's answers into its card and cache it (None, and no row, without any)."""
        answers = [
            answer_from_row(r)
            for r in db.execute(
                f"SELECT {ANSWER_COLUMNS} FROM answers WHERE question_id = ? ORDER BY id", (question_id,)
            ).fetchall()
        ]
        card = replay(question_id, answers, self.scheduler)
        if card is None:
            db.execute("DELETE FROM cards WHERE question_id = ?", (question_id,))
        else:
            _save_card(db, question_id, card, len(answers), answers[-1].id)
        return card

    # -- reading cards ------------------------------------------------------------------------------
    def sync(self) -> int:
        """Bring every stale card up to date (answers the cache has not seen: a submitted exam, a
        file from before cards existed) and drop cards left without answers; how many changed."""
        stale = self.store.query(
            "SELECT a.question_id FROM (SELECT question_id, COUNT(*) AS n, MAX(id) AS last FROM answers"
            " GROUP BY question_id) a LEFT JOIN cards c ON c.question_id = a.question_id"
            " WHERE c.question_id IS NULL OR c.reviews != a.n OR c.last_answer_id != a.last"
        )
        orphans = self.store.query(
            "SELECT question_id FROM cards WHERE question_id NOT IN (SELECT question_id FROM answers)"
        )
        if not stale and not orphans:
            return 0
        with self.store.transaction() as db:
            for (question_id,) in stale + orphans:
                self._rebuild(db, question_id)
        return len(stale) + len(orphans)

    def cards(self) -> dict[str, Card]:
        """Every question's card (brought up to date first), by question id."""
        self.sync()
        rows = self.store.query(
            "SELECT question_id, state, step, stability, difficulty, due, last_review FROM cards"
        )
        return {r[0]: _card_from_row(r[0], r[1:]) for r in rows}

    def card(self, question_id: str) -> Card | None:
        """One question's card, or None when it was never answered."""
        return self.cards().get(question_id)

    def retrievability(self, card: Card, at: datetime | None = None) -> float:
        """The probability FSRS gives of recalling the card at ``at`` (now by default)."""
        return float(self.scheduler.get_card_retrievability(card, at or self.now()))


def study_order(
    bank: Bank,
    store: Store,
    *,
    limit: int | None = None,
    new_limit: int | None = None,
    domain: str | None = None,
    tag: str | None = None,
    seed: int | None = None,
    now: datetime | None = None,
    tz: tzinfo | None = None,
    wall: Wall = time.time,
) -> list[str]:
    """The question ids `quizapp study --due` goes through: due reviews first (most overdue first),
    then new questions, taking turns across domains; optionally one domain or tag. An unfinished
    exam's questions are left out (sealed). The order is the same all day unless ``seed`` is given."""
    memory = Memory.for_bank(store, bank, wall=wall)
    moment = now or memory.now()
    index = [
        (qid, d)
        for qid, d, tags in bank.questions.entries
        if (domain is None or d == domain) and (tag is None or tag in tags)
    ]
    return due_order(
        memory.cards(),
        index,
        moment,
        seed=local_date(moment, tz).toordinal() if seed is None else seed,
        limit=limit,
        new_limit=new_limit,
        exclude=ExamStore(store).open_question_ids(),
        tz=tz,
    )


def due_forecast(
    bank: Bank,
    store: Store,
    *,
    days: int = 7,
    now: datetime | None = None,
    tz: tzinfo | None = None,
    wall: Wall = time.time,
) -> DueForecast:
    """What the home screen shows: cards due today, questions never answered, and cards due on each
    of the next ``days`` days, over the bank's questions."""
    memory = Memory.for_bank(store, bank, wall=wall)
    ids = [qid for qid, _, _ in bank.questions.entries]
    return forecast(memory.cards(), ids, now or memory.now(), days=days, tz=tz)
