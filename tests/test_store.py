"""Answers are committed as they are given, and the schema is versioned."""

from __future__ import annotations

import sqlite3

import pytest

from quizapp.exam_store import ExamStore
from quizapp.store import MIGRATIONS, Store, StoreError


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
    with pytest.raises(StoreError, match="no such table"):
        with store.transaction() as db:
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
