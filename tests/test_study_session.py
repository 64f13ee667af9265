"""Study sessions: choosing, all-or-nothing judging, recording before feedback, moving on."""

from __future__ import annotations

import pytest

from quizapp.bank import Question
from quizapp.study.session import NothingChosen, StudySession, practice_order, select


def question(qid="q", answer="B", tags=()):
    return Question.model_validate(
        {
            "id": qid,
            "title": "T",
            "domain": "d",
            "tags": list(tags),
            "scenario": "S",
            "prompt": "P",
            "options": [{"text": t, "why": "w"} for t in "abc"],
            "answer": answer,
            "explanation": "E",
        }
    )


def test_single_answer_flow_records_before_returning():
    recorded = []
    ticks = iter([0.0, 4.0, 4.0])
    session = StudySession([question(), question("q2")], record=recorded.append, clock=lambda: next(ticks))
    session.toggle("A")
    session.toggle("B")  # replaces, single answer
    result = session.submit()
    assert recorded == [result] and result.correct and result.seconds == 4.0
    assert session.advance() and session.position == "2 / 2"
    assert not session.advance()


def test_choose_two_is_all_or_nothing():
    session = StudySession([question(answer=["A", "C"])])
    session.toggle("A")
    session.toggle("B")
    session.toggle("B")  # toggled off again
    assert not StudySession([question(answer=["A", "C"])]).current.is_correct({"A"})
    session.toggle("C")
    assert session.submit().correct


def test_submit_needs_a_choice_and_unknown_options_fail():
    session = StudySession([question()])
    with pytest.raises(NothingChosen):
        session.submit()
    with pytest.raises(KeyError):
        session.toggle("Z")


def test_select_by_domain_and_tag():
    qs = [question("a", tags=["rnn"]), question("b")]
    assert [q.id for q in select(qs, tag="rnn")] == ["a"]
    assert [q.id for q in select(qs, domain="d")] == ["a", "b"]


def test_practice_picks_up_where_the_last_session_stopped():
    """Never-answered questions first in bank order, then the answered ones, the longest unseen first
    (ties keep bank order); a fresh history is bank order."""
    bank = [question(qid) for qid in ("a", "b", "c", "d", "e")]
    ids = lambda qs: [q.id for q in qs]  # noqa: E731
    assert ids(practice_order(bank, {})) == ["a", "b", "c", "d", "e"]
    assert ids(practice_order(bank, {"a": 30.0, "b": 10.0, "d": 20.0})) == ["c", "e", "b", "d", "a"]
    assert ids(practice_order(bank, {"c": 5.0, "a": 5.0})) == ["b", "d", "e", "a", "c"]
    every = {qid: float(n) for n, qid in enumerate("edcba")}
    assert ids(practice_order(bank, every)) == ["e", "d", "c", "b", "a"]
