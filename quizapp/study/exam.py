"""Practice exams: drawing questions by domain weight, timing, flags, scoring. Pure logic.

The engine never reads the clock itself (a ``clock`` is injected) and never writes: every change
goes through the ``persist`` callback at once, so the UI and the store decide how state is kept,
and tests need no sleeps.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from ..bank.models import Question, Scoring
from .choice import ChoiceRefused, needed


@dataclass(frozen=True)
class Draw:
    """The question ids an exam drew, and a plain note when fewer were available than asked."""

    question_ids: list[str]
    note: str = ""


def allocate(wanted: int, weights: Mapping[str, float], available: Mapping[str, int]) -> dict[str, int]:
    """How many questions each domain gets: largest-remainder rounding of ``wanted`` by weight,
    capped by what each domain has, the shortfall handed to domains with questions to spare."""
    counts = {d: 0 for d in weights}
    remaining = min(wanted, sum(available.get(d, 0) for d in weights))
    while remaining > 0:
        open_domains = {d: w for d, w in weights.items() if available.get(d, 0) > counts[d] and w > 0}
        if not open_domains:
            break
        total = sum(open_domains.values())
        quotas = {d: remaining * w / total for d, w in open_domains.items()}
        share = {d: min(math.floor(q), available[d] - counts[d]) for d, q in quotas.items()}
        left = remaining - sum(share.values())
        # the seats that flooring left over go to the largest fractional parts (ties: manifest order)
        for d in sorted(open_domains, key=lambda d: -(quotas[d] - math.floor(quotas[d]))):
            if left == 0:
                break
            if share[d] < available[d] - counts[d]:
                share[d] += 1
                left -= 1
        for d, n in share.items():
            counts[d] += n
        given = sum(share.values())
        remaining -= given
        if given == 0:
            break
    return counts


def draw(
    index: Sequence[tuple[str, str]],
    weights: Mapping[str, float],
    wanted: int,
    *,
    seed: int | None = None,
    domain: str | None = None,
) -> Draw:
    """Draw up to ``wanted`` distinct question ids from ``index`` ((id, domain) pairs), in
    proportion to the domain weights, repeatably for a given seed; shuffled across domains."""
    if domain is not None:
        weights = {domain: weights.get(domain, 1.0)}
    by_domain: dict[str, list[str]] = {d: [] for d in weights}
    for qid, d in index:
        if d in by_domain:
            by_domain[d].append(qid)
    counts = allocate(wanted, weights, {d: len(ids) for d, ids in by_domain.items()})
    rng = random.Random(seed)
    chosen = [qid for d, ids in by_domain.items() for qid in rng.sample(ids, counts[d])]
    rng.shuffle(chosen)
    note = ""
    if len(chosen) < wanted:
        scope = f"domain '{domain}'" if domain else "the bank"
        count = f"{len(chosen)} question{'s' if len(chosen) != 1 else ''}"
        note = f"{scope} has only {count}, so this exam has {len(chosen)} instead of {wanted}"
    return Draw(chosen, note)


@dataclass
class ExamItem:
    """One question of an exam as the learner left it, with the order its options are shown in."""

    question_id: str
    chosen: frozenset[str] = frozenset()
    flagged: bool = False
    seconds: float = 0.0
    order: tuple[str, ...] = ()
    """Option ids in display order, drawn from the exam's seed; () means the file's order."""
    confidence: int | None = None
    """How sure the learner said they were, 1..3 (certainty-based marking); None: not said."""

    @property
    def answered(self) -> bool:
        """Whether an answer is chosen."""
        return bool(self.chosen)


def points(value: float) -> str:
    """A score as people write it: '14', '13.5', '13.33'."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class DomainScore:
    """Points scored out of questions, for one domain (whole numbers unless scoring is partial)."""

    correct: float
    total: int

    @property
    def percent(self) -> float:
        """0..100."""
        return 100.0 * self.correct / self.total if self.total else 0.0


@dataclass(frozen=True)
class ExamResult:
    """The outcome of a submitted exam. ``correct`` is the points scored: one per question under
    all-or-nothing scoring, fractions of one under partial scoring."""

    correct: float
    total: int
    percent: float
    passed: bool
    pass_percent: int
    per_domain: dict[str, DomainScore]
    seconds_used: float
    per_question_seconds: dict[str, float]
    unanswered: int
    timed_out: bool
    wrong: list[str] = field(default_factory=list)
    """Ids of the questions that did not earn full marks."""
    scoring: Scoring = "all-or-nothing"
    scores: dict[str, float] = field(default_factory=dict)
    """Each question's credit, 0..1."""


Persist = Callable[["Exam", str, int | None], None]
"""Called after every change: (exam, what changed: 'answer' | 'flag' | 'time' | 'submit', item index)."""


class Exam:
    """A timed exam over fixed questions: answers can change until submission, and the clock
    submits it by itself when the time runs out."""

    def __init__(
        self,
        questions: Sequence[Question],
        *,
        minutes: float,
        pass_percent: int,
        clock: Callable[[], float] = time.monotonic,
        persist: Persist | None = None,
        items: Sequence[ExamItem] | None = None,
        seconds_used: float = 0.0,
        exam_id: int | None = None,
        scoring: Scoring = "all-or-nothing",
        seed: int | None = None,
    ) -> None:
        if not questions:
            raise ValueError("an exam needs at least one question")
        self.questions = list(questions)
        self.items = list(items) if items is not None else [ExamItem(q.id) for q in questions]
        if [i.question_id for i in self.items] != [q.id for q in self.questions]:
            raise ValueError("exam items do not match its questions")
        for q, item in zip(self.questions, self.items, strict=True):
            if not item.order:
                item.order = tuple(q.option_ids)
        self.time_limit = minutes * 60.0
        self.pass_percent = pass_percent
        self.scoring: Scoring = scoring
        self.seed = seed
        self.pauses = 0
        """How often the exam was left and resumed (a killed process counts: it resumed later)."""
        self.paused_seconds = 0.0
        """How long it stood paused, all pauses together (the clock does not run meanwhile)."""
        self.exam_id = exam_id
        self.result: ExamResult | None = None
        self.current = 0
        self._clock = clock
        self._persist = persist
        self._used_before = seconds_used
        self._since = clock()

    # -- time ---------------------------------------------------------------------------------
    @property
    def seconds_used(self) -> float:
        """Exam time used so far (including before a resume), capped at the limit; frozen once submitted."""
        running = 0.0 if self.result is not None else self._clock() - self._since
        return min(self.time_limit, self._used_before + running)

    @property
    def remaining(self) -> float:
        """Seconds left (0 once the time is up)."""
        return 0.0 if self.result else max(0.0, self.time_limit - self.seconds_used)

    def _charge(self) -> None:
        """Add the time since the last event to the question on screen."""
        now = self._clock()
        spent = min(now - self._since, max(0.0, self.time_limit - self._used_before))
        self.items[self.current].seconds += spent
        self._used_before += spent
        self._since = now

    def start_clock(self) -> None:
        """Count time from now: what passed since the exam was built (drawing it, putting it on
        screen) is not the learner's. Does nothing once submitted."""
        if self.result is None:
            self._since = self._clock()

    def tick(self) -> bool:
        """Account time; submit by itself when it has run out. True when that just happened."""
        if self.result is not None:
            return False
        self._charge()
        if self._used_before >= self.time_limit:
            self.submit(timed_out=True)
            return True
        self._save("time", None)
        return False

    # -- navigation and answers -----------------------------------------------------------------
    def go(self, index: int) -> None:
        """Show question ``index`` (time so far is charged to the one that was shown)."""
        if not 0 <= index < len(self.items):
            raise IndexError(index)
        if self.tick():
            return
        self.current = index

    def answer(self, chosen: frozenset[str] | set[str], index: int | None = None) -> None:
        """Set the answer of a question (the current one by default); allowed until submission.

        It is a draft until the exam is submitted. More picks than the question takes are refused
        (ChoiceRefused), and so is more than one on a single-answer question."""
        i = self.current if index is None else index
        if self.result is not None or self.tick():
            return
        question = self.questions[i]
        valid = set(question.option_ids)
        if not set(chosen) <= valid:
            raise KeyError(sorted(set(chosen) - valid))
        if len(chosen) > needed(question):
            n = needed(question)
            raise ChoiceRefused(f"This question takes {n} answer{'s' if n > 1 else ''}, not {len(chosen)}.")
        self.items[i].chosen = frozenset(chosen)
        self._save("answer", i)

    def set_confidence(self, level: int | None, index: int | None = None) -> None:
        """Say how sure the learner is of a question's answer (1..3, None: not said); until submission."""
        if level is not None and level not in (1, 2, 3):
            raise ValueError(f"confidence is 1, 2 or 3, not {level!r}")
        i = self.current if index is None else index
        if self.result is not None:
            return
        self.items[i].confidence = level
        self._save("answer", i)

    def toggle_flag(self, index: int | None = None) -> bool:
        """Mark or unmark a question for review; the new state."""
        i = self.current if index is None else index
        if self.result is not None:
            return self.items[i].flagged
        self.items[i].flagged = not self.items[i].flagged
        self._save("flag", i)
        return self.items[i].flagged

    @property
    def unanswered(self) -> list[int]:
        """Indexes of questions with no answer."""
        return [i for i, item in enumerate(self.items) if not item.answered]

    @property
    def flagged(self) -> list[int]:
        """Indexes of questions marked for review."""
        return [i for i, item in enumerate(self.items) if item.flagged]

    @property
    def incomplete(self) -> list[int]:
        """Indexes of 'choose N' questions with some, but fewer than N, options chosen."""
        return [
            i
            for i, (q, item) in enumerate(zip(self.questions, self.items, strict=True))
            if item.answered and len(item.chosen) < needed(q)
        ]

    # -- scoring ----------------------------------------------------------------------------------
    def submit(self, *, timed_out: bool = False) -> ExamResult:
        """Score the exam by its scoring rule and close it."""
        if self.result is not None:
            return self.result
        if not timed_out:
            self._charge()
        self.result = self._score(timed_out)
        self._save("submit", None)
        return self.result

    def restore(self, *, timed_out: bool) -> ExamResult:
        """Score an exam that was submitted before (read back from the store) without saving anything."""
        self.result = self._score(timed_out)
        return self.result

    def _score(self, timed_out: bool) -> ExamResult:
        """The result of the items as they stand."""
        per_domain: dict[str, list[float]] = {}
        scores: dict[str, float] = {}
        for q, item in zip(self.questions, self.items, strict=True):
            credit = q.score(item.chosen, self.scoring)
            scores[q.id] = credit
            tally = per_domain.setdefault(q.domain, [0.0, 0])
            tally[0] += credit
            tally[1] += 1
        correct = round(sum(scores.values()), 6)
        total = len(self.items)
        percent = 100.0 * correct / total
        return ExamResult(
            correct=correct,
            total=total,
            percent=percent,
            passed=percent >= self.pass_percent,
            pass_percent=self.pass_percent,
            per_domain={d: DomainScore(round(c, 6), int(t)) for d, (c, t) in per_domain.items()},
            seconds_used=self.seconds_used,
            per_question_seconds={item.question_id: item.seconds for item in self.items},
            unanswered=len(self.unanswered),
            timed_out=timed_out,
            wrong=[qid for qid, credit in scores.items() if credit < 1.0],
            scoring=self.scoring,
            scores=scores,
        )

    def _save(self, what: str, index: int | None) -> None:
        if self._persist is not None:
            self._persist(self, what, index)
