"""The results of a submitted exam: score, pass or fail, each domain, time; then every question to
review (all, wrong, or marked), each opening the review screen."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from ...history import clock_text, pause_text
from ...study.choice import Shown, scoring_rule
from ...study.exam import Exam, ExamResult, points
from ...study.rating import exam_cbm
from ...text import plain
from ..dialogs.keys import SaysWhy
from ..dialogs.summary import cbm_line
from ..widgets.exam_grid import MARK_FLAG
from ..widgets.options import MARK_CORRECT, MARK_WRONG

if TYPE_CHECKING:
    from ..app import QuizApp

MARK_PARTLY = "◐"
"""A question that earned part of its point (partial scoring)."""
FILTERS = {"all": "all", "wrong": "wrong", "marked": "marked"}
"""Review filters and how the screen names them."""
BAR_WIDTH = 10
OTHER_COLUMNS = 42
"""Columns the question list uses besides the title (so the title is cut to fit, not scrolled)."""


def bar(percent: float, width: int = BAR_WIDTH) -> str:
    """'██████░░░░' for 60%."""
    full = round(width * percent / 100)
    return "█" * full + "░" * (width - full)


def filtered(exam: Exam, name: str) -> list[int]:
    """Positions of the questions a review filter shows."""
    result = exam.result
    assert result is not None
    wrong = set(result.wrong)
    if name == "wrong":
        return [i for i, q in enumerate(exam.questions) if q.id in wrong]
    if name == "marked":
        return exam.flagged
    return list(range(len(exam.questions)))


def verdict(result: ExamResult) -> Content:
    """'PASS  14 / 20 correct · 70% · pass mark 70%'."""
    badge = (
        Content.styled(" PASS ", "bold $text on $success")
        if result.passed
        else Content.styled(" FAIL ", "bold $text on $error")
    )
    return Content.assemble(
        badge,
        "  ",
        (f"{points(result.correct)} / {result.total} correct", "bold"),
        ("  ·  ", "dim"),
        (f"{result.percent:.0f}%", "bold"),
        ("  ·  ", "dim"),
        f"pass mark {result.pass_percent}%",
    )


def facts(exam: Exam, result: ExamResult) -> Content:
    """'Time used 23:12 of 40:00 · 2 unanswered · 1 marked · finished in time · paused 1× (2:05)'
    (a count that is zero is left out), and the scoring rule on a line of its own."""
    ending = (
        Content.styled("time ran out", "bold $text-warning")
        if result.timed_out
        else Content("finished in time")
    )
    paused = pause_text(exam.pauses, exam.paused_seconds) or "never paused"
    counts = [f"{result.unanswered} unanswered"] if result.unanswered else ["every question answered"]
    if exam.flagged:
        counts.append(f"{len(exam.flagged)} marked")
    return Content.assemble(
        f"Time used {clock_text(result.seconds_used)} of {clock_text(exam.time_limit)}",
        *[part for count in counts for part in (("  ·  ", "dim"), count)],
        ("  ·  ", "dim"),
        ending,
        ("  ·  ", "dim"),
        paused,
        "\n",
        (f"Scoring: one point per question; {scoring_rule(result.scoring)}", "dim"),
    )


def short(text: str, width: int) -> str:
    """Text cut to ``width`` characters with an ellipsis."""
    return text if len(text) <= width else text[: width - 1] + "…"


class ExamResultsScreen(SaysWhy, Screen[None]):
    """Score and review list of one exam; Escape goes home."""

    BINDINGS = [
        Binding("a", "filter('all')", "All", id="results.all"),
        Binding("w", "filter('wrong')", "Wrong", id="results.wrong"),
        Binding("m", "filter('marked')", "Marked", id="results.marked"),
        Binding("r", "retake", "Retake wrong", id="results.retake"),
        Binding("escape", "home", "Back", id="results.home"),
    ]

    app: QuizApp

    def __init__(self, exam: Exam, *, review: str = "all") -> None:
        super().__init__()
        assert exam.result is not None, "results need a submitted exam"
        self.exam = exam
        self.result: ExamResult = exam.result
        self.review = review
        self.shown: list[int] = []

    def compose(self) -> ComposeResult:
        """Title, verdict, facts, domains; the filter line and the questions to review."""
        yield Static(
            Content.assemble(("Exam results", "bold"), ("  ·  ", "dim"), self.app.bank_title),
            id="results-title",
            classes="title-bar",
        )
        yield Static(verdict(self.result), id="results-score")  # always in view, whatever the size
        with VerticalScroll(id="results-summary", can_focus=False):
            yield Static(facts(self.exam, self.result), id="results-facts")
            stated = sum(item.confidence is not None for item in self.exam.items)
            if stated and self.app.cbm:
                yield Static(cbm_line(exam_cbm(self.exam), stated), id="results-cbm")
            yield DataTable(id="results-domains", cursor_type="none", zebra_stripes=True)
        yield Static(id="results-filter")
        yield DataTable(id="results-questions", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        """Fill the tables; the question list takes the focus, so Enter opens a review."""
        domains = self.query_one("#results-domains", DataTable)
        domains.add_columns("Domain", "Correct", "Percent", "")
        manifest = self.app.bank.manifest if self.app.bank else None
        order = [d.id for d in manifest.domains] if manifest else []
        ranked = sorted(self.result.per_domain, key=lambda d: order.index(d) if d in order else len(order))
        for domain_id in ranked:
            score = self.result.per_domain[domain_id]
            domain = manifest.domain(domain_id) if manifest else None
            domains.add_row(
                Text(domain.title if domain else domain_id),
                Text(f"{points(score.correct)} / {score.total}"),
                Text(f"{score.percent:.0f}%", justify="right"),
                Text(
                    bar(score.percent), style="green" if score.percent >= self.result.pass_percent else "red"
                ),
                key=domain_id,
            )
        questions = self.query_one("#results-questions", DataTable)
        questions.add_columns("#", "", MARK_FLAG, "Yours", "Answer", "Time", "Question")
        self.show_review(self.review)
        questions.focus()
        self.call_after_refresh(self.query_one("#results-summary").scroll_home, animate=False)

    def show_review(self, name: str) -> None:
        """Fill the question list for a filter: all, wrong, or marked."""
        self.review = name
        self.shown = filtered(self.exam, name)
        counts = {key: len(filtered(self.exam, key)) for key in FILTERS}
        parts: list[Content | str | tuple[str, str]] = [("Review  ", "bold")]
        for key, label in FILTERS.items():
            text = f" {key[0]} {label} {counts[key]} "
            parts += [(text, "reverse bold") if key == name else (text, ""), " "]
        if self.shown:
            parts.append(("Enter opens a question", "dim"))
        else:  # said here, not in a toast over the list
            parts.append((f"no {FILTERS[name]} questions in this exam", "bold"))
        self.query_one("#results-filter", Static).update(Content.assemble(*parts))
        table = self.query_one("#results-questions", DataTable)
        table.clear()
        for position in self.shown:
            table.add_row(*self._row(position), key=str(position))

    def _row(self, position: int) -> list[Text]:
        """One question: number, right or wrong, marked, your answer, the answer, time, title."""
        question, item = self.exam.questions[position], self.exam.items[position]
        credit = self.result.scores.get(question.id, 0.0)
        if credit >= 1:
            mark = Text(MARK_CORRECT, style="bold green")
        elif credit > 0:
            mark = Text(MARK_PARTLY, style="bold yellow")
        else:
            mark = Text(MARK_WRONG, style="bold red")
        shown = Shown(question, item.order)
        yours, answer = shown.letters(item.chosen), shown.answer_letters
        seconds = self.result.per_question_seconds.get(question.id, item.seconds)
        title = short(plain(question.title), max(20, self.app.size.width - OTHER_COLUMNS))
        return [
            Text(str(position + 1), justify="right"),
            mark,
            Text(MARK_FLAG if item.flagged else ""),
            Text(yours),
            Text(answer),
            Text(clock_text(seconds)),
            Text(title),
        ]

    def action_filter(self, name: str) -> None:
        """Show all, only the wrong, or only the marked questions."""
        self.show_review(name)

    @on(DataTable.RowSelected, "#results-questions")
    def open_review(self, event: DataTable.RowSelected) -> None:
        """Enter on a question: its review, moving with n/p through the filtered list."""
        from .exam_review import ExamReviewScreen

        position = int(str(event.row_key.value))
        self.app.push_screen(
            ExamReviewScreen(self.exam, self.shown, self.shown.index(position), FILTERS[self.review])
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Retaking needs a question that did not earn full marks."""
        return action != "retake" or bool(self.result.wrong)

    def why_not(self, action: str, parameters: tuple[object, ...] = ()) -> str | None:
        """Why r does nothing (said when it is pressed)."""
        if action == "retake" and not self.result.wrong:
            return "every question earned full marks: there is nothing to retake"
        return None

    def action_retake(self) -> None:
        """Study the questions that did not earn full marks, with feedback after each."""
        self.app.study_questions(list(self.result.wrong), "Retake")

    def action_home(self) -> None:
        """Back to where the results were opened from (the exam is saved)."""
        self.dismiss(None)
