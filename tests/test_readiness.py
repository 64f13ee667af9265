"""Readiness and the pass probability (issue 14): retrievability at the exam date per domain, and a
Monte Carlo estimate through the real exam draw, checked against exact computations on small banks."""

from __future__ import annotations

import itertools
import math
from datetime import UTC, date, datetime, timedelta

import pytest

from quizapp.exams import ExamOptions, plan_exam
from quizapp.memory import SCHEDULER, Memory
from quizapp.readiness import (
    DEFAULT_PRIOR,
    domain_readiness,
    exact_pass_probability,
    exam_moment,
    load_plan,
    needed_to_pass,
    pass_probability,
    poisson_binomial,
    recall_probabilities,
    save_plan,
    wilson,
)
from quizapp.store import Store

from .test_memory import DAY, T0, Wall, bank_of, question


def brute_force(probabilities: list[float], pass_percent: float) -> float:
    """P(pass) by summing over every right/wrong outcome."""
    total = 0.0
    n = len(probabilities)
    for outcome in itertools.product((0, 1), repeat=n):
        weight = math.prod(p if right else 1 - p for p, right in zip(probabilities, outcome, strict=True))
        if 100.0 * sum(outcome) / n >= pass_percent:
            total += weight
    return total


def test_wilson_interval():
    low, high = wilson(50, 100)
    assert (round(low, 4), round(high, 4)) == (0.4038, 0.5962)
    assert wilson(0, 10)[0] == 0.0 and 0.27 < wilson(0, 10)[1] < 0.28
    assert wilson(10, 10)[1] == pytest.approx(1.0)
    assert wilson(0, 0) == (0.0, 1.0)


def test_the_pass_mark_is_decided_as_the_exam_engine_decides_it():
    assert needed_to_pass(24, 70) == 17  # 16/24 is 66.7%, 17/24 is 70.8%
    assert needed_to_pass(10, 70) == 7  # exactly 70% passes
    assert needed_to_pass(4, 50) == 2
    assert needed_to_pass(5, 0) == 0


def test_exact_poisson_binomial_matches_brute_force_on_four_questions():
    probabilities = [0.9, 0.6, 0.3, 0.75]
    dist = poisson_binomial(probabilities)
    assert sum(dist) == pytest.approx(1.0)
    assert dist[4] == pytest.approx(0.9 * 0.6 * 0.3 * 0.75)
    for mark in (0, 25, 50, 70, 75, 100):
        assert exact_pass_probability(probabilities, mark) == pytest.approx(brute_force(probabilities, mark))


def probabilities_for(bank, values):
    return dict(zip([q for q, _, _ in bank.questions.entries], values, strict=True))


@pytest.mark.parametrize(
    ("values", "pass_percent"),
    [
        ([0.9, 0.6, 0.3, 0.75], 50),  # four questions: checked by enumeration too
        ([0.95, 0.9, 0.8, 0.7, 0.65, 0.6, 0.5, 0.45, 0.3, 0.2], 70),
    ],
)
def test_monte_carlo_agrees_with_the_exact_answer_when_the_exam_takes_every_question(values, pass_percent):
    n = len(values)
    bank = bank_of(
        [question(f"q{i}", "abc"[i % 3]) for i in range(n)],
        exam={"questions": n, "minutes": 2 * n, "pass_percent": pass_percent},
    )
    exact = exact_pass_probability(values, pass_percent)
    if n <= 10:
        assert exact == pytest.approx(brute_force(values, pass_percent))
    got = pass_probability(bank, probabilities_for(bank, values), draws=20_000, seed=11)
    assert got.questions == n and got.pass_percent == pass_percent
    assert got.low <= exact <= got.high
    assert abs(got.estimate - exact) < 4 * math.sqrt(exact * (1 - exact) / got.draws)
    assert got == pass_probability(bank, probabilities_for(bank, values), draws=20_000, seed=11)  # repeatable


@pytest.mark.parametrize("weights", [(1, 1), (3, 1)])
def test_monte_carlo_agrees_with_the_exact_average_over_every_draw_the_blueprint_allows(weights):
    """Two domains of three questions, exams of four: the engine allocates seats by weight, then
    draws uniformly within each domain; the exact value averages over every such draw."""
    values = {"a0": 0.9, "a1": 0.5, "a2": 0.2, "b0": 0.95, "b1": 0.7, "b2": 0.1}
    bank = bank_of(
        [question(qid, qid[0]) for qid in values],
        domains=("a", "b"),
        exam={"questions": 4, "minutes": 8, "pass_percent": 75},
        weights=weights,
    )
    seats = {"a": 3, "b": 1} if weights == (3, 1) else {"a": 2, "b": 2}
    plan = plan_exam(bank, ExamOptions(seed=1))
    assert not isinstance(plan, str)
    assert sum(q.startswith("a") for q in plan.question_ids) == seats["a"]
    combos = [
        a + b
        for a in itertools.combinations(["a0", "a1", "a2"], seats["a"])
        for b in itertools.combinations(["b0", "b1", "b2"], seats["b"])
    ]
    exact = sum(exact_pass_probability([values[q] for q in combo], 75) for combo in combos) / len(combos)
    got = pass_probability(bank, values, draws=20_000, seed=3)
    assert got.low <= exact <= got.high
    assert abs(got.estimate - exact) < 4 * math.sqrt(exact * (1 - exact) / got.draws)


def test_readiness_is_mean_retrievability_at_the_exam_date_with_unseen_questions_at_the_prior(tmp_path):
    bank = bank_of([question(f"{d}{i}", d) for d in "ab" for i in range(2)], domains=("a", "b", "c"))
    wall = Wall()
    store = Store.in_dir(tmp_path)
    memory = Memory.for_bank(store, bank, wall=wall)
    memory.record(bank.question("a0"), ["A"], 100)  # Good
    memory.record(bank.question("a1"), ["B"], 100)  # Again
    memory.record(bank.question("b0"), ["A"], 30, confidence=3)  # Easy
    cards = memory.cards()
    exam_day = exam_moment(date(2027, 3, 31), UTC)
    assert exam_day == datetime(2027, 3, 31, 9, tzinfo=UTC)
    p = recall_probabilities(cards, ["a0", "a1", "b0", "b1"], exam_day, prior=0.4)
    elapsed = (exam_day - datetime.fromtimestamp(T0, UTC)).days
    assert elapsed == 30
    factor = 0.9 ** (1 / -SCHEDULER.parameters[20]) - 1  # FSRS-6's forgetting curve
    for qid, stability in (("a0", 2.3065), ("a1", 0.212), ("b0", 8.2956)):
        assert p[qid] == pytest.approx((1 + factor * elapsed / stability) ** -SCHEDULER.parameters[20])
    assert p["b1"] == 0.4
    assert p["b0"] > p["a0"] > p["a1"]
    domains = domain_readiness(bank, p, store.answers())
    assert [(d.id, d.questions, d.seen, d.answered, d.correct) for d in domains] == [
        ("a", 2, 2, 2, 1),
        ("b", 2, 1, 1, 1),
        ("c", 0, 0, 0, 0),
    ]
    assert domains[0].readiness == pytest.approx((p["a0"] + p["a1"]) / 2)
    assert domains[1].readiness == pytest.approx((p["b0"] + 0.4) / 2)
    assert domains[2].readiness is None and domains[2].accuracy is None
    assert all(0 <= d.as_json()["readiness"] <= 1 for d in domains[:2])
    later = recall_probabilities(cards, ["a0"], exam_day + timedelta(days=30))
    assert later["a0"] < p["a0"]  # memory fades: a later exam finds less of it
    wall.advance(29 * DAY)
    memory.record(bank.question("a1"), ["A"], 100)  # studied the day before: ready on the day
    assert recall_probabilities(memory.cards(), ["a1"], exam_day)["a1"] > 0.9


def test_the_plan_stores_the_exam_date_and_the_prior(tmp_path):
    store = Store.in_dir(tmp_path)
    assert load_plan(store).exam_date is None and load_plan(store).prior == DEFAULT_PRIOR == 0.5
    save_plan(store, exam_date=date(2027, 5, 1))
    assert save_plan(store, prior=0.35) == load_plan(store)
    assert (load_plan(store).exam_date, load_plan(store).prior) == (date(2027, 5, 1), 0.35)
    with pytest.raises(ValueError, match="probability"):
        save_plan(store, prior=1.5)


def test_more_readiness_means_a_higher_pass_probability():
    bank = bank_of(
        [question(f"q{i}", "abc"[i % 3]) for i in range(12)],
        exam={"questions": 6, "minutes": 12, "pass_percent": 70},
    )
    estimates = [
        pass_probability(bank, probabilities_for(bank, [level] * 12), draws=2000, seed=0).estimate
        for level in (0.3, 0.6, 0.9)
    ]
    assert estimates[0] < estimates[1] < estimates[2]
    assert estimates[2] == pytest.approx(exact_pass_probability([0.9] * 6, 70), abs=0.04)
    with pytest.raises(ValueError):
        pass_probability(bank, {}, draws=0)


def test_stats_aim_at_the_stored_exam_date_until_it_has_passed(tmp_path):
    from quizapp.stats import build_stats, text_lines

    bank = bank_of([question(f"q{i}", "abc"[i % 3]) for i in range(6)])
    wall = Wall()
    store = Store.in_dir(tmp_path)
    Memory.for_bank(store, bank, wall=wall).record(bank.question("q0"), ["A"], 100)
    save_plan(store, exam_date=date(2027, 3, 31), prior=0.3)
    now = datetime.fromtimestamp(T0, UTC)
    stats = build_stats(bank, store, now=now, tz=UTC, draws=200)
    assert stats.exam_date == date(2027, 3, 31) and stats.prior == 0.3
    assert stats.questions[0].at_target < 1.0 and stats.questions[1].at_target == 0.3
    assert stats.readiness == pytest.approx((stats.questions[0].at_target + 5 * 0.3) / 6)
    after = build_stats(bank, store, now=now + timedelta(days=40), tz=UTC, draws=200)
    assert (after.exam_date, after.passed_date) == (None, date(2027, 3, 31))  # over: as of now
    assert "has passed" in text_lines(after, UTC)[1]
    sooner = build_stats(bank, store, exam_date=date(2027, 3, 2), now=now, tz=UTC, draws=200)
    assert sooner.questions[0].at_target > stats.questions[0].at_target
