"""History: study totals, and every exam (date, status, score, time, pauses), with the highlighted
exam's score in each domain under the table (a column of them would scroll sideways at 80 columns);
Enter on a submitted exam reopens its results and full question review, on an unfinished one resumes it."""

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
from ...history import history_rows, plural

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
        f"{plural(missed, 'question')} missed last time (m on the home screen)"
        if missed
        else "none missed last time",
    )


class HistoryScreen(Screen[None]):
    """Past exams and study totals; Escape goes back."""

    BINDINGS = [
        Binding("e", "exam", "Exam", id="history.exam"),
        Binding("escape", "back", "Back", id="history.back"),
    ]

    app: QuizApp

    def __init__(self) -> None:
        super().__init__()
        self.records: dict[str, ExamRecord] = {}
        self.domains: dict[str, str] = {}
        """Each exam's score per domain, by row key: shown under the table for the highlighted exam."""

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
        yield Static(id="history-domains")
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
        table.add_columns("#", "Date", "Status", "Score", "Result", "Time", "Paused")
        records = ExamStore(store).history()
        manifest = self.app.bank.manifest if self.app.bank else None
        titles = {d.id: d.title for d in manifest.domains} if manifest else {}
        styles = {"pass": "bold green", "fail": "bold red"}
        for record, row in zip(records, history_rows(records, titles, now=self.app.wall()), strict=True):
            self.records[str(record.id)] = record
            self.domains[str(record.id)] = row.domains or (
                "none: it was discarded before it was submitted"
                if record.status == "discarded"
                else "scored when it is submitted"
            )
            status_style = {"open": "yellow", "paused": "yellow", "discarded": "dim"}.get(record.status, "")
            table.add_row(
                Text(row.id, justify="right"),
                Text(row.date),
                Text(row.status, style=status_style),
                Text(row.score),
                Text(row.result, style=styles.get(row.result, "")),
                Text(row.time),
                Text(row.paused),
                key=str(record.id),
            )
        hint = (
            Content.assemble(
                ("Enter", "bold"),
                " reopens an exam's results and review (or resumes an unfinished one), ",
                ("Esc", "bold"),
                " goes back",
            )
            if self.records
            else Content.assemble("No exams yet: press ", ("e", "bold"), " to take one.")
        )
        self.query_one("#history-hint", Static).update(hint)
        self.query_one("#history-domains", Static).display = bool(self.records)
        table.focus()

    @on(DataTable.RowHighlighted, "#history-exams")
    def show_domains(self, event: DataTable.RowHighlighted) -> None:
        """Under the table: the highlighted exam's score in each of its domains."""
        key = str(event.row_key.value)
        self.query_one("#history-domains", Static).update(
            Content.assemble((f"Exam {key} by domain: ", "bold"), self.domains.get(key, ""))
        )

    @on(DataTable.RowSelected, "#history-exams")
    def open_exam(self, event: DataTable.RowSelected) -> None:
        """Enter on an exam: its results and review when submitted, resume when unfinished."""
        record = self.records[str(event.row_key.value)]
        if record.scored:
            self.app.review_exam(record.id)
        elif record.status in ("open", "paused"):
            self.app.resume_exam()
        else:
            self.notify(
                f"Exam {record.id} was discarded before it was submitted: it has no score or review.",
                markup=False,
            )

    def action_exam(self) -> None:
        """A practice exam (its start page first), as e on the home screen."""
        self.app.start_exam()

    def action_back(self) -> None:
        """Back home."""
        self.dismiss(None)
