"""A simulated month of `quizapp study --due` on the bundled bank: readiness and the pass probability
day by day, beside what the scripted learner really knows.

    python benchmarks/learner_month.py [--days 30] [--per-day 15] [--known 0.6] [--seed 0]

The learner (a model, stated so its numbers can be judged):

- knows a seeded ``--known`` share of the questions at the start, each learned recently enough to
  have a memory half-life of ``--start-half-life`` days (20);
- recalls a known question with probability 2^(-days since last seen / half-life) (a plain
  exponential forgetting curve, deliberately not FSRS's own, so FSRS is judged against a learner it
  does not describe exactly). A recalled question is answered right, fast (30-100 s against the
  bank's 120 s) and said sure (60%) or fairly sure; each successful recall doubles the half-life;
- otherwise guesses uniformly (the right number of picks on 'choose N'), slowly (120-240 s) and
  says unsure (70%) or fairly sure;
- after the feedback of any question it did not recall, learns it with probability ``--learn``
  (0.5): known again, with a fresh half-life of ``--relearn-half-life`` days (4).

Every day at 09:00 UTC it studies the first ``--per-day`` (15) questions of the due order through the
real StudySession, recorded by Memory with an injected clock. The exam is on the morning of day
``--days``. Columns: due today, new questions studied, answers and their accuracy; the app's mean
readiness and pass probability (± half the 95% interval) for the exam; then the truth if the learner
stopped studying that day: the mean chance of being right on the exam morning (recall, or a lucky
guess) and the pass probability of those true chances through the same exam draw.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from math import comb
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from quizapp.bank import Question, load_bank
from quizapp.locations import bundled_bank
from quizapp.memory import Memory, study_order
from quizapp.readiness import pass_probability, recall_probabilities
from quizapp.store import Store
from quizapp.study.due import forecast
from quizapp.study.session import StudySession

DAY = 86_400.0
START = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)


@dataclass
class Knowledge:
    """What the learner really knows of one question."""

    known: bool
    half_life: float = 0.0
    last: float = 0.0
    """The day it was last seen (or learned)."""

    def recall(self, day: float) -> float:
        """The chance of recalling it on ``day``."""
        return 2.0 ** (-(day - self.last) / self.half_life) if self.known else 0.0


class Learner:
    """The scripted learner: answers, then learns from the feedback (see the module docstring)."""

    def __init__(self, questions: list[Question], args: argparse.Namespace, rng: random.Random) -> None:
        self.args = args
        self.rng = rng
        chosen = set(rng.sample([q.id for q in questions], round(args.known * len(questions))))
        self.minds = {
            q.id: Knowledge(True, args.start_half_life, 0.0) if q.id in chosen else Knowledge(False)
            for q in questions
        }

    def answer(self, q: Question, day: float) -> tuple[list[str], float, int]:
        """(picks, seconds, confidence) for question ``q`` on ``day``; learns from it afterwards."""
        mind = self.minds[q.id]
        recalled = self.rng.random() < mind.recall(day)
        if recalled:
            picks = sorted(q.answers)
            seconds, confidence = self.rng.uniform(30, 100), 3 if self.rng.random() < 0.6 else 2
            mind.half_life *= 2
            mind.last = day
        else:
            picks = self.rng.sample(q.option_ids, len(q.answers))
            seconds, confidence = self.rng.uniform(120, 240), 1 if self.rng.random() < 0.7 else 2
            if self.rng.random() < self.args.learn:
                self.minds[q.id] = Knowledge(True, self.args.relearn_half_life, day)
            else:
                self.minds[q.id] = Knowledge(False)
        return picks, seconds, confidence

    def true_chance(self, q: Question, day: float) -> float:
        """The chance of answering ``q`` right on ``day`` with no more study: recall or a lucky guess."""
        r = self.minds[q.id].recall(day)
        guess = 1.0 / comb(len(q.option_ids), len(q.answers))
        return r + (1 - r) * guess


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--days", type=int, default=30, help="days of study; the exam is on the morning after"
    )
    parser.add_argument("--per-day", type=int, default=15, help="questions per daily session")
    parser.add_argument("--known", type=float, default=0.6, help="share of questions known at the start")
    parser.add_argument(
        "--learn", type=float, default=0.5, help="chance to learn a question from its feedback"
    )
    parser.add_argument(
        "--start-half-life", type=float, default=20.0, help="days, for what is known at the start"
    )
    parser.add_argument(
        "--relearn-half-life", type=float, default=4.0, help="days, for what was just learned"
    )
    parser.add_argument("--draws", type=int, default=4000, help="simulated exams per pass probability")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    began = time.perf_counter()
    bank = load_bank(bundled_bank()).bank
    assert bank is not None
    questions = list(bank.questions)
    ids = [q.id for q in questions]
    rng = random.Random(args.seed)
    learner = Learner(questions, args, rng)
    exam_day = START + timedelta(days=args.days)
    clock = [START.timestamp()]

    print(
        f"{len(questions)} questions, {args.per_day} a day for {args.days} days, exam on {exam_day.date()};"
        f" the learner knows {args.known:.0%} at first"
    )
    header = f"{'day':>3}  {'due':>3}  {'new':>3}  {'answered':>8}  {'accuracy':>8}  {'readiness':>9}  {'pass':>11}  {'true p(right)':>13}  {'true pass':>9}"
    print(header)
    with tempfile.TemporaryDirectory() as data:
        store = Store.in_dir(data)
        memory = Memory.for_bank(store, bank, wall=lambda: clock[0])
        for day in range(args.days):
            clock[0] = (START + timedelta(days=day)).timestamp()
            now = memory.now()
            cards = memory.cards()
            due_today = forecast(cards, ids, now, tz=UTC).today
            order = study_order(bank, store, limit=args.per_day, now=now, tz=UTC, wall=lambda: clock[0])
            fresh = sum(qid not in cards for qid in order)
            session = StudySession(
                [bank.question(qid) for qid in order],
                record=lambda result: memory.record_result(result, scheduled=True),
                clock=lambda: clock[0],
                rng=random.Random(day),
            )
            right = 0
            while True:
                q = session.current
                picks, seconds, confidence = learner.answer(q, float(day))
                for option in picks:
                    session.toggle(option)
                session.set_confidence(confidence)
                clock[0] += seconds
                right += session.submit().correct
                clock[0] += 20  # reading the feedback
                if not session.advance():
                    break
            at_exam = recall_probabilities(memory.cards(), ids, exam_day)
            readiness = sum(at_exam.values()) / len(at_exam)
            estimate = pass_probability(bank, at_exam, draws=args.draws, seed=day)
            truth = {q.id: learner.true_chance(q, float(args.days)) for q in questions}
            true_pass = pass_probability(bank, truth, draws=args.draws, seed=day)
            half = (estimate.high - estimate.low) / 2
            print(
                f"{day + 1:>3}  {due_today:>3}  {fresh:>3}  {len(order):>8}  {right / len(order):>8.0%}"
                f"  {readiness:>9.2f}  {estimate.estimate:>5.0%} ±{half:>4.1%}"
                f"  {sum(truth.values()) / len(truth):>13.2f}  {true_pass.estimate:>9.0%}"
            )
        store.close()
    print(f"{time.perf_counter() - began:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
