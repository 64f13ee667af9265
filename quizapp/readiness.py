"""Readiness for an exam date, and the probability of passing. Core module.

- A question's chance of being answered right on the exam day is its FSRS retrievability then; a
  question never answered counts at the ``prior`` (0.5 unless `quizapp plan --prior` says otherwise:
  a stated guess that knows nothing of the learner, halfway between a blind guess on four options
  and certainty; `quizapp stats` shows the learner's first-try accuracy as a better-informed value).
- A domain's readiness is the mean of that over its questions.
- The pass probability is estimated by Monte Carlo with the exam engine itself: each simulated exam
  is drawn by :func:`quizapp.exams.plan_exam` with its own seed (so the blueprint weights and the
  question count are the real ones), each question is right with its probability, and the exam is
  scored as ``Exam`` scores it (percent of questions right against the bank's pass mark). The 95%
  interval is Wilson's score interval on the simulated passes: it bounds the Monte Carlo error of
  the estimate, not the error of the memory model behind it. With the bank's ``partial`` scoring a
  wrong answer to a 'choose N' question earns 0 here (partial credit is not modelled), so the
  estimate is slightly low for such banks.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, tzinfo

import numpy as np
from fsrs import Card, Scheduler

from .bank import Bank
from .exams import ExamOptions, plan_exam
from .memory import SCHEDULER
from .store import Answer, Store

DEFAULT_PRIOR = 0.5
EXAM_DATE_KEY = "exam_date"
PRIOR_KEY = "prior"
EXAM_HOUR = 9
"""Readiness is measured at 09:00 local time on the exam date."""
Z95 = 1.959963984540054


@dataclass(frozen=True)
class StudyPlan:
    """What `quizapp plan` stored: the exam date (None until set) and the prior for unseen questions."""

    exam_date: date | None
    prior: float = DEFAULT_PRIOR


def load_plan(store: Store) -> StudyPlan:
    """The stored plan (no exam date and the default prior when nothing was stored)."""
    day = store.setting(EXAM_DATE_KEY)
    prior = store.setting(PRIOR_KEY)
    return StudyPlan(date.fromisoformat(day) if day else None, float(prior) if prior else DEFAULT_PRIOR)


def save_plan(store: Store, *, exam_date: date | None = None, prior: float | None = None) -> StudyPlan:
    """Store the exam date and/or the prior (those given); the plan as it now stands."""
    if prior is not None and not 0.0 <= prior <= 1.0:
        raise ValueError(f"the prior is a probability, 0..1, not {prior}")
    if exam_date is not None:
        store.set_setting(EXAM_DATE_KEY, exam_date.isoformat())
    if prior is not None:
        store.set_setting(PRIOR_KEY, repr(float(prior)))
    return load_plan(store)


def exam_moment(day: date, tz: tzinfo | None = None) -> datetime:
    """09:00 on the exam date in ``tz`` (the local zone when None), in UTC."""
    naive = datetime.combine(day, time(EXAM_HOUR))
    local = naive.astimezone() if tz is None else naive.replace(tzinfo=tz)  # astimezone(): as local time
    return local.astimezone(UTC)


def recall_probabilities(
    cards: Mapping[str, Card],
    question_ids: Sequence[str],
    at: datetime,
    prior: float = DEFAULT_PRIOR,
    scheduler: Scheduler = SCHEDULER,
) -> dict[str, float]:
    """Each question's chance of being right at ``at``: its card's retrievability, or the prior."""
    return {
        qid: float(scheduler.get_card_retrievability(cards[qid], at)) if qid in cards else prior
        for qid in question_ids
    }


@dataclass(frozen=True)
class DomainReadiness:
    """One domain: its questions, the answers to them, and its readiness at the target date."""

    id: str
    title: str
    questions: int
    seen: int
    """Questions answered at least once (the others count at the prior)."""
    answered: int
    correct: int
    readiness: float | None
    """Mean chance of being right over the domain's questions; None for a domain without questions."""

    @property
    def accuracy(self) -> float | None:
        """correct / answered, or None with no answers."""
        return self.correct / self.answered if self.answered else None

    def as_json(self) -> dict[str, object]:
        """For `stats --json`."""
        accuracy = self.accuracy
        return {
            "id": self.id,
            "title": self.title,
            "questions": self.questions,
            "seen": self.seen,
            "answered": self.answered,
            "correct": self.correct,
            "accuracy": None if accuracy is None else round(accuracy, 4),
            "readiness": None if self.readiness is None else round(self.readiness, 4),
        }


def domain_readiness(
    bank: Bank, probabilities: Mapping[str, float], answers: Sequence[Answer]
) -> list[DomainReadiness]:
    """Per domain in the manifest's order: answers and accuracy, and mean chance of being right."""
    tally: dict[str, list[int]] = {}
    for answer in answers:
        entry = tally.setdefault(answer.question_id, [0, 0])
        entry[0] += 1
        entry[1] += int(answer.correct)
    out = []
    for domain in bank.manifest.domains:
        ids = bank.ids_by_domain().get(domain.id, [])
        values = [probabilities[qid] for qid in ids if qid in probabilities]
        out.append(
            DomainReadiness(
                domain.id,
                domain.title,
                len(ids),
                sum(qid in tally for qid in ids),
                sum(tally.get(qid, [0, 0])[0] for qid in ids),
                sum(tally.get(qid, [0, 0])[1] for qid in ids),
                sum(values) / len(values) if values else None,
            )
        )
    return out


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson's score interval for a binomial proportion ((0, 1) when n is 0)."""
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def passes(correct: float, total: int, pass_percent: float) -> bool:
    """Whether ``correct`` of ``total`` passes, exactly as :class:`~quizapp.study.exam.Exam` decides."""
    return 100.0 * round(correct, 6) / total >= pass_percent


def needed_to_pass(total: int, pass_percent: float) -> int:
    """The fewest right answers out of ``total`` that pass (total + 1 when none does)."""
    return next((k for k in range(total + 1) if passes(k, total, pass_percent)), total + 1)


@dataclass(frozen=True)
class PassEstimate:
    """The estimated probability of passing, with its 95% interval and how it was computed."""

    estimate: float
    low: float
    high: float
    draws: int
    passed: int
    questions: int
    pass_percent: int
    seed: int

    def as_json(self) -> dict[str, object]:
        """For `stats --json`."""
        return {
            "estimate": round(self.estimate, 4),
            "low": round(self.low, 4),
            "high": round(self.high, 4),
            "interval": 0.95,
            "draws": self.draws,
            "questions": self.questions,
            "pass_percent": self.pass_percent,
            "seed": self.seed,
        }


def pass_probability(
    bank: Bank,
    probabilities: Mapping[str, float],
    *,
    draws: int = 4000,
    seed: int = 0,
    options: ExamOptions | None = None,
) -> PassEstimate:
    """Estimate the chance of passing an exam drawn as `quizapp exam` draws it (``options``: the
    bank's defaults), each question right with its probability (questions missing from
    ``probabilities`` count 0). Deterministic for a given seed."""
    if draws < 1:
        raise ValueError("draws must be at least 1")
    rng = np.random.default_rng(seed)
    base = options or ExamOptions()
    exam_seeds = rng.integers(0, 2**31, size=draws)
    rows: list[list[float]] = []
    for exam_seed in exam_seeds:
        plan = plan_exam(bank, ExamOptions(base.questions, base.minutes, base.domain, int(exam_seed)))
        if isinstance(plan, str):
            raise ValueError(plan)
        rows.append([probabilities.get(qid, 0.0) for qid in plan.question_ids])
    p = np.array(rows)  # (draws, questions): every draw has the same count
    right = (rng.random(p.shape) < p).sum(axis=1)  # (draws,)
    total = p.shape[1]
    pass_percent = bank.manifest.exam.pass_percent
    passed = int(np.sum(right >= needed_to_pass(total, pass_percent)))
    low, high = wilson(passed, draws)
    return PassEstimate(passed / draws, low, high, draws, passed, total, pass_percent, seed)


def poisson_binomial(probabilities: Sequence[float]) -> list[float]:
    """The exact distribution of the number right when each question is right independently with
    its probability: element k is P(exactly k right)."""
    dist = [1.0]
    for p in probabilities:
        nxt = [0.0] * (len(dist) + 1)
        for k, mass in enumerate(dist):
            nxt[k] += mass * (1 - p)
            nxt[k + 1] += mass * p
        dist = nxt
    return dist


def exact_pass_probability(probabilities: Sequence[float], pass_percent: float) -> float:
    """The exact probability of passing an exam of exactly these questions (Poisson-binomial)."""
    dist = poisson_binomial(probabilities)
    return sum(dist[needed_to_pass(len(probabilities), pass_percent) :])
