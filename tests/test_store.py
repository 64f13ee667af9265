"""Answers are committed as they are given, and the schema is versioned."""

from __future__ import annotations

import multiprocessing
import sqlite3
import sys
from typing import Any

import pytest

from quizapp.exam_store import ExamStore
from quizapp.store import MIGRATIONS, Store, StoreError


def test_answer_is_on_disk_before_record_returns(tmp_path):
    store = Store.in_dir(tmp_path)
    session = store.start_session("study", "Bank")
    store.record_answer("q1", ["B"], False, 3.5, session_id=session)
    other = Store.in_dir(tmp_path)  # a second connection sees it: it was committed
    [answer] = other.answers()
    assert (answer.question_id, answer.chosen, answer.correct, answer.session_id) == (
        "q1",
        ("B",),
        False,
        session,
    )


def test_progress_per_question(tmp_path):
    store = Store.in_dir(tmp_path)
    store.record_answer("q1", ["A"], False, 1)
    store.record_answer("q1", ["C"], True, 1)
    store.record_answer("q2", ["A", "B"], False, 1)
    progress = store.progress()
    assert (progress["q1"].attempts, progress["q1"].correct, progress["q1"].last_correct) == (2, 1, True)
    assert progress["q2"].last_correct is False


def test_schema_version_and_wal(tmp_path):
    store = Store.in_dir(tmp_path)
    assert store.schema_version == len(MIGRATIONS)
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    store.close()
    Store.in_dir(tmp_path)  # reopening runs no migration twice


def test_newer_schema_is_refused(tmp_path):
    db = sqlite3.connect(tmp_path / "quizapp.sqlite3")
    db.execute("PRAGMA user_version = 99")
    db.close()
    with pytest.raises(StoreError, match="newer quizapp"):
        Store.in_dir(tmp_path)


def test_every_sqlite_failure_is_a_store_error_naming_the_file(tmp_path):
    store = Store.in_dir(tmp_path)
    exams = ExamStore(store)
    other = sqlite3.connect(store.path)  # another process breaks the file under the app
    other.executescript("DROP TABLE answers; DROP TABLE exam_items; DROP TABLE exams;")
    other.close()
    where = str(store.path)
    with pytest.raises(StoreError, match="cannot write to the data file") as write:
        store.record_answer("q1", ["A"], True, 1.0)
    with pytest.raises(StoreError, match="cannot read the data file") as read:
        store.progress()
    with pytest.raises(StoreError) as history:
        exams.history()
    with pytest.raises(StoreError) as unfinished:
        exams.open_question_ids()
    for caught in (write, read, history, unfinished):
        assert where in str(caught.value) and "no such table" in str(caught.value)
        assert isinstance(caught.value.__cause__, sqlite3.Error)
    store.close()
    with pytest.raises(StoreError, match="cannot read"):
        store.answers()  # a closed connection too


def test_a_failed_transaction_is_rolled_back_and_the_store_stays_usable(tmp_path):
    store = Store.in_dir(tmp_path)
    with pytest.raises(StoreError, match="no such table"), store.transaction() as db:
        db.execute("INSERT INTO sessions(mode, bank, started) VALUES ('study', 'B', 0)")
        db.execute("INSERT INTO nowhere VALUES (1)")
    assert not store.db.in_transaction
    assert store.query("SELECT COUNT(*) FROM sessions") == [(0,)]  # the first insert was undone
    store.record_answer("q1", ["A"], True, 1.0)
    assert [a.question_id for a in store.answers()] == ["q1"]


def test_two_writer_processes_lose_nothing(tmp_path):
    import subprocess
    import sys

    from .conftest import ROOT

    Store.in_dir(tmp_path).close()  # create the schema first, as the app does at start
    code = (
        "import sys\nfrom quizapp.store import Store\n"
        "s = Store.in_dir(sys.argv[1])\n"
        "for i in range(500):\n"
        "    s.record_answer(f'{sys.argv[2]}-{i}', ['A'], i % 2 == 0, 1.0)\n"
    )
    writers = [
        subprocess.Popen([sys.executable, "-c", code, str(tmp_path), name], cwd=ROOT, stderr=subprocess.PIPE)
        for name in ("one", "two")
    ]
    for proc in writers:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode()
    answers = Store.in_dir(tmp_path).answers()
    assert len(answers) == 1000
    assert len({a.question_id for a in answers}) == 1000


def test_a_version_1_file_holding_answers_upgrades_and_keeps_them(tmp_path):
    path = tmp_path / "quizapp.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(MIGRATIONS[0])  # the file as version 1 wrote it
    db.execute("PRAGMA user_version = 1")
    db.executemany(
        "INSERT INTO sessions(id, mode, bank, started, ended) VALUES (?, ?, 'Bank', ?, ?)",
        [(1, "study", 10.0, 20.0), (2, "missed", 30.0, None)],
    )
    db.executemany(
        "INSERT INTO answers(session_id, question_id, chosen, correct, seconds, mode, answered_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (1, "q1", '["A"]', 0, 4.0, "study", 11.0),
            (1, "q2", '["B", "C"]', 1, 6.5, "study", 12.0),
            (2, "q1", '["B"]', 1, 2.0, "missed", 31.0),
        ],
    )
    db.commit()
    db.close()

    store = Store(path)
    assert store.schema_version == len(MIGRATIONS)
    kept = [(a.session_id, a.question_id, a.chosen, a.correct, a.seconds, a.mode) for a in store.answers()]
    assert kept == [
        (1, "q1", ("A",), False, 4.0, "study"),
        (1, "q2", ("B", "C"), True, 6.5, "study"),
        (2, "q1", ("B",), True, 2.0, "missed"),
    ]
    sessions = store.query("SELECT id, mode, ended FROM sessions ORDER BY id")
    assert sessions == [(1, "study", 20.0), (2, "missed", None)]
    assert store.query("SELECT COUNT(*) FROM answers WHERE exam_id IS NULL") == [(3,)]  # version 2's column
    assert (store.progress()["q1"].attempts, store.progress()["q1"].last_correct) == (2, True)
    assert ExamStore(store).history() == []
    store.record_answer("q3", ["A"], True, 1.0)  # and the upgraded file takes new answers
    store.close()
    assert len(Store(path).answers()) == 4  # reopening migrates nothing twice and loses nothing


def test_migrations_split_where_sqlite_ends_a_statement_not_at_every_semicolon(tmp_path):
    from quizapp.store import statements

    script = """
    CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL CHECK (body != ';'));
    CREATE TABLE log (what TEXT);  -- a comment; with a semicolon
    CREATE TRIGGER noted AFTER INSERT ON notes BEGIN
        INSERT INTO log VALUES ('noted; ' || NEW.body);
        INSERT INTO log VALUES ('twice');
    END;
    INSERT INTO notes(body) VALUES ('first; with a semicolon');
    """
    store = Store.in_dir(tmp_path)
    with store.transaction() as db:
        for statement in statements(script):
            db.execute(statement)
    assert store.query("SELECT body FROM notes") == [("first; with a semicolon",)]
    assert store.query("SELECT what FROM log") == [("noted; first; with a semicolon",), ("twice",)]
    assert [s.split()[0] for s in statements(MIGRATIONS[1])] == ["CREATE", "CREATE", "ALTER"]
    with pytest.raises(ValueError, match="unfinished"):
        list(statements("CREATE TABLE a (x); CREATE TABLE b (y)"))


def _open_when_released(path: str, start: Any) -> str:
    """Open the store once `start` lets every process go: 'ok', or the error it met."""
    start.wait()
    try:
        Store(path).close()
    except StoreError as exc:
        return str(exc)
    return "ok"


def test_apps_opening_a_new_data_file_at_once_all_get_it(tmp_path):
    """Two browser tabs (or a tab and a terminal) on a fresh data folder open its file at the same
    moment; switching it to WAL needs an exclusive lock that SQLite refuses the loser at once, without
    the busy timeout. Each must wait its turn instead of failing with 'database is locked'."""
    context = multiprocessing.get_context("fork" if sys.platform != "win32" else "spawn")
    processes = 6
    with context.Manager() as manager, context.Pool(processes) as pool:
        for attempt in range(40):
            start = manager.Barrier(processes)
            path = str(tmp_path / f"attempt-{attempt}" / "quizapp.sqlite3")
            said = pool.starmap(_open_when_released, [(path, start)] * processes)
            assert said == ["ok"] * processes, (attempt, said)
