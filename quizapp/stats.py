"""`quizapp stats`: readiness per domain, the pass probability, what is due, calibration,
certainty-based marks, predictions and misconceptions, as JSON or as a readable table. Core module:
the TUI can show the same :class:`Stats`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Any

from fsrs import Card

from .bank import Bank
from .memory import SCHEDULER, Memory, Wall
from .misconceptions import Misconceptions, rank
from .predictions import Prediction, Predictions, PredictionSummary, summarize
from .readiness import (
    DomainReadiness,
    PassEstimate,
    domain_readiness,
    exam_moment,
    load_plan,
    pass_probability,
    recall_probabilities,
)
from .store import Answer, Store
from .study.due import DueForecast, forecast, local_date
from .study.rating import CBM_BANDS, CONFIDENCE_NAMES, CalibrationLevel, CbmScore, calibration, cbm_score

STATES = {1: "learning", 2: "review", 3: "relearning"}


@dataclass(frozen=True)
class QuestionMemory:
    """One question's memory state for `stats --json`."""

    id: str
    domain: str
    answered: int
    correct: int
    card: Card | None
    retrievability: float | None
    """FSRS's chance of recall now (None for a question never answered)."""
    at_target: float
    """The chance of being right at the target date (the prior for a question never answered)."""

    def as_json(self) -> dict[str, Any]:
        """For `stats --json`."""
        card = self.card
        return {
            "id": self.id,
            "domain": self.domain,
            "answered": self.answered,
            "correct": self.correct,
            "state": STATES.get(int(card.state), "new") if card else "new",
            "stability": None if card is None or card.stability is None else round(card.stability, 4),
            "difficulty": None if card is None or card.difficulty is None else round(card.difficulty, 4),
            "retrievability": None if self.retrievability is None else round(self.retrievability, 4),
            "retrievability_at_target": round(self.at_target, 4),
            "due": card.due.isoformat() if card else None,
            "last_review": card.last_review.isoformat() if card and card.last_review else None,
        }


@dataclass(frozen=True)
class Stats:
    """Everything `quizapp stats` reports, computed at ``now`` for the target date."""

    bank_title: str
    now: datetime
    exam_date: date | None
    """The exam date readiness aims at; None: readiness is as of now."""
    prior: float
    domains: list[DomainReadiness]
    readiness: float | None
    pass_estimate: PassEstimate
    due: DueForecast
    calibration: list[CalibrationLevel]
    cbm: CbmScore
    first_try_accuracy: float | None
    """How often the first answer to a question was right: an informed value for the prior."""
    misconceptions: Misconceptions
    predictions: list[Prediction]
    prediction_summary: PredictionSummary
    questions: list[QuestionMemory]
    answers: dict[str, int]
    """How many answers were scheduled reviews (`study --due`), practice, and final exam answers."""
    passed_date: date | None = None
    """The planned exam date when it has passed (readiness is then as of now)."""

    def as_json(self) -> dict[str, Any]:
        """The object `quizapp stats --json` prints."""
        return {
            "bank": self.bank_title,
            "now": self.now.isoformat(),
            "exam_date": self.exam_date.isoformat() if self.exam_date else None,
            "exam_date_passed": self.passed_date.isoformat() if self.passed_date else None,
            "prior": self.prior,
            "readiness": None if self.readiness is None else round(self.readiness, 4),
            "domains": [d.as_json() for d in self.domains],
            "pass_probability": self.pass_estimate.as_json(),
            "due": self.due.as_json(),
            "calibration": [level.as_json() for level in self.calibration],
            "cbm": self.cbm.as_json(),
            "first_try_accuracy": None
            if self.first_try_accuracy is None
            else round(self.first_try_accuracy, 4),
            "misconceptions": self.misconceptions.as_json(top=20),
            "predictions": {
                **self.prediction_summary.as_json(),
                "recent": [p.as_json() for p in self.predictions[-20:]],
            },
            "answers": self.answers,
            "questions": [q.as_json() for q in self.questions],
        }


def build_stats(
    bank: Bank,
    store: Store,
    *,
    exam_date: date | None = None,
    now: datetime | None = None,
    tz: tzinfo | None = None,
    draws: int = 4000,
    seed: int = 0,
    wall: Wall = time.time,
) -> Stats:
    """The stats at ``now`` (the wall clock by default) for ``exam_date`` (the stored one when None;
    with neither, or when that date has passed, readiness is as of now). The pass probability uses a fixed ``seed``, so the same
    history always reports the same number."""
    memory = Memory.for_bank(store, bank, wall=wall)
    moment = now or memory.now()
    plan = load_plan(store)
    target_date = exam_date or plan.exam_date
    passed = None
    if target_date is not None and target_date < local_date(moment, tz):
        passed, target_date = target_date, None  # the exam is over: as of now until a new date is planned
    target = exam_moment(target_date, tz) if target_date else moment
    cards = memory.cards()
    ids = [qid for qid, _, _ in bank.questions.entries]
    known = set(ids)
    answers = [a for a in store.answers() if a.question_id in known]
    probabilities = recall_probabilities(cards, ids, target, plan.prior)
    domains = domain_readiness(bank, probabilities, answers)
    return Stats(
        bank.title,
        moment,
        target_date,
        plan.prior,
        domains,
        sum(probabilities.values()) / len(probabilities) if probabilities else None,
        pass_probability(bank, probabilities, draws=draws, seed=seed),
        forecast(cards, ids, moment, tz=tz),
        calibration(answers),
        cbm_score((a.correct, a.confidence) for a in answers),
        _first_try_accuracy(answers),
        rank(answers, bank),
        Predictions(store).all(),
        summarize(Predictions(store).all()),
        _questions(bank, cards, answers, probabilities, moment),
        {
            "scheduled": sum(a.scheduled for a in answers),
            "practice": sum(not a.scheduled and a.exam_id is None for a in answers),
            "exam": sum(a.exam_id is not None for a in answers),
        },
        passed,
    )


def _first_try_accuracy(answers: list[Answer]) -> float | None:
    firsts: dict[str, bool] = {}
    for answer in answers:
        firsts.setdefault(answer.question_id, answer.correct)
    return sum(firsts.values()) / len(firsts) if firsts else None


def _questions(
    bank: Bank, cards: dict[str, Card], answers: list[Answer], at_target: dict[str, float], now: datetime
) -> list[QuestionMemory]:
    tally: dict[str, list[int]] = {}
    for answer in answers:
        entry = tally.setdefault(answer.question_id, [0, 0])
        entry[0] += 1
        entry[1] += int(answer.correct)
    out = []
    for qid, domain, _ in bank.questions.entries:
        card = cards.get(qid)
        n, right = tally.get(qid, [0, 0])
        recall = float(SCHEDULER.get_card_retrievability(card, now)) if card else None
        out.append(QuestionMemory(qid, domain, n, right, card, recall, at_target[qid]))
    return out


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.0f}%"


def text_lines(stats: Stats, tz: tzinfo | None = None) -> list[str]:
    """The readable report `quizapp stats` prints."""
    lines = [stats.bank_title]
    if stats.exam_date:
        days = (stats.exam_date - local_date(stats.now, tz)).days
        when = f"exam on {stats.exam_date.isoformat()} ({days} day{'s' if days != 1 else ''} away)"
    elif stats.passed_date:
        when = (
            f"the exam on {stats.passed_date.isoformat()} has passed (`quizapp plan --exam-date` sets the"
            " next one): readiness is as of now"
        )
    else:
        when = "no exam date (`quizapp plan --exam-date YYYY-MM-DD` sets one): readiness is as of now"
    lines.append(f"{when}; questions never answered count at {stats.prior:.2f}")
    lines.append("")
    header = ("domain", "questions", "answers", "accuracy", "readiness")
    rows = [
        (d.title, str(d.questions), str(d.answered), _pct(d.accuracy), _pct(d.readiness))
        for d in stats.domains
    ]
    total_answered = sum(d.answered for d in stats.domains)
    total_correct = sum(d.correct for d in stats.domains)
    rows.append(
        (
            "all domains",
            str(sum(d.questions for d in stats.domains)),
            str(total_answered),
            _pct(total_correct / total_answered if total_answered else None),
            _pct(stats.readiness),
        )
    )
    width = max(len(r[0]) for r in [header, *rows])
    for row in [header, *rows]:
        lines.append(f"{row[0]:<{width}}  " + "  ".join(f"{c:>9}" for c in row[1:]))
    p = stats.pass_estimate
    lines.append("")
    lines.append(
        f"pass probability {100 * p.estimate:.1f}% (95% interval {100 * p.low:.1f}–{100 * p.high:.1f}%):"
        f" {p.draws} simulated exams of {p.questions} questions, pass mark {p.pass_percent}%"
    )
    lines.append(
        f"answers: {stats.answers['scheduled']} scheduled reviews, {stats.answers['practice']} practice,"
        f" {stats.answers['exam']} in exams"
    )
    if stats.first_try_accuracy is not None:
        lines.append(
            f"first-try accuracy so far {_pct(stats.first_try_accuracy)}"
            f" (`quizapp plan --prior {stats.first_try_accuracy:.2f}` counts unseen questions at it)"
        )
    due = stats.due
    week = ", ".join(f"{d.strftime('%a')} {n}" for d, n in due.days)
    lines.append(f"due today {due.today}, new {due.new}; next 7 days: {week}")
    lines.append("")
    stated = [level for level in stats.calibration if level.answered]
    if stated:
        lines.append("calibration (accuracy when you said you were ...):")
        for level in stated:
            low, high = CBM_BANDS[level.confidence]
            lines.append(
                f"  {level.confidence} {CONFIDENCE_NAMES[level.confidence]:<12} {level.answered:>4} answers"
                f"  {_pct(level.accuracy):>4} right  (this level pays best at {_pct(low)}–{_pct(high)}:"
                f" {level.verdict})"
            )
        cbm = stats.cbm
        lines.append(
            f"certainty-based marks: {cbm.total} over {cbm.answered} answers"
            f" (mean {cbm.mean:+.2f} per answer, best +3)"
            if cbm.mean is not None
            else "certainty-based marks: none yet"
        )
    else:
        lines.append("calibration: no answer with a stated confidence yet")
    s = stats.prediction_summary
    if s.made:
        estimates = (
            f", estimates within tolerance {s.estimates_right} of {s.estimates}" if s.estimates else ""
        )
        lines.append(
            f"predictions: {s.made} made, {s.graded} graded; holds/fails right {_pct(s.holds_accuracy)}{estimates}"
        )
    else:
        lines.append("predictions: none yet (commit one before running a simulation)")
    m = stats.misconceptions
    if m.requirements or m.distractors:
        lines.append("")
        lines.append("misconceptions:")
        for r in m.requirements[:5]:
            where = ", ".join(f"{qid} ×{n}" for qid, n in r.questions.items())
            lines.append(f"  requirement '{r.requirement}' broken {r.count}× ({where})")
        for d in [d for d in m.distractors if d.repeated][:5]:
            state = "still missed" if d.still_missed else "since answered right"
            lines.append(f"  distractor {d.question_id}:{d.option} picked {d.count}× ({state})")
    return lines


# -- answers over time, for the TUI's stats screen --------------------------------------------------


@dataclass(frozen=True)
class Tally:
    """How many answers, and how many of them right."""

    answered: int = 0
    correct: int = 0

    @property
    def accuracy(self) -> float | None:
        """correct / answered, or None with no answers."""
        return self.correct / self.answered if self.answered else None


@dataclass(frozen=True)
class Activity:
    """The last weeks of answers: accuracy per week (overall and per domain) and answers per day."""

    weeks: list[date]
    """The Monday of each week, oldest first; the last is the week of ``today``."""
    overall: list[Tally]
    """Every domain's answers, one tally per week."""
    domains: dict[str, list[Tally]]
    """Domain id -> one tally per week, in the manifest's order."""
    days: list[tuple[date, int]]
    """(date, answers that day) from the first week's Monday to ``today``."""
    today: date

    @property
    def answered(self) -> int:
        """Answers over the whole span."""
        return sum(t.answered for t in self.overall)

    @property
    def studied_days(self) -> int:
        """Days with at least one answer."""
        return sum(n > 0 for _, n in self.days)

    @property
    def streak(self) -> int:
        """Days in a row with answers up to today (or up to yesterday, when today has none yet)."""
        counts = [n for _, n in self.days]
        if counts and counts[-1] == 0:
            counts.pop()
        run = 0
        for n in reversed(counts):
            if n == 0:
                break
            run += 1
        return run

    @property
    def longest_streak(self) -> int:
        """The most days in a row with answers within the span."""
        best = run = 0
        for _, n in self.days:
            run = run + 1 if n else 0
            best = max(best, run)
        return best


def monday(day: date) -> date:
    """The Monday of ``day``'s week."""
    return day - timedelta(days=day.weekday())


def activity(
    bank: Bank, answers: Sequence[Answer], now: datetime, *, weeks: int = 12, tz: tzinfo | None = None
) -> Activity:
    """Answers to the bank's questions over the ``weeks`` weeks up to ``now`` (calendar weeks from
    Monday, local dates in ``tz``); answers to questions no longer in the bank are left out."""
    if weeks < 1:
        raise ValueError("weeks must be at least 1")
    today = local_date(now, tz)
    first = monday(today) - timedelta(weeks=weeks - 1)
    domain_of = {qid: domain for qid, domain, _ in bank.questions.entries}
    ids = [d.id for d in bank.manifest.domains]
    counts = {d: [[0, 0] for _ in range(weeks)] for d in ids}
    per_day = [0] * ((today - first).days + 1)
    for answer in answers:
        domain = domain_of.get(answer.question_id)
        day = local_date(datetime.fromtimestamp(answer.answered_at, UTC), tz)
        if domain is None or not first <= day <= today:
            continue
        per_day[(day - first).days] += 1
        tally = counts.setdefault(domain, [[0, 0] for _ in range(weeks)])[(day - first).days // 7]
        tally[0] += 1
        tally[1] += int(answer.correct)
    by_domain = {d: [Tally(n, right) for n, right in weekly] for d, weekly in counts.items()}
    overall = [
        Tally(sum(w[i].answered for w in by_domain.values()), sum(w[i].correct for w in by_domain.values()))
        for i in range(weeks)
    ]
    return Activity(
        [first + timedelta(weeks=i) for i in range(weeks)],
        overall,
        by_domain,
        [(first + timedelta(days=i), n) for i, n in enumerate(per_day)],
        today,
    )
