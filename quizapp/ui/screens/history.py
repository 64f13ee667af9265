"""History: study totals, and every past exam (date, score, pass or fail, each domain); Enter on an
exam shows its per-domain detail."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Static

from ...exam_store import ExamRecord, ExamStore
from ..dialogs.exam_detail import ExamDetailDialog, record_date, record_score, record_verdict
from ..exams import clock_text

if TYPE_CHECKING:
    from ..app import QuizApp


def study_line(answers: int, correct: int, questions: int, missed: int) -> Content:
    """'Study: 42 answers to 17 questions, 30 correct (71%) · 5 questions missed last time'."""
    if not answers:
        return Content.assemble(("Study: ", "bold"), "no answers yet (s on the home screen starts studying)")
    percent = round(100 * correct / answers)
    return Content.assemble(
        ("Study: ", "bold"),
        f"{plural(answers, 'answer')} to {plural(questions, 'question')}, {correct} correct ({percent}%)",
        ("  ·  ", "dim"),
        f"{plural(missed, 'question')} missed last time (m on the home screen)",
    )


def plural(count: int, noun: str) -> str:
    """'1 answer', '2 answers'."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def domains_cell(record: ExamRecord) -> str:
    """'attention 3/4, serving 1/1'."""
    return ", ".join(f"{d} {c}/{t}" for d, (c, t) in record.per_domain.items())


class HistoryScreen(Screen[None]):
    """Past exams and study totals; Escape goes back."""

    BINDINGS = [Binding("escape", "back", "Back", id="history.back")]

    app: QuizApp  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.records: dict[str, ExamRecord] = {}

    def compose(self) -> ComposeResult:
        """Title, study totals, the exams table and a hint."""
        yield Static(
            Content.assemble(("History", "bold"), ("  ·  ", "dim"), self.app.bank_title),
            id="history-title",
            classes="title-bar",
        )
        yield Static(id="history-study")
        yield Static(Content.styled("Exams", "bold"), classes="heading", id="history-exams-title")
        yield DataTable(id="history-exams", cursor_type="row", zebra_stripes=True)
        yield Static(id="history-hint")
        yield Footer()

    def on_mount(self) -> None:
        """Fill the study line and the exams table."""
        store = self.app.store
        study = [a for a in store.answers() if a.mode == "study"]
        missed = sum(not p.last_correct for p in store.progress().values())
        line = study_line(
            len(study), sum(a.correct for a in study), len({a.question_id for a in study}), missed
        )
        self.query_one("#history-study", Static).update(line)
        table = self.query_one("#history-exams", DataTable)
        table.add_columns("Date", "Score", "Result", "Time", "By domain")
        for record in ExamStore(store).history():
            self.records[str(record.id)] = record
            verdict = record_verdict(record)
            style = {"pass": "bold green", "open": "yellow"}.get(
                verdict, "bold red" if "fail" in verdict else "dim"
            )
            table.add_row(
                Text(record_date(record)),
                Text(record_score(record)),
                Text(verdict, style=style),
                Text(clock_text(record.seconds_used)),
                Text(domains_cell(record)),
                key=str(record.id),
            )
        hint = (
            Content.assemble(("Enter", "bold"), " shows an exam's domains, ", ("Esc", "bold"), " goes back")
            if self.records
            else Content("No exams yet: press e on the home screen to take one.")
        )
        self.query_one("#history-hint", Static).update(hint)
        table.focus()

    @on(DataTable.RowSelected, "#history-exams")
    def show_exam(self, event: DataTable.RowSelected) -> None:
        """Enter on an exam: its per-domain detail."""
        record = self.records[str(event.row_key.value)]
        self.app.push_screen(ExamDetailDialog(record, self.app.bank.manifest if self.app.bank else None))

    def action_back(self) -> None:
        """Back home."""
        self.dismiss(None)
