"""The parts of a question above its options (title, scenario, requirements) and its prompt, for the
exam and exam-review screens; the ids match the study screen's, so they share its styles."""

from __future__ import annotations

import re

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widgets import Static

from ...bank.models import Question, Scoring
from ...study.choice import count_line, needed, scoring_rule
from ...text import plain
from .prose import literal, markdown


def compose_question(question: Question) -> ComposeResult:
    """Title, scenario and requirements; every text literal (never markup)."""
    yield Static(literal(plain(question.title), "bold"), id="q-title")
    yield markdown(question.scenario, id="q-scenario")
    if question.requirements:
        width = max(len(r.id) for r in question.requirements) + 2
        with Vertical(id="q-requirements"):
            for r in question.requirements:
                with Horizontal(classes="requirement"):
                    yield Static(literal(r.id, "bold"), classes="requirement-id").set_styles(
                        f"width: {width};"
                    )
                    yield Static(literal(plain(r.text)), classes="requirement-text")


def prompt_widget(question: Question) -> Static:
    """The prompt, with '(choose N)' on questions with several answers whose prompt does not say so."""
    prompt = plain(question.prompt)
    if question.multiple and not re.search(r"\b(choose|select|pick)\b", prompt, re.I):
        prompt += f" (choose {len(question.answers)})"
    return Static(literal(prompt, "bold"), id="q-prompt")


CONFIDENCE_WORDS = {1: "unsure", 2: "fairly sure", 3: "sure"}
"""How sure the learner said they were (the core's CONFIDENCE_NAMES, which load the scheduler)."""


def next_confidence(level: int | None) -> int | None:
    """u cycles: not said -> unsure (1) -> fairly sure (2) -> sure (3) -> not said."""
    return None if level == 3 else (level or 0) + 1


def confidence_text(level: int | None) -> Content:
    """'you are fairly sure (u changes it)', or nothing when the learner has not said."""
    if level is None:
        return Content("")
    return Content.assemble(
        "you are ", (CONFIDENCE_WORDS[level], "bold $text-accent"), ("  (u changes it)", "dim")
    )


def choice_status(
    question: Question,
    chosen: frozenset[str] | set[str],
    scoring: Scoring,
    refusal: str | None = None,
    confidence: int | None = None,
) -> Content:
    """The line under the prompt: '1 of 2 chosen · all or nothing: …' and how sure the learner said
    they are, or why a choice was refused."""
    if refusal:
        return Content.styled(refusal, "bold $text-error")
    sure = confidence_text(confidence)
    if not question.multiple:
        return sure
    count = Content.assemble(
        (count_line(question, chosen), "bold"),
        ("  ·  ", "dim"),
        (scoring_rule(scoring, needed(question)), "dim"),
    )
    return Content("\n").join([count, sure]) if sure.plain else count


class ChoiceStatus(Static):
    """How many options are chosen of how many, and the scoring rule; or why a choice was refused."""

    def __init__(self, question: Question, scoring: Scoring) -> None:
        super().__init__(id="q-count")
        self.question = question
        self.scoring = scoring

    def show(
        self, chosen: frozenset[str] | set[str], refusal: str | None = None, confidence: int | None = None
    ) -> None:
        """Redraw for the current choice and confidence (or a refusal); hidden with nothing to say."""
        line = choice_status(self.question, chosen, self.scoring, refusal, confidence)
        self.update(line)
        self.display = bool(line.plain)
        self.set_class(bool(refusal), "-refused")
