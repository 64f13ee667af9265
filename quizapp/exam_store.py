"""Keeping exams in the store: creating, saving every change at once, resuming, history.

Separate from store.py so that each stays small; both are core modules (no Textual).
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .bank.models import Question
from .store import Store
from .study.choice import reconcile
from .study.exam import Exam, ExamItem

STATUSES = ("open", "paused", "submitted", "timed-out", "discarded")
"""An exam's life: open (being taken, or left when the process died), paused (left on purpose),
then submitted, timed-out (submitted by the clock) or discarded."""
SCORED = ("submitted", "timed-out")


@dataclass(frozen=True)
class ExamRecord:
    """An exam as the history shows it."""

    id: int
    bank: str
    started: float
    finished: float | None
    question_ids: list[str]
    minutes: float
    pass_percent: int
    seconds_used: float
    correct: float | None
    total: int | None
    percent: float | None
    passed: bool | None
    timed_out: bool | None
    per_domain: dict[str, list[float]]
    answered: int
    status: str = "open"
    scoring: str = "all-or-nothing"
    pauses: int = 0
    paused_seconds: float = 0.0
    seed: int | None = None
    domain: str | None = None

    @property
    def scored(self) -> bool:
        """Whether it was submitted (by the learner or the clock) and so has a score and a review."""
        return self.status in SCORED

    def as_json(self) -> dict[str, Any]:
        """The object `quizapp history --json` prints."""
        return {
            "id": self.id,
            "bank": self.bank,
            "status": self.status,
            "started": _iso(self.started),
            "finished": _iso(self.finished) if self.finished else None,
            "questions": len(self.question_ids),
            "answered": self.answered,
            "minutes": self.minutes,
            "seconds_used": round(self.seconds_used, 1),
            "pauses": self.pauses,
            "paused_seconds": round(self.paused_seconds, 1),
            "scoring": self.scoring,
            "correct": self.correct,
            "percent": None if self.percent is None else round(self.percent, 1),
            "passed": self.passed,
            "pass_percent": self.pass_percent,
            "timed_out": self.timed_out,
            "seed": self.seed,
            "domain": self.domain,
            "per_domain": {d: {"correct": c, "total": t} for d, (c, t) in self.per_domain.items()},
        }


def _iso(stamp: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(stamp))


class ExamStore:
    """Exam persistence on top of a :class:`Store` (same file, same connection).

    An open exam is a sealed draft: its picks live in ``exam_items`` (committed at every change, so
    a killed process loses nothing) and nothing outside the exam reads them. Submitting writes one
    final answer per answered question to ``answers``, where progress, missed and study totals look.
    ``wall`` is the wall clock for timestamps and pauses (tests inject their own).
    """

    def __init__(self, store: Store, wall: Callable[[], float] = time.time) -> None:
        self.store = store
        self.wall = wall

    def create(self, bank: str, exam: Exam, domain: str | None = None) -> int:
        """Store a new open exam (its questions, their option order, its settings); sets and returns
        ``exam.exam_id``."""
        ids = [q.id for q in exam.questions]
        now = self.wall()
        with self.store.transaction() as db:
            cur = db.execute(
                "INSERT INTO exams(bank, question_ids, minutes, pass_percent, seed, domain, started, scoring,"
                " saved_at, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'open')",
                (
                    bank,
                    json.dumps(ids),
                    exam.time_limit / 60.0,
                    exam.pass_percent,
                    exam.seed,
                    domain,
                    now,
                    exam.scoring,
                    now,
                ),
            )
            exam_id = int(cur.lastrowid or 0)
            db.executemany(
                "INSERT INTO exam_items(exam_id, position, question_id, option_order) VALUES (?, ?, ?, ?)",
                [
                    (exam_id, i, item.question_id, json.dumps(list(item.order)))
                    for i, item in enumerate(exam.items)
                ],
            )
        exam.exam_id = exam_id
        return exam_id

    def persister(self) -> Callable[[Exam, str, int | None], None]:
        """The callback an :class:`Exam` calls after every change: each is committed at once."""

        def persist(exam: Exam, what: str, index: int | None) -> None:
            assert exam.exam_id is not None, "an exam must be created in the store before it is persisted"
            now = self.wall()
            with self.store.transaction() as db:
                db.execute(
                    "UPDATE exams SET seconds_used = ?, current = ?, saved_at = ? WHERE id = ?",
                    (exam.seconds_used, exam.current, now, exam.exam_id),
                )
                if index is not None:
                    item = exam.items[index]
                    db.execute(
                        "UPDATE exam_items SET chosen = ?, flagged = ?, seconds = ?, confidence = ?"
                        " WHERE exam_id = ? AND position = ?",
                        (
                            json.dumps(sorted(item.chosen)),
                            int(item.flagged),
                            item.seconds,
                            item.confidence,
                            exam.exam_id,
                            index,
                        ),
                    )
                if what == "submit" and exam.result is not None:
                    self._submit(db, exam, now)

        return persist

    def _submit(self, db: Any, exam: Exam, now: float) -> None:
        """Close the exam with its score, and give each answered question its one final answer."""
        from .study.rating import rate, wrong_picks  # FSRS is imported on the first submit, not at start-up

        r = exam.result
        assert r is not None
        db.executemany(
            "UPDATE exam_items SET seconds = ?, score = ? WHERE exam_id = ? AND position = ?",
            [
                (item.seconds, r.scores[item.question_id], exam.exam_id, i)
                for i, item in enumerate(exam.items)
            ],
        )
        # Final answers are reviews like any other: rated against the exam's own pace, with the wrong
        # picks kept for the misconceptions view. Cards catch up the next time they are read.
        pace = exam.time_limit / len(exam.items)
        db.executemany(
            "INSERT INTO answers(session_id, question_id, chosen, correct, seconds, mode, answered_at, exam_id,"
            " confidence, rating, wrong_picks) VALUES (NULL, ?, ?, ?, ?, 'exam', ?, ?, ?, ?, ?)",
            [
                (
                    q.id,
                    json.dumps(sorted(item.chosen)),
                    int(q.is_correct(item.chosen)),
                    item.seconds,
                    now,
                    exam.exam_id,
                    item.confidence,
                    int(rate(q.is_correct(item.chosen), item.seconds, pace, item.confidence)),
                    json.dumps([p.as_json() for p in wrong_picks(q, item.chosen)]),
                )
                for q, item in zip(exam.questions, exam.items, strict=True)
                if item.answered
            ],
        )
        db.execute(
            "UPDATE exams SET finished = ?, correct = ?, total = ?, percent = ?, passed = ?, timed_out = ?,"
            " per_domain = ?, seconds_used = ?, status = ?, paused_at = NULL WHERE id = ?",
            (
                now,
                r.correct,
                r.total,
                r.percent,
                int(r.passed),
                int(r.timed_out),
                json.dumps({d: [s.correct, s.total] for d, s in r.per_domain.items()}),
                r.seconds_used,
                "timed-out" if r.timed_out else "submitted",
                exam.exam_id,
            ),
        )

    def pause(self, exam: Exam) -> None:
        """The learner left the exam: save its time and mark it paused (its clock stands still)."""
        assert exam.exam_id is not None
        with self.store.transaction() as db:
            db.execute(
                "UPDATE exams SET status = 'paused', paused_at = ?, seconds_used = ?, current = ?"
                " WHERE id = ? AND finished IS NULL",
                (self.wall(), exam.seconds_used, exam.current, exam.exam_id),
            )

    def open_exam_id(self) -> int | None:
        """The newest unfinished exam (open or paused), if any."""
        row = self.store.row("SELECT id FROM exams WHERE finished IS NULL ORDER BY id DESC LIMIT 1")
        return int(row[0]) if row else None

    def open_question_ids(self) -> set[str]:
        """The questions of unfinished exams: sealed, so study and missed sessions leave them out."""
        rows = self.store.query("SELECT question_ids FROM exams WHERE finished IS NULL")
        return {qid for (ids,) in rows for qid in json.loads(ids)}

    def _items(self, exam_id: int) -> list[ExamItem]:
        return [
            ExamItem(
                qid,
                frozenset(json.loads(chosen)),
                bool(flagged),
                seconds,
                tuple(json.loads(order)),
                confidence,
            )
            for qid, chosen, flagged, seconds, order, confidence in self.store.query(
                "SELECT question_id, chosen, flagged, seconds, option_order, confidence FROM exam_items"
                " WHERE exam_id = ?"
                " ORDER BY position",
                (exam_id,),
            )
        ]

    def _build(
        self, exam_id: int, questions: Mapping[str, Question], clock: Callable[[], float] | None
    ) -> tuple[Exam, Any]:
        """The exam as stored (KeyError when it, or one of its questions, is not there), and its row."""
        row = self.store.row(
            "SELECT question_ids, minutes, pass_percent, seconds_used, current, scoring, seed, pauses,"
            " paused_seconds, paused_at, saved_at, started, status, timed_out FROM exams WHERE id = ?",
            (exam_id,),
        )
        if row is None:
            raise KeyError(exam_id)
        ids = json.loads(row[0])
        chosen = [questions[qid] for qid in ids]
        items = self._items(exam_id)
        for q, item in zip(chosen, items, strict=True):
            item.order = reconcile(q, item.order) if item.order else tuple(q.option_ids)
            item.chosen = frozenset(i for i in item.chosen if i in q.option_ids)
        exam = Exam(
            chosen,
            minutes=row[1],
            pass_percent=row[2],
            items=items,
            seconds_used=row[3],
            exam_id=exam_id,
            persist=self.persister(),
            scoring=row[5],
            seed=row[6],
            clock=clock or time.monotonic,
        )
        exam.current = min(int(row[4]), len(ids) - 1)
        exam.pauses, exam.paused_seconds = int(row[7]), float(row[8])
        return exam, row

    def resume(
        self, exam_id: int, questions: Mapping[str, Question], clock: Callable[[], float] | None = None
    ) -> Exam:
        """Rebuild an unfinished exam as it was last saved, remaining time included, and count the
        time away as a pause (since it was paused, or since its last save when the process died).

        Raises KeyError when one of its questions is no longer in the bank.
        """
        exam, row = self._build(exam_id, questions, clock)
        away_since = row[9] if row[9] is not None else row[10] if row[10] is not None else row[11]
        now = self.wall()
        exam.pauses += 1
        exam.paused_seconds += max(0.0, now - away_since)
        with self.store.transaction() as db:
            db.execute(
                "UPDATE exams SET status = 'open', paused_at = NULL, pauses = ?, paused_seconds = ?, saved_at = ?"
                " WHERE id = ?",
                (exam.pauses, exam.paused_seconds, now, exam_id),
            )
        return exam

    def load(self, exam_id: int, questions: Mapping[str, Question]) -> Exam:
        """A submitted exam, scored again from its stored picks for its review (same option order).

        Raises KeyError when it is not a submitted exam or one of its questions left the bank."""
        exam, row = self._build(exam_id, questions, None)
        if row[12] not in SCORED:
            raise KeyError(exam_id)
        exam.restore(timed_out=bool(row[13]))
        return exam

    def abandon(self, exam_id: int) -> None:
        """Close an unfinished exam without a score (the learner chose not to resume it)."""
        with self.store.transaction() as db:
            db.execute(
                "UPDATE exams SET finished = ?, status = 'discarded', paused_at = NULL WHERE id = ? AND finished IS NULL",
                (self.wall(), exam_id),
            )

    def history(self) -> list[ExamRecord]:
        """Every exam, newest first."""
        return self._records("", ())

    def record(self, exam_id: int) -> ExamRecord | None:
        """One exam's record, or None (one row read, not the whole history)."""
        found = self._records("WHERE e.id = ?", (exam_id,))
        return found[0] if found else None

    def _records(self, where: str, params: tuple[Any, ...]) -> list[ExamRecord]:
        """The exams a WHERE clause selects, newest first."""
        rows = self.store.query(
            "SELECT e.id, bank, started, finished, question_ids, minutes, pass_percent, seconds_used, correct, total,"
            " percent, passed, timed_out, per_domain,"
            " (SELECT COUNT(*) FROM exam_items i WHERE i.exam_id = e.id AND i.chosen != '[]'),"
            " status, scoring, pauses, paused_seconds, seed, domain"
            f" FROM exams e {where} ORDER BY e.id DESC",
            params,
        )
        return [
            ExamRecord(
                r[0],
                r[1],
                r[2],
                r[3],
                json.loads(r[4]),
                r[5],
                r[6],
                r[7],
                r[8],
                r[9],
                r[10],
                None if r[11] is None else bool(r[11]),
                None if r[12] is None else bool(r[12]),
                json.loads(r[13]) if r[13] else {},
                r[14],
                r[15],
                r[16],
                r[17],
                r[18],
                r[19],
                r[20],
            )
            for r in rows
        ]

    def export_answers_csv(self, out: Path) -> int:
        """Every study answer, and one row per question of every submitted exam (its final pick,
        unanswered ones included), oldest first, as CSV; the number of rows written."""
        study = self.store.query(
            "SELECT answered_at, mode, NULL, session_id, NULL, question_id, chosen, correct, correct, seconds"
            " FROM answers WHERE exam_id IS NULL"
        )
        exams = self.store.query(
            "SELECT e.finished, 'exam', e.id, NULL, i.position + 1, i.question_id, i.chosen,"
            " CASE WHEN COALESCE(i.score, 0) >= 1 THEN 1 ELSE 0 END, COALESCE(i.score, 0), i.seconds"
            " FROM exam_items i JOIN exams e ON e.id = i.exam_id WHERE e.status IN ('submitted', 'timed-out')"
        )
        rows = sorted(study + exams, key=lambda r: (r[0], r[2] or 0, r[4] or 0))
        with out.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(
                [
                    "answered_at",
                    "mode",
                    "exam_id",
                    "session_id",
                    "exam_position",
                    "question_id",
                    "chosen",
                    "correct",
                    "score",
                    "seconds",
                ]
            )
            for r in rows:
                writer.writerow(
                    [
                        _iso(r[0]),
                        r[1],
                        r[2] or "",
                        r[3] or "",
                        r[4] or "",
                        r[5],
                        " ".join(json.loads(r[6])),
                        int(r[7]),
                        round(float(r[8]), 4),
                        round(r[9], 2),
                    ]
                )
        return len(rows)
