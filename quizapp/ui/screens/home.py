"""The home screen: the bank, its domains with the learner's progress, and the way in."""

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

from ..dialogs.skipped import SkippedDialog
from ..widgets.prose import literal, markdown

if TYPE_CHECKING:
    from ..app import QuizApp

ALL = "__all__"
"""Row key of the 'All domains' row."""


class HomeScreen(Screen[None]):
    """Bank title and description, domains with question counts and progress, skipped files."""

    BINDINGS = [
        Binding("s", "study", "Start studying", id="home.study"),
        Binding("p", "skipped", "Skipped files", id="home.skipped"),
    ]

    app: QuizApp  # type: ignore[assignment]

    def compose(self) -> ComposeResult:
        """Title, description, domains table, hints, and the skipped-files line if any."""
        bank = self.app.bank
        yield Static(literal(bank.title if bank else "quizapp"), id="bank-title", classes="title-bar")
        with VerticalScroll(id="home-body", can_focus=False):
            if bank is None:
                yield Static(self._unusable(), id="bank-error")
                return
            if bank.manifest.description:
                yield markdown(bank.manifest.description, id="bank-description")
            yield DataTable(id="domains", cursor_type="row", zebra_stripes=True)
            hint = Content.assemble(
                ("Enter", "bold"), " studies the highlighted row, ", ("s", "bold"), " studies all"
            )
            yield Static(hint, id="home-hint")
            if bank.skipped:
                count = len(bank.skipped)
                line = Content.assemble(
                    (f"{count} file{'s' if count != 1 else ''} skipped", "bold $text-warning"),
                    " — press ",
                    ("p", "bold"),
                    " to see why",
                )
                yield Static(line, id="skipped-line")
        yield Footer()

    def _unusable(self) -> Content:
        """The message shown when bank.yaml itself cannot be read."""
        lines = [Content.styled(f"The bank at {self.app.bank_dir} cannot be opened:", "bold $text-error")]
        lines += [Content(str(p)) for p in self.app.problems]
        return Content("\n").join(lines)

    def on_mount(self) -> None:
        """Fill the domains table and focus it, so Enter studies the highlighted row."""
        if self.app.bank is not None:
            table = self.query_one("#domains", DataTable)
            table.add_columns("Domain", "Questions", "Answered", "Correct")
            self.fill_domains()
            table.focus()

    def on_screen_resume(self) -> None:
        """Back from a session: show the new progress."""
        if self.app.bank is not None:
            self.fill_domains()

    def fill_domains(self) -> None:
        """One row per domain (and one for all): questions, how many answered, how many last right."""
        bank = self.app.bank
        assert bank is not None
        table = self.query_one("#domains", DataTable)
        row = table.cursor_row
        table.clear()
        progress = self.app.store.progress()
        totals = [0, 0, 0]
        rows = []
        ids_by_domain = bank.ids_by_domain()  # from the index: a large bank is not built to be counted
        for domain in bank.manifest.domains:
            ids = ids_by_domain.get(domain.id, [])
            answered = [progress[qid] for qid in ids if qid in progress]
            counts = [len(ids), len(answered), sum(p.last_correct for p in answered)]
            totals = [a + b for a, b in zip(totals, counts, strict=True)]
            rows.append((domain.id, domain.title, counts))
        table.add_row(Text("All domains", style="bold"), *(Text(str(n)) for n in totals), key=ALL)
        for domain_id, title, counts in rows:
            table.add_row(Text(title), *(Text(str(n)) for n in counts), key=domain_id)
        table.move_cursor(row=min(row, table.row_count - 1))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Studying needs questions; the skipped-files list needs skipped files."""
        if action == "study":
            return self.app.bank is not None and bool(self.app.bank.questions)
        if action == "skipped":
            return self.app.bank is not None and bool(self.app.bank.skipped)
        return True

    def action_study(self) -> None:
        """Study every question (within the app's domain/tag filter)."""
        self.app.start_study(self.app.domain, self.app.tag)

    def action_skipped(self) -> None:
        """Show which files were skipped and why."""
        if self.app.bank is not None and self.app.bank.skipped:
            self.app.push_screen(SkippedDialog(self.app.bank.skipped))

    @on(DataTable.RowSelected, "#domains")
    def study_row(self, event: DataTable.RowSelected) -> None:
        """Enter on a row studies that domain (or all of them)."""
        key = event.row_key.value
        self.app.start_study(None if key == ALL else key, self.app.tag)
