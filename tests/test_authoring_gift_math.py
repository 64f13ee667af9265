"""GIFT export writes math with the MathJax delimiters Moodle reads, import reverses it, and export
says how Moodle will score choose-N questions."""

from __future__ import annotations

import pytest

from quizapp.bank import Question, load_bank
from quizapp.cli import main
from quizapp.gift import export_gift, import_gift

from .conftest import BUNDLED, GOOD_QUESTION

TWO_DOMAINS = """\
title: Test bank
domains:
  - id: sequence-models
    title: Sequence models
  - id: long-context
    title: Long context
"""


def question(**fields) -> Question:
    base = {
        "id": "m",
        "title": "Math",
        "domain": "sequence-models",
        "scenario": "A scenario.",
        "prompt": "Which one?",
        "options": [{"text": "a", "why": "b"}, {"text": "c", "why": "d"}],
        "answer": "A",
        "explanation": "Because.",
    }
    return Question.model_validate(base | fields)


def test_gift_writes_math_with_mathjax_delimiters():
    q = question(
        scenario="Scale by $\\frac{1}{\\sqrt{d_k}}$ where $a = b$:\n\n$$\\sum_{i} x_i = 1$$\n\nCosts $5.",
    )
    text = export_gift([q])
    assert "\\(\\\\frac\\{1\\}\\{\\\\sqrt\\{d_k\\}\\}\\) where \\(a \\= b\\)" in text
    assert "\\[\\\\sum_\\{i\\} x_i \\= 1\\]" in text
    assert "Costs $5." in text and "$\\" not in text
    [back] = import_gift(text).questions
    assert back["scenario"] == q.scenario + "\n"  # a multi-line value gains YAML's final newline


def test_gift_import_reads_handwritten_mathjax_and_keeps_escaped_backslashes():
    gift = "::T::Let \\(x^2\\) and \\[y\\] but \\\\(z\\\\) stays text.{=a ~b}"
    [q] = import_gift(gift).questions
    assert q["scenario"] == "Let $x^2$ and $$y$$ but \\(z\\) stays text."


def test_bundled_bank_gift_export_import_export_is_identical():
    bank = load_bank(BUNDLED).bank
    first = export_gift(bank.questions, bank.manifest)
    assert "\\(" in first and "\\[" in first
    back = [Question.model_validate(d) for d in import_gift(first, "bank.gift").questions]
    assert export_gift(back, bank.manifest) == first


@pytest.mark.parametrize(
    "scoring, words", [("all-or-nothing", "cannot score all-or-nothing"), ("partial", "partial weights")]
)
def test_export_gift_says_how_moodle_scores_choose_n(make_bank, tmp_path, capsys, scoring, words):
    manifest = TWO_DOMAINS.replace("domains:", f"exam:\n  scoring: {scoring}\ndomains:")
    choose = GOOD_QUESTION.replace("answer: B", "answer: [A, B]").replace("Which one?", "Choose two.")
    root = make_bank({"q.yaml": choose}, manifest=manifest)
    assert main(["--bank", str(root), "export", "gift", str(tmp_path / "out.gift")]) == 0
    captured = capsys.readouterr()
    [line] = captured.err.splitlines()
    assert words in line and line.startswith("1 choose-N question:")
    assert "wrote 1 questions" in captured.out
