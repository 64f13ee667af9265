"""The parts of a question above its options (title, scenario, requirements) and its prompt, for the
exam and exam-review screens; the ids match the study screen's, so they share its styles."""

from __future__ import annotations

import re

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from ...bank.models import Question
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
