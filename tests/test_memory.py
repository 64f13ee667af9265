"""Memory (issue 14): rating answers, FSRS cards kept by replaying answers, the due order and
forecast, certainty-based marking, calibration, misconceptions, predictions, and schema v4.
Every clock is injected; nothing sleeps."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fsrs import Card, Rating, State

from quizapp.bank import Bank, Manifest, Question, QuestionList, load_bank
from quizapp.exam_store import ExamStore
from quizapp.exams import ExamOptions, begin_exam, plan_exam
from quizapp.memory import SCHEDULER, Memory, replay, study_order
from quizapp.misconceptions import misconception_session, rank
from quizapp.predictions import Predictions, estimate_right, scale_of, summarize
from quizapp.store import MIGRATIONS, Store, WrongPick
from quizapp.study.due import due_order, end_of_day, forecast
from quizapp.study.rating import (
    CalibrationLevel,
    calibration,
    cbm_mark,
    cbm_score,
    exam_cbm,
    rate,
    typical_seconds,
)
from quizapp.study.session import StudySession

DAY = 86_400.0
T0 = datetime(2027, 3, 1, 9, 0, tzinfo=UTC).timestamp()
"""A Monday, 09:00 UTC."""


class Wall:
    """A wall clock the test moves by hand (epoch seconds)."""

    def __init__(self, start: float = T0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def question(qid: str, domain: str = "a", answer: str | list[str] = "A", violates=None) -> Question:
    violates = violates or {"B": ["exact"], "C": ["exact", "budget"]}
    return Question.model_validate(
        {
            "id": qid,
            "title": "T",
            "domain": domain,
            "scenario": "S",
            "requirements": [
                {"id": "exact", "text": f"{qid} exact"},
                {"id": "budget", "text": f"{qid} budget"},
            ],
            "prompt": "P",
            "options": [
                {"text": t, "why": "w", "violates": violates.get(oid, [])}
                for oid, t in zip("ABCD", "abcd", strict=True)
            ],
            "answer": answer,
            "explanation": "E",
        }
    )


def bank_of(questions: list[Question], domains=("a", "b", "c"), exam=None, weights=None) -> Bank:
    """A bank in memory: these questions, these domains (equal weights unless given), these exam settings."""
    manifest = Manifest.model_validate(
        {
            "title": "Tiny",
            "exam": exam or {"questions": 4, "minutes": 8, "pass_percent": 50},
            "domains": [
                {"id": d, "title": d.upper(), "weight": (weights or [1] * len(domains))[i]}
                for i, d in enumerate(domains)
            ],
        }
    )
    return Bank(Path("."), manifest, QuestionList([q.model_dump(exclude_none=True) for q in questions]))


# -- the rating policy ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("correct", "seconds", "confidence", "expected"),
    [
        (False, 10, 3, Rating.Again),  # wrong is Again, however sure
        (False, 500, None, Rating.Again),
        (True, 100, 1, Rating.Hard),  # right but unsure
        (True, 181, 2, Rating.Hard),  # right but slow (over 1.5 x 120 s)
        (True, 181, 3, Rating.Hard),
        (True, 100, None, Rating.Good),
        (True, 100, 2, Rating.Good),
        (True, 100, 3, Rating.Good),  # sure, but not fast
        (True, 60, 3, Rating.Easy),  # right, fast (within half the typical time) and sure
        (True, 10, None, Rating.Good),  # fast, but no stated certainty
        (True, 10, 2, Rating.Good),
    ],
)
def test_rating_policy(correct, seconds, confidence, expected):
    assert rate(correct, seconds, 120.0, confidence) == expected


def test_typical_time_is_the_banks_minutes_per_question():
    bank = load_bank(Path(__file__).parent.parent / "question_bank").bank
    assert bank is not None
    assert typical_seconds(bank.manifest.exam) == 120.0  # 48 minutes for 24 questions
    with pytest.raises(ValueError, match="confidence"):
        rate(True, 1, 120, 4)


# -- scheduling ----------------------------------------------------------------------------------


def test_each_rating_schedules_in_whole_days_with_fsrs_default_parameters(tmp_path):
    wall = Wall()
    memory = Memory(Store.in_dir(tmp_path), typical=120.0, wall=wall)
    q = {n: question(n) for n in ("again", "hard", "good", "easy")}
    memory.record(q["again"], ["B"], 50)
    memory.record(q["hard"], ["A"], 50, confidence=1)
    memory.record(q["good"], ["A"], 50)
    memory.record(q["easy"], ["A"], 30, confidence=3)
    cards = memory.cards()
    start = datetime.fromtimestamp(T0, UTC)
    days = {n: (c.due - start) / timedelta(days=1) for n, c in cards.items()}
    # first-review stabilities are FSRS-6's w0..w3; with 90% retention the interval is the stability
    assert days == {"again": 1, "hard": 1, "good": 2, "easy": 8}
    assert [round(cards[n].stability, 4) for n in ("again", "hard", "good", "easy")] == [
        0.212,
        1.2931,
        2.3065,
        8.2956,
    ]
    assert all(c.state == State.Review for c in cards.values())  # no minute-long learning steps

    wall.advance(2 * DAY)  # good is due: right again, its stability grows
    after = memory.record(q["good"], ["A"], 50).card
    assert after.stability > 2.3065 * 2 and after.due > datetime.fromtimestamp(wall.now + 4 * DAY, UTC)
    wall.advance(DAY)
    lapsed = memory.record(q["easy"], ["C"], 50).card  # a lapse: back tomorrow, stability falls
    assert lapsed.due == datetime.fromtimestamp(wall.now + DAY, UTC)
    assert lapsed.stability < 8.2956


def test_the_cached_card_is_what_replaying_the_answers_gives(tmp_path):
    wall = Wall()
    store = Store.in_dir(tmp_path)
    memory = Memory(store, wall=wall)
    q = question("q1")
    picks = [["B"], ["A"], ["A"], ["C"], ["A"], ["A"]]
    for i, pick in enumerate(picks):
        memory.record(q, pick, 40 + 30 * i, confidence=[None, 1, 2, 3][i % 4])
        wall.advance(DAY * (i + 1) + 3600 * i)
    cached = memory.card("q1")
    replayed = replay("q1", store.answers("q1"))
    assert cached == replayed
    store.db.execute("DELETE FROM cards")  # the cache can go at any time
    assert memory.card("q1") == cached


def test_an_override_recomputes_the_card_exactly(tmp_path):
    wall = Wall()
    store = Store.in_dir(tmp_path)
    memory = Memory(store, wall=wall)
    q = question("q1")
    ids = []
    for pick in (["A"], ["A"], ["A"]):
        ids.append(memory.record(q, pick, 100).answer_id)
        wall.advance(3 * DAY)
    before = memory.card("q1")
    after = memory.override(ids[0], 4)  # the learner says the first one was Easy, not Good
    assert after != before and after.stability > before.stability
    assert store.answers("q1")[0].rating_override == 4 and store.answers("q1")[0].rating == 3

    other = Memory(Store.in_dir(tmp_path / "other"), wall=Wall())  # as if rated Easy at the time
    other.record(q, ["A"], 30, confidence=3)
    for _ in range(2):
        other.wall.advance(3 * DAY)  # type: ignore[attr-defined]
        other.record(q, ["A"], 100)
    assert other.card("q1") == after
    assert memory.override(ids[0], None) == before  # back to the automatic rating
    with pytest.raises(KeyError):
        memory.override(999, 3)
    with pytest.raises(ValueError, match="rating"):
        memory.override(ids[0], 5)


def test_answers_stored_without_a_rating_are_folded_in_when_cards_are_read(tmp_path):
    store = Store.in_dir(tmp_path)
    store.record_answer("q1", ["A"], True, 10)  # the path the current question screen uses
    store.record_answer("q2", ["B"], False, 10)
    cards = Memory(store).cards()
    assert cards["q1"].stability == pytest.approx(2.3065)  # Good
    assert cards["q2"].stability == pytest.approx(0.212)  # Again


def test_a_submitted_exam_updates_cards_and_an_open_one_does_not(tmp_path):
    bank = bank_of([question(f"q{i}", "abc"[i % 3]) for i in range(6)])
    wall = Wall()
    store = Store.in_dir(tmp_path)
    exams = ExamStore(store, wall=wall)
    memory = Memory.for_bank(store, bank, wall=wall)
    plan = plan_exam(bank, ExamOptions(questions=4, seed=3))
    assert not isinstance(plan, str)
    clock = Wall(0.0)
    exam = begin_exam(bank, exams, plan, clock=clock)
    exam.answer(frozenset({"A"}), 0)
    exam.set_confidence(3, 0)
    resumed = exams.resume(exam.exam_id, {q.id: q for q in bank.questions})
    assert resumed.items[0].confidence == 3  # saved at once
    exam.answer(frozenset({"C"}), 1)
    assert memory.cards() == {}  # sealed: an open exam's answers are nobody's business yet
    assert study_order(bank, store, wall=wall, seed=1) == [
        q for q, _, _ in bank.questions.entries if q not in plan.question_ids
    ]
    clock.advance(30)
    exam.submit()
    cards = memory.cards()
    assert set(cards) == set(plan.question_ids[:2])
    first, second = store.answers()
    assert (first.confidence, first.rating, second.rating) == (3, 4, 1)  # 30 s of a 120 s pace, sure: Easy
    assert exam_cbm(exam).total == 3  # +3 sure and right, 0 for the rest (unstated, or unanswered)
    assert second.wrong_picks == (WrongPick("C", ("exact", "budget")),)


def test_editing_a_question_keeps_its_card(tmp_path, make_bank):
    from .conftest import GOOD_QUESTION

    root = make_bank({"sequence-models/good-one.yaml": GOOD_QUESTION})
    store = Store.in_dir(tmp_path / "data")
    bank = load_bank(root).bank
    memory = Memory.for_bank(store, bank)
    memory.record(bank.question("good-one"), ["B"], 60)
    card = memory.card("good-one")
    (root / "sequence-models/good-one.yaml").write_text(
        GOOD_QUESTION.replace("A scenario.", "A reworded scenario.")
    )
    edited = load_bank(root).bank
    assert edited.question("good-one").scenario == "A reworded scenario."
    assert Memory.for_bank(store, edited).card("good-one") == card


# -- what to study next --------------------------------------------------------------------------


def at(day: float, hour: float = 9) -> datetime:
    return datetime.fromtimestamp(T0 + day * DAY + (hour - 9) * 3600, UTC)


def card(due: datetime) -> Card:
    return Card(
        card_id=1,
        state=State.Review,
        stability=3.0,
        difficulty=5.0,
        due=due,
        last_review=due - timedelta(days=3),
    )


def test_due_order_due_first_most_overdue_first_then_new_taking_turns_across_domains():
    index = [(f"{d}{i}", d) for d in "abc" for i in range(4)]
    now = at(10)
    cards = {
        "a0": card(at(9)),  # 1 day overdue
        "b0": card(at(6)),  # 4 days overdue
        "c0": card(at(9, 8)),  # 1 day overdue, earlier
        "a1": card(at(10, 20)),  # later today: due today
        "b1": card(at(11)),  # tomorrow: not due
        "c1": card(at(15)),
    }
    order = due_order(cards, index, now, seed=5, tz=UTC)
    assert order[:4] == ["b0", "c0", "a0", "a1"]
    new = order[4:]
    assert sorted(new) == sorted(q for q, _ in index if q not in cards)
    domains = [q[0] for q in new]
    assert all(domains[i] != domains[i + 1] for i in range(len(domains) - 3))  # turns across domains
    assert order == due_order(cards, index, now, seed=5, tz=UTC)  # deterministic
    assert {tuple(due_order(cards, index, now, seed=s, tz=UTC)[4:]) for s in range(6)} != {tuple(new)}
    assert due_order(cards, index, now, seed=5, limit=6, tz=UTC) == order[:6]
    assert due_order(cards, index, now, seed=5, new_limit=2, tz=UTC) == order[:6]
    assert "b0" not in due_order(cards, index, now, seed=5, exclude={"b0"}, tz=UTC)
    assert due_order(cards, [(q, d) for q, d in index if q != "b0"], now, tz=UTC)[0] == "c0"  # left the bank


def test_forecast_counts_due_today_new_and_the_next_seven_days():
    now = at(0, 10)
    assert end_of_day(now, UTC) == datetime(2027, 3, 2, tzinfo=UTC)
    cards = {
        "a": card(at(-2)),
        "b": card(at(0, 23)),
        "c": card(at(1)),
        "d": card(at(1, 22)),
        "e": card(at(7)),
        "f": card(at(9)),
    }
    ids = ["a", "b", "c", "d", "e", "f", "g", "h"]
    got = forecast(cards, ids, now, tz=UTC)
    assert (got.today, got.new) == (2, 2)
    assert [n for _, n in got.days] == [2, 0, 0, 0, 0, 0, 1]
    assert got.days[0][0].isoformat() == "2027-03-02" and got.week == 3
    assert got.as_json()["days"][6] == {"date": "2027-03-08", "due": 1}
    assert got.next_due == at(-2)  # the earliest card, overdue or not
    assert forecast({}, ids, now, tz=UTC).next_due is None


def test_study_order_on_the_store_puts_yesterdays_mistakes_first(tmp_path):
    bank = bank_of([question(f"{d}{i}", d) for d in "abc" for i in range(3)])
    wall = Wall()
    store = Store.in_dir(tmp_path)
    memory = Memory.for_bank(store, bank, wall=wall)
    first = study_order(bank, store, wall=wall, tz=UTC, limit=4)
    assert len(first) == 4 and len({q[0] for q in first[:3]}) == 3
    for qid in first:
        memory.record(bank.question(qid), ["B" if qid == first[1] else "A"], 100, scheduled=True)
    wall.advance(DAY)
    again = study_order(bank, store, wall=wall, tz=UTC)
    assert again[0] == first[1]  # the mistake is due; the right ones are not yet
    assert set(again[1:]) == {q for q, _, _ in bank.questions.entries} - set(first)
    assert {qid[0] for qid in study_order(bank, store, wall=wall, tz=UTC, domain="a")} == {"a"}
    assert all(a.scheduled for a in store.answers())


# -- confidence, certainty-based marking, calibration -----------------------------------------------


def test_certainty_based_marks_follow_gardner_medwin():
    assert [cbm_mark(True, c) for c in (1, 2, 3)] == [1, 2, 3]
    assert [cbm_mark(False, c) for c in (1, 2, 3)] == [0, -2, -6]
    assert (cbm_mark(True, None), cbm_mark(False, None)) == (1, 0)  # unstated counts at level 1
    score = cbm_score([(True, 3), (False, 3), (True, 2), (False, 1)])
    assert (score.total, score.answered, score.correct, score.mean) == (-1, 4, 2, -0.25)
    assert cbm_score([]).mean is None


def test_calibration_is_accuracy_per_confidence_level(tmp_path):
    store = Store.in_dir(tmp_path)
    memory = Memory(store, wall=Wall())
    q = question("q1")
    for pick, confidence in [("A", 3), ("B", 3), ("A", 3), ("A", 3), ("A", 1), ("B", 1), ("A", None)]:
        memory.record(q, [pick], 50, confidence=confidence)
    levels = calibration(store.answers())
    assert [(lv.confidence, lv.answered, lv.correct) for lv in levels] == [(1, 2, 1), (2, 0, 0), (3, 4, 3)]
    assert [lv.verdict for lv in levels] == ["calibrated", "", "over-confident"]  # 75% < 80% at "sure"
    assert CalibrationLevel(1, 10, 9).verdict == "under-confident"


def test_a_study_session_carries_the_stated_confidence_and_forgets_it_on_the_next_question():
    session = StudySession([question("q1"), question("q2")], clock=Wall(0.0))
    session.set_confidence(2)
    session.toggle("A")
    assert session.submit().confidence == 2
    session.advance()
    session.toggle("A")
    assert session.submit().confidence is None
    with pytest.raises(ValueError, match="confidence"):
        session.set_confidence(0)


# -- misconceptions --------------------------------------------------------------------------------


def test_misconceptions_rank_broken_requirements_and_repeated_distractors(tmp_path):
    wall = Wall()
    store = Store.in_dir(tmp_path)
    memory = Memory(store, wall=wall)
    qs = {n: question(n) for n in ("q1", "q2", "q3")}
    for qid, pick in [("q1", "C"), ("q1", "C"), ("q2", "B"), ("q3", "D"), ("q2", "A"), ("q1", "B")]:
        memory.record(qs[qid], [pick], 50)
        wall.advance(60)
    ranking = rank(store.answers())
    assert [(r.requirement, r.count, r.questions) for r in ranking.requirements] == [
        ("exact", 4, {"q1": 3, "q2": 1}),
        ("budget", 2, {"q1": 2}),
    ]
    top = ranking.distractors[0]
    assert (top.question_id, top.option, top.count, top.repeated, top.still_missed) == (
        "q1",
        "C",
        2,
        True,
        True,
    )
    q2 = next(d for d in ranking.distractors if d.question_id == "q2")
    assert not q2.still_missed  # answered right since
    assert ranking.question_ids() == ["q1", "q2", "q3"]
    assert misconception_session(bank_of([qs["q3"], qs["q1"]]), store) == ["q1", "q3"]
    assert ranking.question_ids(known={"q2", "q3"}) == ["q2", "q3"]
    assert ranking.as_json(top=1)["requirements"][0]["questions"][0] == {"id": "q1", "count": 3, "text": None}


def test_answers_from_before_wrong_picks_were_recorded_are_read_against_the_bank(tmp_path):
    bank = bank_of([question("q1")])
    store = Store.in_dir(tmp_path)
    store.record_answer("q1", ["C"], False, 10)
    store.record_answer("gone", ["C"], False, 10)  # no longer in the bank: nothing to read it against
    ranking = rank(store.answers(), bank)
    assert [(r.requirement, r.texts) for r in ranking.requirements] == [  # a tie: by id
        ("budget", {"q1": "q1 budget"}),
        ("exact", {"q1": "q1 exact"}),
    ]


# -- predictions -----------------------------------------------------------------------------------


def test_estimates_count_within_25_percent_or_a_factor_of_two_on_a_log_scale():
    assert estimate_right(12.4, 10.0) and estimate_right(7.5, 10.0) and not estimate_right(12.6, 10.0)
    assert estimate_right(-9.0, -10.0) and not estimate_right(0.1, 0.0) and estimate_right(0.0, 0.0)
    assert estimate_right(2e-3, 1e-3, "log") and estimate_right(5e-4, 1e-3, "log")
    assert not estimate_right(2.1e-3, 1e-3, "log") and not estimate_right(1e-3, 1e-3 * 2.1, "log")
    assert estimate_right(-1.0, -1.1, "log")  # not positive: the linear rule applies

    import sims

    assert scale_of(sims.get("rnn-gradient-decay")) == "log"
    assert scale_of(object()) == "linear"


def test_a_prediction_is_committed_before_the_run_and_graded_by_it(tmp_path):
    wall = Wall()
    predictions = Predictions(Store.in_dir(tmp_path), wall=wall)
    made = predictions.commit("kv-cache-size", {"layers": 32}, True, estimate=10.0, headline="gib")
    wall.advance(5)
    graded = predictions.grade(made, True, {"gib": 12.0, "other": 1})
    assert (graded.holds_right, graded.estimate_right, graded.actual_value) == (True, True, 12.0)
    assert graded.at == T0 and graded.graded == T0 + 5
    wrong = predictions.grade(predictions.commit("x", {}, False), True, {})
    assert (wrong.holds_right, wrong.estimate_right, wrong.actual_holds) == (False, None, True)
    missing = predictions.grade(
        predictions.commit("x", {}, True, estimate=1.0, headline="nope"), True, {"a": 1}
    )
    assert missing.estimate_right is None  # the run did not measure it: not graded either way
    predictions.commit("x", {}, True)  # never graded (cancelled)
    summary = summarize(predictions.all())
    assert (
        summary.made,
        summary.graded,
        summary.holds_right,
        summary.estimates,
        summary.estimates_right,
    ) == (4, 3, 2, 1, 1)
    with pytest.raises(ValueError, match="headline"):
        predictions.commit("x", {}, True, estimate=1.0)
    with pytest.raises(KeyError):
        predictions.grade(99, True, {})


# -- schema version 4 ------------------------------------------------------------------------------


def test_a_version_3_file_with_answers_and_exams_upgrades_to_cards(tmp_path):
    path = tmp_path / "quizapp.sqlite3"
    db = sqlite3.connect(path)
    for script in MIGRATIONS[:3]:
        db.executescript(script)
    db.execute("PRAGMA user_version = 3")
    db.execute(
        "INSERT INTO sessions(id, mode, bank, started, ended) VALUES (1, 'study', 'Tiny', ?, ?)",
        (T0, T0 + 60),
    )
    db.executemany(
        "INSERT INTO answers(session_id, question_id, chosen, correct, seconds, mode, answered_at, exam_id)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (1, "q1", '["B"]', 0, 40.0, "study", T0, None),
            (1, "q1", '["A"]', 1, 50.0, "study", T0 + 2 * DAY, None),
            (None, "q2", '["A"]', 1, 30.0, "exam", T0 + 3 * DAY, 1),
        ],
    )
    db.execute(
        "INSERT INTO exams(id, bank, question_ids, minutes, pass_percent, started, finished, correct, total,"
        " percent, passed, timed_out, per_domain, status) VALUES (1, 'Tiny', '[\"q2\", \"q3\"]', 4, 50, ?, ?, 1,"
        " 2, 50.0, 1, 0, '{}', 'submitted')",
        (T0 + 3 * DAY - 100, T0 + 3 * DAY),
    )
    db.executemany(
        "INSERT INTO exam_items(exam_id, position, question_id, chosen, score) VALUES (1, ?, ?, ?, ?)",
        [(0, "q2", '["A"]', 1.0), (1, "q3", "[]", 0.0)],
    )
    db.commit()
    db.close()

    store = Store(path)
    assert store.schema_version == len(MIGRATIONS) >= 4
    answers = store.answers()
    assert [
        (a.question_id, a.correct, a.rating, a.confidence, a.scheduled, a.wrong_picks) for a in answers
    ] == [
        ("q1", False, None, None, False, None),
        ("q1", True, None, None, False, None),
        ("q2", True, None, None, False, None),
    ]
    cards = Memory(store).cards()
    assert cards["q1"] == replay("q1", answers[:2]) and cards["q2"].stability == pytest.approx(2.3065)
    assert ExamStore(store).history()[0].correct == 1  # the exam is as it was
    assert rank(answers, bank_of([question("q1")])).requirements[0].requirement == "exact"
    store.set_setting("exam_date", "2027-04-01")
    store.close()
    again = Store(path)  # reopening migrates nothing twice
    assert again.setting("exam_date") == "2027-04-01" and len(again.answers()) == 3
    assert again.query("SELECT COUNT(*) FROM cards") == [(2,)]


def test_the_scheduler_is_deterministic():
    assert (
        SCHEDULER.enable_fuzzing is False
        and SCHEDULER.learning_steps == ()
        and SCHEDULER.relearning_steps == ()
    )
