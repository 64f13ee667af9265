"""What the learner sees after submitting: the verdict banner, then the expert's analysis."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from ...bank.models import Question
from ...study.choice import Shown
from ...study.exam import points
from ...study.rating import CONFIDENCE_NAMES, RATING_NAMES, SLOW
from ...study.session import AnswerResult
from ...text import plain
from .bullets import BulletList
from .options import MARK_CORRECT, MARK_PICK, MARK_WRONG
from .prose import literal, markdown

if TYPE_CHECKING:
    from fsrs import Card

    from ...memory import Recorded


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


def duration(seconds: float) -> str:
    """'45 s', '2 min', '3 min 5 s'."""
    whole = round(seconds)
    if whole < 60:
        return f"{whole} s"
    minutes, rest = divmod(whole, 60)
    return f"{minutes} min {rest} s" if rest else f"{minutes} min"


def interval_text(card: Card) -> str:
    """When the card comes back, counted from the answer: 'tomorrow', 'in 4 days'."""
    start = card.last_review or card.due
    days = round((card.due - start).total_seconds() / 86400)
    return "later today" if days <= 0 else "tomorrow" if days == 1 else f"in {days} days"


def rating_reason(result: AnswerResult, typical: float) -> str:
    """What the automatic rating went by: 'right in 45 s, sure', 'right in 4 min, over 1.5× the
    typical 2 min', 'wrong in 1 min 5 s, fairly sure'."""
    reason = f"{'right' if result.correct else 'wrong'} in {duration(result.seconds)}"
    if result.correct and typical > 0 and result.seconds > SLOW * typical:
        reason += f", over {SLOW:g}× the typical {duration(typical)}"
    if result.confidence is not None:
        reason += f", {CONFIDENCE_NAMES[result.confidence]}"
    return reason


def rating_line(
    result: AnswerResult, recorded: Recorded, card: Card, override: int | None, typical: float
) -> Content:
    """'Rated Good: right in 45 s, sure · next review in 4 days', or, after the learner's own rating
    (1-4, said in the footer), 'You rated it Easy (automatic: Good) · next review in 9 days'."""
    automatic = RATING_NAMES[int(recorded.rating)]
    head: list[str | tuple[str, str]] = (
        ["Rated ", (automatic, "bold"), f": {rating_reason(result, typical)}"]
        if override is None
        else ["You rated it ", (RATING_NAMES[override], "bold"), f" (automatic: {automatic})"]
    )
    return Content.assemble(
        *head,
        (" · ", "dim"),
        "next review ",
        (interval_text(card), "bold"),
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
            yield BulletList((plain(r) for r in q.references), id="fb-references")
        links = q.all_sim_links()
        if links:
            yield heading("Simulations")
            with Vertical(id="fb-sims"):
                yield BulletList(plain(link.label or link.id) for link in links)
                hint = "s opens the simulation of the option under the cursor (or offers these)"
                yield Static(Content.styled(hint, "dim"))
