"""What the learner sees after submitting: the verdict banner, then the expert's analysis."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Static

from ...bank.models import Question
from ...study.choice import Shown
from ...study.exam import points
from ...study.session import AnswerResult
from ...text import plain
from .options import MARK_CORRECT, MARK_PICK, MARK_WRONG
from .prose import literal, markdown


def banner(result: AnswerResult, shown: Shown, credit: float | None = None) -> Content:
    """'✓ Correct' or '✗ Incorrect — the answer is C' (letters as shown), and a legend of the marks.
    With ``credit`` (partial scoring), a partly right answer says what it earned."""
    question = result.question
    answer = shown.answer_letters
    noun = "answers are" if question.multiple else "answer is"
    if result.correct:
        head = Content.styled(f"{MARK_CORRECT} Correct", "bold")
    elif not result.chosen:
        head = Content.styled(f"{MARK_WRONG} Not answered — the {noun} {answer}", "bold")
    elif credit:
        head = Content.styled(
            f"{MARK_WRONG} Partly right ({points(credit)} of 1) — the {noun} {answer}", "bold"
        )
    else:
        head = Content.styled(f"{MARK_WRONG} Incorrect — the {noun} {answer}", "bold")
    legend = f"{MARK_CORRECT} correct   {MARK_WRONG} your wrong pick   {MARK_PICK} your pick"
    return Content.assemble(head, "\n", (legend, "dim"))


def bullets(texts: Iterable[str]) -> Iterator[Horizontal]:
    """'• text' rows whose long lines wrap under the text, not under the bullet (a hanging indent)."""
    for text in texts:
        yield Horizontal(
            Static("•", classes="bullet-mark"), Static(literal(text), classes="bullet-text"), classes="bullet"
        )


def heading(text: str) -> Static:
    """A section heading."""
    return Static(literal(text), classes="heading")


class FeedbackPanel(Vertical):
    """The explanation, the traps, how it goes in practice, references and the linked simulations."""

    def __init__(self, question: Question, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.question = question

    def compose(self) -> ComposeResult:
        """Explanation, traps, in practice, references, simulations: whichever the question has."""
        q = self.question
        yield heading("Explanation")
        yield markdown(q.explanation, id="fb-explanation")
        if q.traps:
            yield heading("Traps")
            for index, trap in enumerate(q.traps):
                first = " -first" if index == 0 else ""
                yield Static(literal(plain(trap.title), "bold"), classes="trap-title" + first)
                yield markdown(trap.text, classes="trap-text")
        if q.in_practice:
            yield heading("In practice")
            yield markdown(q.in_practice, id="fb-in-practice")
        if q.references:
            yield heading("References")
            with Vertical(id="fb-references"):
                yield from bullets(plain(r) for r in q.references)
        links = q.all_sim_links()
        if links:
            yield heading("Simulations")
            with Vertical(id="fb-sims"):
                yield from bullets(plain(link.label or link.id) for link in links)
                hint = "s opens the simulation of the option under the cursor (or offers these)"
                yield Static(Content.styled(hint, "dim"))
