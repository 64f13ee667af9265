"""Starting and resuming practice exams: the draw, the exam created in the store before
its first question shows, and what the home screen offers about an unfinished exam.

Core module (no Textual): the TUI's screens call these, and tests and benchmarks can too.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from .bank import Bank, Question
from .bank.models import Scoring
from .exam_store import ExamStore
from .history import clock_text
from .study.choice import exam_order
from .study.exam import Exam, ExamItem, draw

Clock = Callable[[], float]


@dataclass(frozen=True)
class ExamOptions:
    """What `quizapp exam` was asked for; None means the bank's default (manifest.exam)."""

    questions: int | None = None
    minutes: float | None = None
    domain: str | None = None
    seed: int | None = None


class BankQuestions(Mapping[str, Question]):
    """The bank's questions by id, built only when looked up (a large bank is not built to resume)."""

    def __init__(self, bank: Bank) -> None:
        self.bank = bank

    def __getitem__(self, question_id: str) -> Question:
        return self.bank.question(question_id)

    def __iter__(self) -> Iterator[str]:
        return (qid for qid, _, _ in self.bank.questions.entries)

    def __len__(self) -> int:
        return len(self.bank.questions)


@dataclass(frozen=True)
class ExamPlan:
    """An exam drawn but not yet begun: what its start page shows. Nothing is stored until it begins."""

    question_ids: list[str]
    minutes: float
    pass_percent: int
    scoring: Scoring
    seed: int
    domain: str | None = None
    note: str = ""

    @property
    def count(self) -> int:
        """How many questions it has."""
        return len(self.question_ids)


def plan_exam(bank: Bank, options: ExamOptions) -> ExamPlan | str:
    """Draw an exam's questions by domain weight; a plain message instead when nothing can be drawn.

    The seed (drawn at random when none is given) fixes both the questions and each question's
    option order. Without ``minutes`` the time is the bank's minutes per question times the count.
    """
    settings = bank.manifest.exam
    wanted = options.questions if options.questions is not None else settings.questions
    seed = options.seed if options.seed is not None else random.SystemRandom().randrange(2**31)
    weights = {d.id: d.weight for d in bank.manifest.domains}
    index = [(qid, domain) for qid, domain, _ in bank.questions.entries]
    drawn = draw(index, weights, wanted, seed=seed, domain=options.domain)
    if not drawn.question_ids:
        where = f"domain '{options.domain}'" if options.domain else "this bank"
        return f"No questions to draw from {where}, so there is no exam."
    count = len(drawn.question_ids)
    minutes = (
        options.minutes if options.minutes is not None else settings.minutes * count / settings.questions
    )
    return ExamPlan(
        drawn.question_ids, minutes, settings.pass_percent, settings.scoring, seed, options.domain, drawn.note
    )


def begin_exam(bank: Bank, exams: ExamStore, plan: ExamPlan, clock: Clock | None = None) -> Exam:
    """Build the planned exam, its option orders drawn from its seed, and create it in the store, so
    every answer, flag and second is saved from the first question on."""
    questions = [bank.question(qid) for qid in plan.question_ids]
    items = [ExamItem(q.id, order=exam_order(q, plan.seed)) for q in questions]
    exam = Exam(
        questions,
        minutes=plan.minutes,
        pass_percent=plan.pass_percent,
        persist=exams.persister(),
        items=items,
        scoring=plan.scoring,
        seed=plan.seed,
        clock=clock or time.monotonic,
    )
    exams.create(bank.title, exam, domain=plan.domain)
    return exam


def resume_exam(bank: Bank, exams: ExamStore, exam_id: int, clock: Clock | None = None) -> Exam:
    """The unfinished exam as last saved (KeyError when a question of it left the bank)."""
    return exams.resume(exam_id, BankQuestions(bank), clock=clock)


@dataclass(frozen=True)
class OpenExam:
    """An unfinished exam, as the home screen offers to resume it."""

    exam_id: int
    answered: int
    total: int
    remaining: float
    missing: list[str]
    """Ids of its questions that are no longer in the bank (it cannot be resumed then)."""
    started: float = 0.0
    status: str = "open"

    @property
    def summary(self) -> str:
        """'paused, 7/20 answered, 12:31 left' ('paused, ' only when the learner paused it)."""
        paused = "paused, " if self.status == "paused" else ""
        return f"{paused}{self.answered}/{self.total} answered, {clock_text(self.remaining)} left"

    @property
    def started_text(self) -> str:
        """When it was started, 'YYYY-MM-DD HH:MM'."""
        return time.strftime("%Y-%m-%d %H:%M", time.localtime(self.started))


def open_exam(bank: Bank | None, exams: ExamStore) -> OpenExam | None:
    """The newest unfinished exam, with what is needed to offer it; None when there is none."""
    exam_id = exams.open_exam_id()
    if exam_id is None:
        return None
    record = exams.record(exam_id)
    if record is None:
        return None
    known = {qid for qid, _, _ in bank.questions.entries} if bank is not None else set()
    missing = [qid for qid in record.question_ids if qid not in known]
    remaining = max(0.0, record.minutes * 60.0 - record.seconds_used)
    return OpenExam(
        exam_id, record.answered, len(record.question_ids), remaining, missing, record.started, record.status
    )
