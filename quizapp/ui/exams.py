"""Starting and resuming practice exams for the TUI: the draw, the exam created in the store before
its first question shows, and what the home screen offers about an unfinished exam.

No widgets here: the screens call these, and tests can too.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from ..bank import Bank, Question
from ..exam_store import ExamStore
from ..study.exam import Exam, draw

Clock = Callable[[], float]


@dataclass(frozen=True)
class ExamOptions:
    """What `quizapp exam` was asked for; None means the bank's default (manifest.exam)."""

    questions: int | None = None
    minutes: float | None = None
    domain: str | None = None
    seed: int | None = None


@dataclass(frozen=True)
class NewExam:
    """A freshly drawn exam (None when nothing could be drawn), and a plain note about the draw."""

    exam: Exam | None
    note: str = ""


class BankQuestions(Mapping[str, Question]):
    """The bank's questions by id, built only when looked up (a large bank is not built to resume)."""

    def __init__(self, bank: Bank) -> None:
        self.bank = bank

    def __getitem__(self, question_id: str) -> Question:
        return self.bank.question(question_id)

    def __iter__(self) -> Iterator[str]:
        return (qid for qid, _, _ in self.bank.questions.index)

    def __len__(self) -> int:
        return len(self.bank.questions)


def clock_text(seconds: float) -> str:
    """'mm:ss', or 'h:mm:ss' from an hour up (seconds rounded up, so 0:00 means the time is up)."""
    whole = int(-(-max(0.0, seconds) // 1))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def new_exam(bank: Bank, exams: ExamStore, options: ExamOptions, clock: Clock | None = None) -> NewExam:
    """Draw the questions by domain weight and create the exam in the store, so every answer,
    flag and second is saved from the first question on."""
    settings = bank.manifest.exam
    wanted = options.questions if options.questions is not None else settings.questions
    minutes = options.minutes if options.minutes is not None else float(settings.minutes)
    weights = {d.id: d.weight for d in bank.manifest.domains}
    index = [(qid, domain) for qid, domain, _ in bank.questions.index]
    drawn = draw(index, weights, wanted, seed=options.seed, domain=options.domain)
    if not drawn.question_ids:
        where = f"domain '{options.domain}'" if options.domain else "this bank"
        return NewExam(None, f"No questions to draw from {where}, so there is no exam.")
    exam_id = exams.create(
        bank.title,
        drawn.question_ids,
        minutes,
        settings.pass_percent,
        seed=options.seed,
        domain=options.domain,
    )
    extra = {"clock": clock} if clock is not None else {}
    exam = Exam(
        [bank.question(qid) for qid in drawn.question_ids],
        minutes=minutes,
        pass_percent=settings.pass_percent,
        persist=exams.persister(),
        exam_id=exam_id,
        **extra,
    )
    return NewExam(exam, drawn.note)


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

    @property
    def summary(self) -> str:
        """'7/20 answered, 12:31 left'."""
        return f"{self.answered}/{self.total} answered, {clock_text(self.remaining)} left"

    @property
    def started_text(self) -> str:
        """When it was started, 'YYYY-MM-DD HH:MM'."""
        return time.strftime("%Y-%m-%d %H:%M", time.localtime(self.started))


def open_exam(bank: Bank | None, exams: ExamStore) -> OpenExam | None:
    """The newest unfinished exam, with what is needed to offer it; None when there is none."""
    exam_id = exams.open_exam_id()
    if exam_id is None:
        return None
    record = next((r for r in exams.history() if r.id == exam_id), None)
    if record is None:
        return None
    known = {qid for qid, _, _ in bank.questions.index} if bank is not None else set()
    missing = [qid for qid in record.question_ids if qid not in known]
    remaining = max(0.0, record.minutes * 60.0 - record.seconds_used)
    return OpenExam(exam_id, record.answered, len(record.question_ids), remaining, missing, record.started)
