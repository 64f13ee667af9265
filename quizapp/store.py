"""SQLite persistence: study sessions and every answer a learner gives, committed as it is given.

WAL journaling and a busy timeout let two processes write at once without losing rows or failing
on a locked database. The schema is versioned; migrations run in order from the first version.
Never imports Textual.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DB_NAME = "quizapp.sqlite3"
BUSY_TIMEOUT_MS = 30_000

MIGRATIONS: list[str] = [
    # version 1: study sessions and answers
    """
    CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        mode TEXT NOT NULL,
        bank TEXT NOT NULL,
        started REAL NOT NULL,
        ended REAL
    );
    CREATE TABLE answers (
        id INTEGER PRIMARY KEY,
        session_id INTEGER REFERENCES sessions(id),
        question_id TEXT NOT NULL,
        chosen TEXT NOT NULL,
        correct INTEGER NOT NULL,
        seconds REAL NOT NULL,
        mode TEXT NOT NULL,
        answered_at REAL NOT NULL
    );
    CREATE INDEX answers_by_question ON answers(question_id);
    """,
    # version 2: practice exams, their items, and which exam an answer belongs to
    """
    CREATE TABLE exams (
        id INTEGER PRIMARY KEY,
        bank TEXT NOT NULL,
        question_ids TEXT NOT NULL,
        minutes REAL NOT NULL,
        pass_percent INTEGER NOT NULL,
        seed INTEGER,
        domain TEXT,
        started REAL NOT NULL,
        seconds_used REAL NOT NULL DEFAULT 0,
        current INTEGER NOT NULL DEFAULT 0,
        finished REAL,
        correct INTEGER,
        total INTEGER,
        percent REAL,
        passed INTEGER,
        timed_out INTEGER,
        per_domain TEXT
    );
    CREATE TABLE exam_items (
        exam_id INTEGER NOT NULL REFERENCES exams(id),
        position INTEGER NOT NULL,
        question_id TEXT NOT NULL,
        chosen TEXT NOT NULL DEFAULT '[]',
        flagged INTEGER NOT NULL DEFAULT 0,
        seconds REAL NOT NULL DEFAULT 0,
        PRIMARY KEY (exam_id, position)
    );
    ALTER TABLE answers ADD COLUMN exam_id INTEGER REFERENCES exams(id);
    """,
    # version 3: sealed exams. An exam's answers are a draft in exam_items until it is submitted;
    # then one final answer per answered question joins `answers`. Exams get a status, a scoring
    # rule, pauses and each item's option order. Version 2 stored every click as an answer: keep
    # only the last click per question of a scored exam, and none of an unscored one.
    """
    ALTER TABLE exams ADD COLUMN status TEXT NOT NULL DEFAULT 'open';
    ALTER TABLE exams ADD COLUMN scoring TEXT NOT NULL DEFAULT 'all-or-nothing';
    ALTER TABLE exams ADD COLUMN pauses INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE exams ADD COLUMN paused_seconds REAL NOT NULL DEFAULT 0;
    ALTER TABLE exams ADD COLUMN paused_at REAL;
    ALTER TABLE exams ADD COLUMN saved_at REAL;
    ALTER TABLE exam_items ADD COLUMN option_order TEXT NOT NULL DEFAULT '[]';
    ALTER TABLE exam_items ADD COLUMN score REAL;
    UPDATE exams SET status = CASE
        WHEN finished IS NULL THEN 'open'
        WHEN correct IS NULL THEN 'discarded'
        WHEN timed_out = 1 THEN 'timed-out'
        ELSE 'submitted' END;
    DELETE FROM answers WHERE exam_id IN (SELECT id FROM exams WHERE correct IS NULL);
    DELETE FROM answers WHERE exam_id IS NOT NULL AND id NOT IN
        (SELECT MAX(id) FROM answers WHERE exam_id IS NOT NULL GROUP BY exam_id, question_id);
    DELETE FROM answers WHERE exam_id IS NOT NULL AND chosen = '[]';
    UPDATE exam_items SET score = COALESCE((SELECT a.correct FROM answers a
        WHERE a.exam_id = exam_items.exam_id AND a.question_id = exam_items.question_id), 0)
        WHERE exam_id IN (SELECT id FROM exams WHERE correct IS NOT NULL);
    """,
    # version 4: memory (issue 14). Each answer may carry the learner's confidence (1..3, NULL: not
    # stated), the rating it was given (1..4, FSRS's Again..Easy) and the learner's override of it,
    # whether it was a scheduled review (`study --due`) or practice, and its wrong picks with the
    # requirement ids each breaks (JSON). `cards` caches each question's FSRS card; it is rebuilt by
    # replaying that question's answers, so it may be dropped at any time. Answers from before this
    # version have no rating: replay rates them Good when right and Again when wrong.
    """
    ALTER TABLE answers ADD COLUMN confidence INTEGER CHECK (confidence BETWEEN 1 AND 3);
    ALTER TABLE answers ADD COLUMN rating INTEGER CHECK (rating BETWEEN 1 AND 4);
    ALTER TABLE answers ADD COLUMN rating_override INTEGER CHECK (rating_override BETWEEN 1 AND 4);
    ALTER TABLE answers ADD COLUMN scheduled INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE answers ADD COLUMN wrong_picks TEXT;
    ALTER TABLE exam_items ADD COLUMN confidence INTEGER;
    CREATE TABLE cards (
        question_id TEXT PRIMARY KEY,
        state INTEGER NOT NULL,
        step INTEGER,
        stability REAL,
        difficulty REAL,
        due TEXT NOT NULL,
        last_review TEXT,
        reviews INTEGER NOT NULL,
        last_answer_id INTEGER NOT NULL
    );
    CREATE TABLE predictions (
        id INTEGER PRIMARY KEY,
        sim_id TEXT NOT NULL,
        params TEXT NOT NULL,
        holds INTEGER NOT NULL,
        estimate REAL,
        headline TEXT,
        scale TEXT NOT NULL DEFAULT 'linear',
        at REAL NOT NULL,
        actual_holds INTEGER,
        actual_value REAL,
        holds_right INTEGER,
        estimate_right INTEGER,
        graded REAL
    );
    CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    """,
]


def statements(script: str) -> Iterator[str]:
    """A migration's statements one at a time, in order, split where SQLite says a statement ends.

    A ``;`` inside a string literal, a comment or a trigger's ``BEGIN ... END`` does not end one
    (``sqlite3.complete_statement`` decides). Each runs with ``execute`` inside the migration's
    transaction; ``executescript`` would commit first. A statement left unfinished is an error."""
    *pieces, tail = script.split(";")
    pending = ""
    for piece in pieces:
        pending += piece + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \t\n;"):
                yield pending.strip()
            pending = ""
    if (pending + tail).strip():
        raise ValueError(f"an unfinished statement in a migration: {(pending + tail).strip()[:80]!r}")


class StoreError(RuntimeError):
    """The data file cannot be opened, read or written; the message says which file and why."""


@dataclass(frozen=True)
class Answer:
    """One answer as stored."""

    id: int
    session_id: int | None
    question_id: str
    chosen: tuple[str, ...]
    correct: bool
    seconds: float
    mode: str
    answered_at: float
    exam_id: int | None = None
    confidence: int | None = None
    """1 (unsure) .. 3 (sure); None when the learner did not say."""
    rating: int | None = None
    """The rating given when it was answered, 1..4 (Again .. Easy); None for answers from before v4."""
    rating_override: int | None = None
    """The learner's own rating, which replaces ``rating``."""
    scheduled: bool = False
    """A review the schedule asked for (`study --due`), not practice."""
    wrong_picks: tuple[WrongPick, ...] | None = None
    """Each wrong option picked and the requirement ids it breaks; None when not recorded (before v4)."""


@dataclass(frozen=True)
class WrongPick:
    """A distractor the learner picked, and the requirement ids the bank says it breaks."""

    option: str
    violates: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        """{"option": id, "violates": [ids]}."""
        return {"option": self.option, "violates": list(self.violates)}


ANSWER_COLUMNS = (
    "id, session_id, question_id, chosen, correct, seconds, mode, answered_at, exam_id, confidence, rating,"
    " rating_override, scheduled, wrong_picks"
)


def answer_from_row(r: Sequence[Any]) -> Answer:
    """An :class:`Answer` from a row selected with ``ANSWER_COLUMNS``."""
    picks = (
        None
        if r[13] is None
        else tuple(WrongPick(p["option"], tuple(p["violates"])) for p in json.loads(r[13]))
    )
    return Answer(
        r[0],
        r[1],
        r[2],
        tuple(json.loads(r[3])),
        bool(r[4]),
        r[5],
        r[6],
        r[7],
        r[8],
        r[9],
        r[10],
        r[11],
        bool(r[12]),
        picks,
    )


def insert_answer(
    db: sqlite3.Connection,
    question_id: str,
    chosen: Iterable[str],
    correct: bool,
    seconds: float,
    *,
    mode: str = "study",
    session_id: int | None = None,
    answered_at: float | None = None,
    confidence: int | None = None,
    rating: int | None = None,
    scheduled: bool = False,
    wrong_picks: Sequence[WrongPick] | None = None,
) -> int:
    """Insert one answer inside the caller's transaction; the row's id."""
    picks = None if wrong_picks is None else json.dumps([p.as_json() for p in wrong_picks])
    cur = db.execute(
        "INSERT INTO answers(session_id, question_id, chosen, correct, seconds, mode, answered_at, confidence,"
        " rating, scheduled, wrong_picks) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            session_id,
            question_id,
            json.dumps(sorted(chosen)),
            int(correct),
            float(seconds),
            mode,
            time.time() if answered_at is None else float(answered_at),
            confidence,
            rating,
            int(scheduled),
            picks,
        ),
    )
    return int(cur.lastrowid or 0)


@dataclass(frozen=True)
class Progress:
    """A learner's record on one question."""

    attempts: int
    correct: int
    last_correct: bool


class Store:
    """The learner's history in one SQLite file."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
            self.db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            self._use_wal()
            self.db.execute("PRAGMA synchronous = NORMAL")
            self.db.execute("PRAGMA foreign_keys = ON")
            self._migrate()
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the data file {self.path}: {exc}") from None

    def _use_wal(self) -> None:
        """Switch the file to write-ahead logging. Two apps opening a new data file at once (two
        browser tabs, a terminal and a tab) race for the exclusive lock the switch needs, and SQLite
        answers the loser "database is locked" at once, without its busy handler; so wait here, as
        the busy timeout would, until the other one is done."""
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        while True:
            try:
                self.db.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as exc:
                busy = getattr(exc, "sqlite_errorcode", None) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
                if not busy or time.monotonic() > deadline:
                    raise
                time.sleep(0.005)

    @classmethod
    def in_dir(cls, data_dir: Path | str) -> Store:
        """The store in a data directory."""
        return cls(Path(data_dir) / DB_NAME)

    @contextmanager
    def failures(self, doing: str) -> Iterator[None]:
        """Turn any SQLite failure inside into a StoreError that names the file: 'cannot DOING the
        data file PATH: why'. Callers (the screens, the commands) then catch StoreError alone."""
        try:
            yield
        except sqlite3.Error as exc:
            raise StoreError(f"cannot {doing} the data file {self.path}: {exc}") from exc

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One committed transaction; BEGIN IMMEDIATE takes the write lock up front (waits, never fails).

        Any SQLite failure, the commit's included, rolls back and is raised as StoreError."""
        with self.failures("write to"):
            self.db.execute("BEGIN IMMEDIATE")
            try:
                yield self.db
                self.db.execute("COMMIT")
            except BaseException:
                if self.db.in_transaction:
                    self.db.execute("ROLLBACK")
                raise

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """Every row a read returns (StoreError when the file cannot be read)."""
        with self.failures("read"):
            return self.db.execute(sql, params).fetchall()

    def row(self, sql: str, params: Sequence[Any] = ()) -> Any | None:
        """The first row a read returns, or None (StoreError when the file cannot be read)."""
        with self.failures("read"):
            return self.db.execute(sql, params).fetchone()

    def _migrate(self) -> None:
        with self.transaction() as db:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > len(MIGRATIONS):
                raise StoreError(f"{self.path} was written by a newer quizapp (schema {version})")
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                for statement in statements(script):
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {number}")

    @property
    def schema_version(self) -> int:
        """The schema version of the open file."""
        return int(self.query("PRAGMA user_version")[0][0])

    def start_session(self, mode: str, bank: str) -> int:
        """Open a study session and return its id."""
        with self.transaction() as db:
            cur = db.execute(
                "INSERT INTO sessions(mode, bank, started) VALUES (?, ?, ?)", (mode, bank, time.time())
            )
            return int(cur.lastrowid or 0)

    def end_session(self, session_id: int) -> None:
        """Mark a session as ended."""
        with self.transaction() as db:
            db.execute("UPDATE sessions SET ended = ? WHERE id = ?", (time.time(), session_id))

    def record_answer(
        self,
        question_id: str,
        chosen: Iterable[str],
        correct: bool,
        seconds: float,
        *,
        mode: str = "study",
        session_id: int | None = None,
    ) -> int:
        """Store one answer, committed before this returns; the row's id. (Rated answers that also
        update the question's memory card go through :meth:`quizapp.memory.Memory.record`.)"""
        with self.transaction() as db:
            return insert_answer(db, question_id, chosen, correct, seconds, mode=mode, session_id=session_id)

    def answers(self, question_id: str | None = None) -> list[Answer]:
        """Every stored answer (or those to one question), oldest first."""
        sql = f"SELECT {ANSWER_COLUMNS} FROM answers"
        rows = (
            self.query(sql + " WHERE question_id = ? ORDER BY id", (question_id,))
            if question_id
            else self.query(sql + " ORDER BY id")
        )
        return [answer_from_row(r) for r in rows]

    def setting(self, key: str) -> str | None:
        """A stored setting (the exam date, the prior ...), or None when it was never set."""
        row = self.row("SELECT value FROM settings WHERE key = ?", (key,))
        return None if row is None else str(row[0])

    def set_setting(self, key: str, value: str | None) -> None:
        """Store a setting; None removes it."""
        with self.transaction() as db:
            if value is None:
                db.execute("DELETE FROM settings WHERE key = ?", (key,))
            else:
                db.execute(
                    "INSERT INTO settings(key, value) VALUES (?, ?)"
                    " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    (key, value),
                )

    def progress(self) -> dict[str, Progress]:
        """Per question id: attempts, how many were right, and whether the latest was."""
        rows = self.query(
            "SELECT question_id, COUNT(*), SUM(correct),"
            " (SELECT a2.correct FROM answers a2 WHERE a2.question_id = a.question_id ORDER BY a2.id DESC LIMIT 1)"
            " FROM answers a GROUP BY question_id"
        )
        return {r[0]: Progress(int(r[1]), int(r[2] or 0), bool(r[3])) for r in rows}

    def last_answered(self) -> dict[str, float]:
        """Per question id ever answered: when its latest answer was given (epoch seconds)."""
        rows = self.query("SELECT question_id, MAX(answered_at) FROM answers GROUP BY question_id")
        return {r[0]: float(r[1]) for r in rows}

    def close(self) -> None:
        """Close the connection."""
        with self.failures("close"):
            self.db.close()
