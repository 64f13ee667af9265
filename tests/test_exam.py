"""The exam engine: weighted draws, seeds, the clock, all-or-nothing scoring, and resuming."""

from __future__ import annotations

from collections import Counter

import pytest

from quizapp.bank import Question
from quizapp.exam_store import ExamStore
from quizapp.store import Store
from quizapp.study.exam import Exam, allocate, draw

from .conftest import Clock


def question(qid: str, domain: str = "a", answer: str | list[str] = "A") -> Question:
    return Question.model_validate(
        {
            "id": qid,
            "title": "T",
            "domain": domain,
            "scenario": "S",
            "prompt": "P",
            "options": [{"text": t, "why": "w"} for t in "abcd"],
            "answer": answer,
            "explanation": "E",
        }
    )


def test_largest_remainder_allocation():
    assert allocate(10, {"a": 1, "b": 1, "c": 1}, {"a": 9, "b": 9, "c": 9}) == {"a": 4, "b": 3, "c": 3}
    assert allocate(20, {"a": 25, "b": 50, "c": 25}, {"a": 99, "b": 99, "c": 99}) == {"a": 5, "b": 10, "c": 5}
    # a domain with too few questions hands its seats to the others, by weight
    assert allocate(10, {"a": 1, "b": 1}, {"a": 2, "b": 20}) == {"a": 2, "b": 8}
    assert sum(allocate(7, {"a": 3, "b": 3, "c": 1}, {"a": 9, "b": 9, "c": 9}).values()) == 7


def test_draw_follows_weights_is_repeatable_and_never_repeats():
    index = [(f"a{i}", "a") for i in range(40)] + [(f"b{i}", "b") for i in range(40)]
    first = draw(index, {"a": 3, "b": 1}, 20, seed=7)
    assert first == draw(index, {"a": 3, "b": 1}, 20, seed=7)
    assert first.question_ids != draw(index, {"a": 3, "b": 1}, 20, seed=8).question_ids
    assert len(set(first.question_ids)) == 20
    assert Counter(qid[0] for qid in first.question_ids) == {"a": 15, "b": 5}
    assert first.note == ""


def test_draw_says_plainly_when_the_bank_is_small():
    result = draw([("a1", "a"), ("a2", "a")], {"a": 1}, 5, seed=1)
    assert sorted(result.question_ids) == ["a1", "a2"]
    assert "only 2 questions" in result.note
    assert draw([("a1", "a"), ("b1", "b")], {"a": 1, "b": 1}, 5, domain="b").question_ids == ["b1"]


def test_answers_change_until_submission_and_scoring_is_all_or_nothing():
    clock = Clock()
    qs = [question("q1"), question("q2", "b", ["A", "C"]), question("q3", "b")]
    exam = Exam(qs, minutes=10, pass_percent=60, clock=clock)
    exam.answer({"B"})
    exam.answer({"A"})  # changed
    exam.go(1)
    exam.answer({"A"})  # half of a choose-two: wrong
    exam.toggle_flag()
    clock.advance(30)
    result = exam.submit()
    assert (result.correct, result.total, result.unanswered) == (1, 3, 1)
    assert result.per_domain["a"].correct == 1 and result.per_domain["b"].total == 2
    assert not result.passed and round(result.percent) == 33
    assert result.per_question_seconds["q2"] == 30
    exam.answer({"C"}, index=1)  # ignored after submission
    assert exam.items[1].chosen == {"A"}
    assert exam.flagged == [1]


def test_time_out_submits_by_itself():
    clock = Clock()
    exam = Exam([question("q1")], minutes=1, pass_percent=50, clock=clock)
    exam.answer({"A"})
    clock.advance(59)
    assert not exam.tick() and exam.remaining == pytest.approx(1)
    clock.advance(5)
    assert exam.tick()
    assert exam.result.timed_out and exam.result.passed and exam.result.seconds_used == 60
    assert exam.remaining == 0


def test_resume_keeps_answers_flags_and_remaining_time(tmp_path):
    clock = Clock()
    qs = [question("q1"), question("q2"), question("q3")]
    exams = ExamStore(Store.in_dir(tmp_path))
    exam = Exam(qs, minutes=5, pass_percent=70, clock=clock, persist=exams.persister(), seed=3)
    exam_id = exams.create("Bank", exam)
    exam.answer({"A"})
    clock.advance(40)
    exam.go(2)
    exam.toggle_flag()
    exam.answer({"B"})
    clock.advance(20)
    exam.tick()
    # the process dies here; a new one reads the same file
    again = ExamStore(Store.in_dir(tmp_path))
    assert again.open_exam_id() == exam_id
    later = Clock()
    resumed = again.resume(exam_id, {q.id: q for q in qs}, clock=later)
    assert [i.chosen for i in resumed.items] == [{"A"}, frozenset(), {"B"}]
    assert resumed.flagged == [2] and resumed.current == 2
    assert resumed.remaining == pytest.approx(5 * 60 - 60)
    later.advance(10)
    result = resumed.submit()
    assert result.correct == 1 and result.seconds_used == pytest.approx(70)
    [record] = again.history()
    assert record.finished and record.percent == pytest.approx(100 / 3) and record.per_domain == {"a": [1, 3]}
    assert again.open_exam_id() is None
    finals = [(a.mode, a.question_id, a.chosen) for a in again.store.answers()]
    assert finals == [
        ("exam", "q1", ("A",)),
        ("exam", "q3", ("B",)),
    ]  # one final answer per answered question


def test_history_csv_exports_every_answer(tmp_path):
    store = Store.in_dir(tmp_path)
    store.record_answer("q1", ["A"], True, 2.0)
    store.record_answer("q2", ["B", "C"], False, 3.0)
    out = tmp_path / "answers.csv"
    assert ExamStore(store).export_answers_csv(out) == 2
    lines = out.read_text().splitlines()
    assert lines[0].startswith("answered_at,mode,exam_id") and "B C" in lines[2]
