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
from .study.exam import Exam, ExamItem


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
    correct: int | None
    total: int | None
    percent: float | None
    passed: bool | None
    timed_out: bool | None
    per_domain: dict[str, list[int]]
    answered: int

    def as_json(self) -> dict[str, Any]:
        """The object `quizapp history --json` prints."""
        return {
            "id": self.id,
            "bank": self.bank,
            "started": _iso(self.started),
            "finished": _iso(self.finished) if self.finished else None,
            "questions": len(self.question_ids),
            "answered": self.answered,
            "minutes": self.minutes,
            "seconds_used": round(self.seconds_used, 1),
            "correct": self.correct,
            "percent": None if self.percent is None else round(self.percent, 1),
            "passed": self.passed,
            "pass_percent": self.pass_percent,
            "timed_out": self.timed_out,
            "per_domain": {d: {"correct": c, "total": t} for d, (c, t) in self.per_domain.items()},
        }


def _iso(stamp: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(stamp))


class ExamStore:
    """Exam persistence on top of a :class:`Store` (same file, same connection)."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def create(self, bank: str, question_ids: list[str], minutes: float, pass_percent: int,
               seed: int | None = None, domain: str | None = None) -> int:
        """A new open exam with empty items; its id."""
        with self.store.transaction() as db:
            cur = db.execute(
                "INSERT INTO exams(bank, question_ids, minutes, pass_percent, seed, domain, started)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (bank, json.dumps(question_ids), minutes, pass_percent, seed, domain, time.time()),
            )
            exam_id = int(cur.lastrowid or 0)
            db.executemany(
                "INSERT INTO exam_items(exam_id, position, question_id) VALUES (?, ?, ?)",
                [(exam_id, i, qid) for i, qid in enumerate(question_ids)],
            )
        return exam_id

    def persister(self) -> Callable[[Exam, str, int | None], None]:
        """The callback an :class:`Exam` calls after every change: each is committed at once."""

        def persist(exam: Exam, what: str, index: int | None) -> None:
            assert exam.exam_id is not None, "an exam must be created in the store before it is persisted"
            with self.store.transaction() as db:
                db.execute(
                    "UPDATE exams SET seconds_used = ?, current = ? WHERE id = ?",
                    (exam.seconds_used, exam.current, exam.exam_id),
                )
                if index is not None:
                    item = exam.items[index]
                    db.execute(
                        "UPDATE exam_items SET chosen = ?, flagged = ?, seconds = ? WHERE exam_id = ? AND position = ?",
                        (json.dumps(sorted(item.chosen)), int(item.flagged), item.seconds, exam.exam_id, index),
                    )
                if what == "answer" and index is not None:
                    item, q = exam.items[index], exam.questions[index]
                    db.execute(
                        "INSERT INTO answers(session_id, question_id, chosen, correct, seconds, mode, answered_at, exam_id)"
                        " VALUES (NULL, ?, ?, ?, ?, 'exam', ?, ?)",
                        (q.id, json.dumps(sorted(item.chosen)), int(q.is_correct(item.chosen)), item.seconds,
                         time.time(), exam.exam_id),
                    )
                if what == "submit" and exam.result is not None:
                    r = exam.result
                    db.executemany(
                        "UPDATE exam_items SET seconds = ? WHERE exam_id = ? AND position = ?",
                        [(item.seconds, exam.exam_id, i) for i, item in enumerate(exam.items)],
                    )
                    db.execute(
                        "UPDATE exams SET finished = ?, correct = ?, total = ?, percent = ?, passed = ?, timed_out = ?,"
                        " per_domain = ?, seconds_used = ? WHERE id = ?",
                        (time.time(), r.correct, r.total, r.percent, int(r.passed), int(r.timed_out),
                         json.dumps({d: [s.correct, s.total] for d, s in r.per_domain.items()}), r.seconds_used,
                         exam.exam_id),
                    )

        return persist

    def open_exam_id(self) -> int | None:
        """The newest unfinished exam, if any."""
        row = self.store.db.execute("SELECT id FROM exams WHERE finished IS NULL ORDER BY id DESC LIMIT 1").fetchone()
        return int(row[0]) if row else None

    def resume(self, exam_id: int, questions: Mapping[str, Question], clock: Callable[[], float] | None = None) -> Exam:
        """Rebuild an unfinished exam as it was last saved, remaining time included.

        Raises KeyError when one of its questions is no longer in the bank.
        """
        row = self.store.db.execute(
            "SELECT question_ids, minutes, pass_percent, seconds_used, current FROM exams WHERE id = ?", (exam_id,)
        ).fetchone()
        if row is None:
            raise KeyError(exam_id)
        ids = json.loads(row[0])
        items = [
            ExamItem(qid, frozenset(json.loads(chosen)), bool(flagged), seconds)
            for qid, chosen, flagged, seconds in self.store.db.execute(
                "SELECT question_id, chosen, flagged, seconds FROM exam_items WHERE exam_id = ? ORDER BY position",
                (exam_id,),
            )
        ]
        extra = {"clock": clock} if clock is not None else {}
        exam = Exam(
            [questions[qid] for qid in ids], minutes=row[1], pass_percent=row[2], items=items,
            seconds_used=row[3], exam_id=exam_id, persist=self.persister(), **extra,
        )
        exam.current = min(int(row[4]), len(ids) - 1)
        return exam

    def abandon(self, exam_id: int) -> None:
        """Close an unfinished exam without a score (the learner chose not to resume it)."""
        with self.store.transaction() as db:
            db.execute("UPDATE exams SET finished = ? WHERE id = ? AND finished IS NULL", (time.time(), exam_id))

    def history(self) -> list[ExamRecord]:
        """Every exam, newest first."""
        rows = self.store.db.execute(
            "SELECT e.id, bank, started, finished, question_ids, minutes, pass_percent, seconds_used, correct, total,"
            " percent, passed, timed_out, per_domain,"
            " (SELECT COUNT(*) FROM exam_items i WHERE i.exam_id = e.id AND i.chosen != '[]')"
            " FROM exams e ORDER BY e.id DESC"
        )
        return [
            ExamRecord(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5], r[6], r[7], r[8], r[9], r[10],
                       None if r[11] is None else bool(r[11]), None if r[12] is None else bool(r[12]),
                       json.loads(r[13]) if r[13] else {}, r[14])
            for r in rows
        ]

    def export_answers_csv(self, out: Path) -> int:
        """Every answer ever given, as CSV; the number of rows written."""
        rows = self.store.db.execute(
            "SELECT id, answered_at, mode, exam_id, session_id, question_id, chosen, correct, seconds FROM answers ORDER BY id"
        ).fetchall()
        with out.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["id", "answered_at", "mode", "exam_id", "session_id", "question_id", "chosen", "correct", "seconds"])
            for r in rows:
                writer.writerow([r[0], _iso(r[1]), r[2], r[3] or "", r[4] or "", r[5], " ".join(json.loads(r[6])),
                                 int(r[7]), round(r[8], 2)])
        return len(rows)
