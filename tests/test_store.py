"""Answers are committed as they are given, and the schema is versioned."""

from __future__ import annotations

import sqlite3

from quizapp.store import MIGRATIONS, Store


def test_answer_is_on_disk_before_record_returns(tmp_path):
    store = Store.in_dir(tmp_path)
    session = store.start_session("study", "Bank")
    store.record_answer("q1", ["B"], False, 3.5, session_id=session)
    other = Store.in_dir(tmp_path)  # a second connection sees it: it was committed
    [answer] = other.answers()
    assert (answer.question_id, answer.chosen, answer.correct, answer.session_id) == ("q1", ("B",), False, session)


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
    try:
        Store.in_dir(tmp_path)
    except Exception as exc:
        assert "newer quizapp" in str(exc)
    else:
        raise AssertionError("a newer schema must be refused")
