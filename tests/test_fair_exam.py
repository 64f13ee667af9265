"""A fair exam, in the core: shuffled options that give nothing away by position, a sealed draft
until submission, one final answer per question, choose-N enforced, the scoring rules, pauses, the
history formatter, the CSV, and the upgrade of a version-2 data file."""

from __future__ import annotations

import csv
import json
import random
import sqlite3
import textwrap
from pathlib import Path

import pytest

from quizapp.bank import Question, load_bank
from quizapp.bank.models import Manifest
from quizapp.exam_store import ExamStore
from quizapp.exams import ExamOptions, begin_exam, plan_exam
from quizapp.gift import export_gift
from quizapp.history import history_rows, table_lines
from quizapp.store import MIGRATIONS, Store
from quizapp.study.choice import ChoiceRefused, Shown, exam_order, reconcile, shuffled_ids, toggled
from quizapp.study.exam import Exam
from quizapp.study.session import StudySession

from .test_exam import Clock


def question(
    qid: str, answer: str | list[str] = "A", *, options: int = 4, shuffle: bool = True, domain: str = "a"
) -> Question:
    return Question.model_validate(
        {
            "id": qid,
            "title": "T",
            "domain": domain,
            "scenario": "S",
            "prompt": "P",
            "shuffle": shuffle,
            "options": [{"text": f"option {i}", "why": "w"} for i in range(options)],
            "answer": answer,
            "explanation": "E",
        }
    )


def first_option_bank(root: Path, count: int) -> Path:
    """A bank whose every key is the first option in file order (the cue shuffling must remove)."""
    root.mkdir(parents=True)
    (root / "bank.yaml").write_text(
        textwrap.dedent(f"""\
        title: Keys first
        exam: {{questions: {count}, minutes: {count}, pass_percent: 70}}
        domains: [{{id: d, title: D}}]
        """)
    )
    for i in range(count):
        (root / f"q{i:03d}.yaml").write_text(
            textwrap.dedent(f"""\
            id: q{i:03d}
            title: Question {i}
            domain: d
            scenario: S.
            prompt: Which?
            options:
              - {{text: Right, why: Because.}}
              - {{text: Wrong one, why: No.}}
              - {{text: Wrong two, why: No.}}
              - {{text: Wrong three, why: No.}}
            answer: A
            explanation: E.
            """)
        )
    return root


# -- shuffling ------------------------------------------------------------------------------------------


def test_always_picking_the_first_shown_option_scores_near_chance(tmp_path: Path) -> None:
    bank = load_bank(first_option_bank(tmp_path / "bank", 60)).bank
    assert bank is not None
    exams = ExamStore(Store.in_dir(tmp_path / "data"))
    scores = []
    for seed in (3, 17, 2024, 99991):
        plan = plan_exam(bank, ExamOptions(seed=seed))
        assert not isinstance(plan, str)
        exam = begin_exam(bank, exams, plan, Clock())
        for i, item in enumerate(exam.items):
            exam.answer({item.order[0]}, index=i)  # "always pick A" as the learner sees it
        scores.append(exam.submit().percent)
    # 240 answers at chance (1 in 4): 25% with a standard deviation of 2.8 points
    assert 15 <= sum(scores) / len(scores) <= 35, scores
    assert max(scores) < 70  # no seed passes by position


def test_study_shows_a_fresh_order_every_time_and_first_picks_score_near_chance() -> None:
    questions = [question(f"q{i}") for i in range(400)]
    session = StudySession(questions, rng=random.Random(5))
    right = 0
    orders = set()
    while True:
        orders.add(session.shown.order)
        session.toggle(session.shown.order[0])
        right += session.submit().correct
        if not session.advance():
            break
    assert 0.18 <= right / 400 <= 0.32
    assert len(orders) == 24  # every permutation of four options turns up


def test_the_seed_fixes_the_option_order_and_other_seeds_change_it() -> None:
    qs = [question(f"q{i}", options=6) for i in range(10)]
    assert [exam_order(q, 7) for q in qs] == [exam_order(q, 7) for q in qs]
    assert [exam_order(q, 7) for q in qs] != [exam_order(q, 8) for q in qs]
    assert all(sorted(exam_order(q, 7)) == sorted(q.option_ids) for q in qs)


def test_shuffle_false_keeps_the_file_order_and_letters_follow_the_order_shown() -> None:
    kept = question("ranges", shuffle=False, options=5)
    assert exam_order(kept, 1) == exam_order(kept, 2) == tuple("ABCDE")
    assert shuffled_ids(kept, random.Random(0)) == tuple("ABCDE")
    shown = Shown(question("q", ["B", "D"]), ("D", "A", "C", "B"))
    assert shown.letter("D") == "A" and shown.answer_letters == "A, D"
    assert shown.letters({"C"}) == "C" and shown.letters(set()) == "—"
    with pytest.raises(ValueError):
        Shown(question("q"), ("A", "B"))


def test_a_stored_order_survives_an_edit_to_the_question() -> None:
    edited = question("q", options=3)  # D was removed, C kept
    assert reconcile(edited, ("D", "C", "A", "B")) == ("C", "A", "B")
    grown = question("q", options=5)  # E was added
    assert reconcile(grown, ("D", "C", "A", "B")) == ("D", "C", "A", "B", "E")


def test_the_schema_documents_shuffle_and_the_manifest_the_scoring_rule() -> None:
    assert "shuffle" in Question.model_json_schema()["properties"]
    exam = Manifest.model_json_schema()["$defs"]["ExamSettings"]["properties"]["scoring"]
    assert set(exam["enum"]) == {"all-or-nothing", "partial"}


# -- choose N -------------------------------------------------------------------------------------------


def test_choose_n_refuses_a_third_tick_and_a_submission_of_the_wrong_size() -> None:
    q = question("two", ["A", "C"])
    assert toggled(q, {"A"}, "C") == {"A", "C"}
    with pytest.raises(ChoiceRefused, match="untick one first"):
        toggled(q, {"A", "C"}, "B")
    assert toggled(q, {"A", "C"}, "C") == {"A"}
    session = StudySession([q], record=lambda r: pytest.fail("nothing may be recorded"))
    session.toggle("A")
    with pytest.raises(ChoiceRefused, match="1 of 2 chosen"):
        session.submit()
    assert session.submitted is None and session.results == []
    exam = Exam([q], minutes=1, pass_percent=50, clock=Clock())
    with pytest.raises(ChoiceRefused):
        exam.answer({"A", "B", "C"})
    exam.answer({"A"})
    assert exam.incomplete == [0]


def test_partial_scoring_is_moodles_rule_and_all_or_nothing_is_exact() -> None:
    q = question("three", ["A", "B", "C"], options=5)
    assert q.score({"A", "B", "C"}, "partial") == 1
    assert q.score({"A", "B"}, "partial") == pytest.approx(2 / 3)
    assert q.score({"A", "B", "D"}, "partial") == pytest.approx(1 / 3)
    assert q.score({"A", "D", "E"}, "partial") == 0  # floored at 0
    assert q.score({"A", "B"}, "all-or-nothing") == 0
    single = question("one")
    assert single.score({"A"}, "partial") == 1 and single.score({"B"}, "partial") == 0
    exam = Exam([q, single], minutes=5, pass_percent=50, clock=Clock(), scoring="partial")
    exam.answer({"A", "B"}, index=0)
    exam.answer({"A"}, index=1)
    result = exam.submit()
    assert result.correct == pytest.approx(5 / 3) and result.passed and result.wrong == ["three"]


def test_gift_export_follows_the_scoring_rule() -> None:
    q = question("two", ["A", "C"])
    manifest = {"title": "B", "domains": [{"id": "a", "title": "A"}]}
    strict = export_gift([q], Manifest.model_validate(manifest))
    partial = export_gift([q], Manifest.model_validate({**manifest, "exam": {"scoring": "partial"}}))
    assert "~%-100%option 1" in strict and "~%-50%option 1" in partial
    assert "~%50%option 0" in strict and "~%50%option 0" in partial
    assert "GIFT cannot" in strict and "partial scoring" in partial


# -- the sealed draft, pauses, the record ------------------------------------------------------------------


def test_an_open_exam_is_a_sealed_draft_and_submitting_writes_one_answer_per_question(tmp_path: Path) -> None:
    clock, wall = Clock(), Clock()
    store = Store.in_dir(tmp_path)
    exams = ExamStore(store, wall=wall)
    qs = [question("q1"), question("q2", ["A", "B"]), question("q3")]
    exam = Exam(qs, minutes=10, pass_percent=50, clock=clock, persist=exams.persister(), seed=4)
    exams.create("Bank", exam)
    for pick in ({"B"}, {"A"}, {"C"}, {"A"}):  # four clicks on question 1
        exam.answer(pick, index=0)
    exam.answer({"A", "B"}, index=1)
    assert store.answers() == [] and store.progress() == {}  # nothing outside the exam sees a draft
    assert exams.open_question_ids() == {"q1", "q2", "q3"}
    clock.advance(30)
    exams.pause(exam)
    assert exams.record(exam.exam_id).status == "paused"
    wall.advance(600)  # ten minutes away
    resumed = exams.resume(exam.exam_id, {q.id: q for q in qs}, clock=clock)
    assert (resumed.pauses, resumed.paused_seconds) == (1, 600)
    assert [i.order for i in resumed.items] == [i.order for i in exam.items]
    resumed.submit()
    finals = [(a.question_id, a.chosen, a.correct) for a in store.answers()]
    assert finals == [("q1", ("A",), True), ("q2", ("A", "B"), True)]  # q3 was never answered
    assert exams.open_question_ids() == set()
    [record] = exams.history()
    assert (record.status, record.pauses, record.paused_seconds) == ("submitted", 1, 600)
    assert record.as_json()["status"] == "submitted"

    out = tmp_path / "answers.csv"
    store.record_answer("q3", ["B"], False, 4.0)
    assert exams.export_answers_csv(out) == 4  # three exam questions and one study answer
    table = list(csv.DictReader(out.open()))
    assert [(r["mode"], r["question_id"], r["chosen"], r["score"]) for r in table[:3]] == [
        ("exam", "q1", "A", "1.0"),
        ("exam", "q2", "A B", "1.0"),
        ("exam", "q3", "", "0.0"),
    ]
    assert table[3]["mode"] == "study"

    reviewed = exams.load(exam.exam_id, {q.id: q for q in qs})
    assert reviewed.result is not None and reviewed.result.correct == 2
    assert [i.order for i in reviewed.items] == [i.order for i in exam.items]


def test_the_history_formatter_aligns_columns_and_names_every_status(tmp_path: Path) -> None:
    exams = ExamStore(Store.in_dir(tmp_path))
    qs = [question("q1"), question("q2", domain="b")]
    done = Exam(qs, minutes=2, pass_percent=50, clock=Clock(), persist=exams.persister())
    exams.create("Bank", done)
    done.answer({"A"}, index=0)
    done.submit()
    dropped = Exam(qs, minutes=2, pass_percent=50, clock=Clock(), persist=exams.persister())
    exams.abandon(exams.create("Bank", dropped))
    paused = Exam(qs, minutes=2, pass_percent=50, clock=Clock(), persist=exams.persister())
    exams.create("Bank", paused)
    exams.pause(paused)
    rows = history_rows(exams.history(), {"a": "Alpha", "b": "Beta"})
    assert [r.status for r in rows] == ["paused", "discarded", "submitted"]
    assert rows[2].score == "1 / 2 (50%)" and rows[2].result == "pass"
    assert rows[2].domains == "Alpha 1/1, Beta 0/1"
    lines = table_lines(rows)
    status_at = lines[0].index("status")
    assert all(
        line[status_at:].split()[0] in {"status", "paused", "discarded", "submitted"} for line in lines
    )
    assert len({line.index(" ", status_at) <= lines[0].index("score") for line in lines}) == 1


def test_a_version_2_file_keeps_one_final_answer_per_question_of_a_scored_exam(tmp_path: Path) -> None:
    path = tmp_path / "quizapp.sqlite3"
    db = sqlite3.connect(path)
    for number, script in enumerate(MIGRATIONS[:2], start=1):
        db.executescript(script)
        db.execute(f"PRAGMA user_version = {number}")
    db.execute(
        "INSERT INTO exams(id, bank, question_ids, minutes, pass_percent, started, finished, correct,"
        " total, percent, passed, timed_out) VALUES (1, 'B', '[\"q1\",\"q2\"]', 5, 50, 1, 2, 1, 2, 50, 1, 0)"
    )
    db.execute(
        "INSERT INTO exams(id, bank, question_ids, minutes, pass_percent, started) VALUES"
        " (2, 'B', '[\"q1\"]', 5, 50, 3)"
    )  # still open: its clicks are a draft
    db.execute(
        "INSERT INTO exams(id, bank, question_ids, minutes, pass_percent, started, finished) VALUES"
        " (3, 'B', '[\"q1\"]', 5, 50, 4, 5)"
    )  # discarded
    db.executemany(
        "INSERT INTO exam_items(exam_id, position, question_id, chosen) VALUES (?, ?, ?, ?)",
        [(1, 0, "q1", '["A"]'), (1, 1, "q2", "[]"), (2, 0, "q1", '["B"]'), (3, 0, "q1", '["B"]')],
    )
    clicks = [
        (1, "q1", '["B"]', 0),
        (1, "q1", '["A"]', 1),
        (1, "q2", '["C"]', 0),
        (1, "q2", "[]", 0),
        (2, "q1", '["B"]', 0),
        (3, "q1", '["B"]', 0),
    ]
    db.executemany(
        "INSERT INTO answers(question_id, chosen, correct, seconds, mode, answered_at, exam_id)"
        " VALUES (?, ?, ?, 1, 'exam', 1, ?)",
        [(q, c, k, e) for e, q, c, k in clicks],
    )
    db.execute(
        "INSERT INTO answers(question_id, chosen, correct, seconds, mode, answered_at) VALUES"
        " ('q2', '[\"D\"]', 0, 1, 'study', 1)"
    )
    db.commit()
    db.close()

    store = Store(path)
    assert store.schema_version == len(MIGRATIONS)
    assert [(a.question_id, a.chosen, a.mode) for a in store.answers()] == [
        ("q1", ("A",), "exam"),
        ("q2", ("D",), "study"),
    ]
    assert {r.id: r.status for r in ExamStore(store).history()} == {1: "submitted", 2: "open", 3: "discarded"}
    scores = store.db.execute("SELECT question_id, score FROM exam_items WHERE exam_id = 1").fetchall()
    assert scores == [("q1", 1.0), ("q2", 0.0)]
    assert json.loads(store.db.execute("SELECT option_order FROM exam_items LIMIT 1").fetchone()[0]) == []


def test_the_history_command_names_each_status_with_domain_titles(tmp_path: Path, capsys) -> None:
    from quizapp.cli import main

    from .test_ui_exam import EXAM_BANK

    bank = load_bank(EXAM_BANK).bank
    assert bank is not None
    exams = ExamStore(Store.in_dir(tmp_path))
    plan = plan_exam(bank, ExamOptions(seed=1))
    assert not isinstance(plan, str)
    done = begin_exam(bank, exams, plan, Clock())
    done.answer(set(sorted(done.questions[0].answers)), index=0)
    done.submit()
    exams.abandon(begin_exam(bank, exams, plan, Clock()).exam_id)
    where = ["--bank", str(EXAM_BANK), "--data-dir", str(tmp_path)]
    assert main(["history", *where]) == 0
    lines = capsys.readouterr().out.splitlines()
    header = next(line for line in lines if line.lstrip().startswith("exam"))
    table = lines[lines.index(header) :]
    assert [line[header.index("status") :].split()[0] for line in table[1:]] == ["discarded", "submitted"]
    assert "Attention mechanics 1/3" in table[2] and "attention 1/3" not in table[2]
    assert main(["history", "--json", *where]) == 0
    assert [e["status"] for e in json.loads(capsys.readouterr().out)] == ["discarded", "submitted"]


def test_the_question_list_is_a_real_sequence() -> None:
    from .conftest import BUNDLED

    bank = load_bank(BUNDLED).bank
    assert bank is not None
    third = bank.questions[2]
    assert bank.questions.index(third) == 2 and third in bank.questions
    with pytest.raises(ValueError):
        bank.questions.index(question("not-in-the-bank"))
    assert [qid for qid, _, _ in bank.questions.entries][2] == third.id
