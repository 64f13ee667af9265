"""Opening study sessions: on a domain or tag, in the schedule's order (`study --due`), on the
questions last answered wrong, or on a given list (an exam's wrong answers, a misconception's
questions). Questions of the unfinished exam are always left out, and a toast says how many.

:class:`StudyStarts` is the part of the app that does this; ``QuizApp`` is built on it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import App

from ..history import plural
from ..store import Store, StoreError
from ..study.session import practice_order, select

if TYPE_CHECKING:
    from ..bank import Bank
    from ..exam_store import ExamStore
    from ..exams import Clock
    from ..memory import Memory


class StudyStarts(App[None]):
    """An app that opens study sessions (each a ``QuestionScreen``) on the bank's questions, or says
    why there is nothing to study."""

    bank: Bank | None
    """The bank studied; None when it could not be opened (no session starts then)."""
    store: Store
    """The store the learner's answers are read from (where the last session stopped, what was missed)."""
    exams: ExamStore
    """Exams in the store: the unfinished one's questions are left out of study."""
    wall: Clock
    """The wall clock the schedule is read at (tests freeze it)."""

    if TYPE_CHECKING:

        @property
        def memory(self) -> Memory:
            """The learner's FSRS cards (``QuizApp.memory``): when the next review is due."""
            ...

    def start_study(self, domain: str | None = None, tag: str | None = None) -> bool:
        """Open a study session on the matching questions, picking up where the last one stopped
        (never-answered questions first); False (and a notice) when none match."""
        from .screens.question import QuestionScreen

        matching = select(self.bank.questions, domain, tag) if self.bank else []
        sealed = self.exams.open_question_ids()
        questions = [q for q in matching if q.id not in sealed]
        if not questions:
            filters = (("domain", domain), ("tag", tag))
            what = " and ".join(f"{k} '{v}'" for k, v in filters if v) or "this bank"
            why = " outside your unfinished exam" if matching else ""
            self.notify(f"No questions for {what}{why}.", severity="warning", markup=False)
            return False
        try:
            questions = practice_order(questions, self.store.last_answered())
        except StoreError as exc:  # an unreadable history: bank order, and say why
            self.notify(
                str(exc), title="Starting at the bank's first question", severity="warning", markup=False
            )
        self.push_screen(QuestionScreen(questions))
        self._say_sealed(len(matching) - len(questions))  # after the switch, which clears toasts
        return True

    def _say_sealed(self, count: int) -> None:
        """Say that questions of the unfinished exam were left out of a study session."""
        if count:
            self.notify(
                f"{plural(count, 'question is', 'questions are')} in your unfinished exam, so left out"
                " until it is submitted or discarded.",
                markup=False,
            )

    def study_questions(self, question_ids: list[str], label: str) -> bool:
        """A study session on these questions (those of an unfinished exam left out)."""
        from .screens.question import QuestionScreen

        if self.bank is None:
            return False
        sealed = self.exams.open_question_ids()
        known = {qid for qid, _, _ in self.bank.questions.entries}
        ids = [qid for qid in question_ids if qid in known and qid not in sealed]
        if not ids:
            why = (
                "they are all in your unfinished exam: submit or discard it to study them"
                if any(qid in sealed for qid in question_ids)
                else "they are no longer in the bank"
            )
            self.notify(f"Nothing to study: {why}.", severity="warning", markup=False)
            return False
        self.push_screen(QuestionScreen([self.bank.question(qid) for qid in ids], label=label))
        self._say_sealed(sum(qid in sealed for qid in question_ids))  # after the switch, which clears toasts
        return True

    def start_due(self, domain: str | None = None, tag: str | None = None) -> bool:
        """Study in the schedule's order: due reviews first, then new questions, taking turns across
        domains (each answer recorded as a scheduled review); False (and when the next review is) when
        nothing is due and nothing is new."""
        from ..memory import study_order
        from .screens.question import QuestionScreen

        if self.bank is None:
            return False
        ids = study_order(self.bank, self.store, domain=domain, tag=tag, wall=self.wall)
        if not ids:
            self.notify(self.nothing_due(domain, tag), markup=False, timeout=8)
            return False
        questions = [self.bank.question(qid) for qid in ids]
        self.push_screen(QuestionScreen(questions, label="Due", scheduled=True))
        return True

    def nothing_due(self, domain: str | None = None, tag: str | None = None) -> str:
        """Why a due session has no question: 'Nothing is due and nothing is new: the next review is
        due in 3 days (Thu 3 Dec).', or that the questions are all in the unfinished exam."""
        from .widgets.outlook import due_when

        assert self.bank is not None
        scope = " and ".join(f"{k} '{v}'" for k, v in (("domain", domain), ("tag", tag)) if v)
        where = f" in {scope}" if scope else ""
        matching = [
            qid
            for qid, d, tags in self.bank.questions.entries
            if domain in (None, d) and tag in (None, *tags)
        ]
        sealed = self.exams.open_question_ids()
        cards = self.memory.cards()
        upcoming = [cards[qid].due for qid in matching if qid in cards and qid not in sealed]
        if not matching:
            return f"There are no questions{where}."
        if not upcoming:
            return f"Nothing to study{where}: every question is in your unfinished exam; submit or discard it first."
        when = due_when(min(upcoming), self.memory.now())
        return f"Nothing is due and nothing is new{where}: the next review is due {when}."

    def start_missed(self) -> bool:
        """Study only the questions whose latest answer was wrong; False (and a notice) when none are."""
        if self.bank is None:
            return False
        progress = self.store.progress()
        index = self.bank.questions.entries
        missed = [qid for qid, _, _ in index if qid in progress and not progress[qid].last_correct]
        if not missed:
            message = (
                "No missed questions: every question you answered was right the last time."
                if progress
                else "You have not answered any question yet: press s to study."
            )
            self.notify(message, markup=False)
            return False
        return self.study_questions(missed, "Missed")
