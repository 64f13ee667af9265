"""The exam's start page: how many questions, how long, the pass mark and the scoring rule, before
the clock starts. Nothing is stored until the learner starts it (Enter); Escape goes back home."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Button, Footer, Static

from ...exams import ExamPlan
from ...history import clock_text, plural
from ...study.choice import scoring_rule

if TYPE_CHECKING:
    from ..app import QuizApp

START = "start"
"""What the page dismisses with when the learner starts the exam."""


def plan_facts(plan: ExamPlan, domains: list[tuple[str, int]]) -> list[tuple[str, Content]]:
    """The facts of a planned exam as (label, text) rows."""
    facts = [
        (
            "Exam",
            Content.assemble(
                (plural(plan.count, "question"), "bold"),
                ("  ·  ", "dim"),
                (f"{clock_text(plan.minutes * 60)} on the clock", "bold"),
                ("  ·  ", "dim"),
                (f"pass mark {plan.pass_percent}%", "bold"),
            ),
        ),
        ("Domains", Content(", ".join(f"{title} {n}" for title, n in domains))),
        ("Scoring", Content(f"one point per question; {scoring_rule(plan.scoring)}")),
        (
            "Options",
            Content.assemble(
                "shown in a shuffled order fixed by the seed ",
                (str(plan.seed), "bold"),
                f"; `quizapp exam --seed {plan.seed}` draws this exam again",
            ),
        ),
        (
            "Feedback",
            Content(
                "none until you submit; answers can change until then, and each is saved the"
                " moment you give it"
            ),
        ),
        (
            "Leaving",
            Content(
                "esc or q pauses the exam and stops its clock; the results say how often and"
                " how long it was paused"
            ),
        ),
    ]
    if plan.note:
        facts.append(
            ("Note", Content.styled(plan.note[0].upper() + plan.note[1:] + ".", "bold $text-warning"))
        )
    return facts


class ExamStartScreen(Screen[str | None]):
    """Dismisses with START (Enter) to begin the exam, or None (Escape) to go back."""

    BINDINGS = [
        Binding("enter", "start", "Start the clock", id="exam-start.start"),
        Binding("escape", "cancel", "Back", id="exam-start.cancel"),
    ]

    app: QuizApp

    def __init__(self, plan: ExamPlan) -> None:
        super().__init__()
        self.plan = plan

    def compose(self) -> ComposeResult:
        """Title, the facts, and the two buttons."""
        bank = self.app.bank
        yield Static(
            Content.assemble(("Practice exam", "bold"), ("  ·  ", "dim"), self.app.bank_title),
            id="start-title",
            classes="title-bar",
        )
        drawn = set(self.plan.question_ids)
        by_domain = bank.ids_by_domain() if bank else {}
        domains = [
            (d.title, n)
            for d in (bank.manifest.domains if bank else [])
            for n in [len(drawn.intersection(by_domain.get(d.id, [])))]
            if n
        ]
        with VerticalScroll(id="start-body", can_focus=False):
            with Vertical(id="start-facts"):
                for label, text in plan_facts(self.plan, domains):
                    with Horizontal(classes="start-fact"):
                        yield Static(Content.styled(label, "bold"), classes="start-label")
                        yield Static(text, classes="start-text")
            with Horizontal(classes="dialog-buttons", id="start-buttons"):
                yield Button("Start the clock (Enter)", id="start-go", variant="primary", compact=True)
                yield Button("Back (esc)", id="start-back", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        """Focus the start button."""
        self.query_one("#start-go", Button).focus()

    def action_start(self) -> None:
        """Begin the exam."""
        self.dismiss(START)

    def action_cancel(self) -> None:
        """Back, with nothing stored."""
        self.dismiss(None)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        """Start or go back."""
        event.stop()
        self.dismiss(START if event.button.id == "start-go" else None)
