"""One past exam in detail: score, result, time, and each domain's correct / total."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Static

from ...bank.models import Manifest
from ...exam_store import ExamRecord
from ..exams import clock_text


def record_verdict(record: ExamRecord) -> str:
    """'pass', 'fail', 'fail (time ran out)', 'open' or 'not finished'."""
    if record.finished is None:
        return "open"
    if record.percent is None:
        return "discarded"
    text = "pass" if record.passed else "fail"
    return text + (" (time ran out)" if record.timed_out else "")


def record_score(record: ExamRecord) -> str:
    """'14 / 20 (70%)', or '7 / 20 answered' for an exam without a score."""
    if record.percent is None:
        return f"{record.answered} / {len(record.question_ids)} answered"
    return f"{record.correct} / {record.total} ({record.percent:.0f}%)"


def record_date(record: ExamRecord) -> str:
    """'2024-05-01 14:22'."""
    return str(record.as_json()["started"]).replace("T", " ")[:16]


class ExamDetailDialog(ModalScreen[None]):
    """A past exam's facts and per-domain table; dismisses with None."""

    BINDINGS = [Binding("escape,enter", "close", "Close", id="exam-detail.close")]

    def __init__(self, record: ExamRecord, manifest: Manifest | None) -> None:
        super().__init__()
        self.record = record
        self.manifest = manifest

    def compose(self) -> ComposeResult:
        """Heading, facts, the domains table and a Close button."""
        r = self.record
        with Vertical(id="exam-detail-dialog", classes="dialog"):
            yield Static(Content.styled(f"Exam {r.id} · {record_date(r)}", "bold"), classes="dialog-title")
            facts = [
                f"Score: {record_score(r)} · {record_verdict(r)} (pass mark {r.pass_percent}%)",
                f"Time used: {clock_text(r.seconds_used)} of {clock_text(r.minutes * 60)}",
                f"Questions: {len(r.question_ids)}, answered {r.answered}",
            ]
            yield Static(Content("\n".join(facts)), id="exam-detail-facts")
            yield DataTable(id="exam-detail-domains", cursor_type="none", zebra_stripes=True)
            yield Button("Close", id="exam-detail-close", variant="primary", compact=True)

    def on_mount(self) -> None:
        """Fill the domains table; focus the button."""
        table = self.query_one("#exam-detail-domains", DataTable)
        table.add_columns("Domain", "Correct", "Percent")
        for domain_id, (correct, total) in self.record.per_domain.items():
            domain = self.manifest.domain(domain_id) if self.manifest else None
            percent = 100 * correct / total if total else 0
            table.add_row(
                Text(domain.title if domain else domain_id),
                Text(f"{correct} / {total}"),
                Text(f"{percent:.0f}%", justify="right"),
            )
        if not self.record.per_domain:
            table.display = False
        self.query_one("#exam-detail-close", Button).focus()

    def action_close(self) -> None:
        """Close."""
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Close."""
        event.stop()
        self.dismiss(None)
