"""The bundled bank keeps the shape its issue promised: counts computed from the bank itself."""

from __future__ import annotations

from collections import Counter

import sims
from quizapp.bank import load_bank

from .conftest import BUNDLED

BANK = load_bank(BUNDLED).bank
QUESTIONS = list(BANK.questions)


def test_at_least_96_questions_in_8_domains_none_under_10():
    """Issue 16: the bank doubled, two new domains of at least 12, none under 10."""
    assert len(QUESTIONS) >= 96
    per_domain = Counter(q.domain for q in QUESTIONS)
    assert len(BANK.manifest.domains) >= 8
    for domain in BANK.manifest.domains:
        assert per_domain[domain.id] >= 10, f"{domain.id}: {per_domain[domain.id]} questions"
    for new in ("beyond-softmax", "serving-at-scale"):
        assert per_domain[new] >= 12, f"{new}: {per_domain[new]} questions"


def test_at_least_31_simulations():
    assert len(sims.ids()) >= 31, sorted(sims.ids())


def test_difficulty_spread_and_choose_n():
    assert {q.difficulty for q in QUESTIONS} == {1, 2, 3, 4, 5}
    assert sum(q.multiple and len(q.answers) >= 2 for q in QUESTIONS) >= 8


def test_every_question_is_backed_by_a_simulation():
    assert all(q.all_sim_links() for q in QUESTIONS)
    every_option = [q.id for q in QUESTIONS if all(o.sim is not None for o in q.options)]
    assert len(every_option) >= 12, every_option


def test_every_simulation_is_linked_by_a_question():
    linked = {link.id for q in QUESTIONS for link in q.all_sim_links()}
    assert set(sims.ids()) - linked == set()


def test_every_question_teaches_fully():
    for q in QUESTIONS:
        assert q.traps, f"{q.id} names no trap"
        assert q.references, f"{q.id} cites nothing"
        assert q.requirements, f"{q.id} sets no requirements"
        assert len(q.options) >= 4, f"{q.id} has only {len(q.options)} options"


def test_exam_defaults_are_sized_like_a_real_exam():
    exam = BANK.manifest.exam
    assert 1.5 <= exam.minutes / exam.questions <= 2.5
    assert exam.questions <= len(QUESTIONS)


def test_reading_nothing_scores_nothing():
    from quizapp.item_lint import bank_summary

    summary = bank_summary(QUESTIONS)
    assert summary.longest_strategy <= 0.40 * len(QUESTIONS), summary  # "pick the longest" (issue 11)
    assert summary.longest_single <= 0.40 * summary.single, summary
    assert 0.85 <= summary.length_ratio <= 1.15, summary  # keys are neither longer nor shorter


def test_lint_reports_no_warning_on_the_bundled_bank():
    from quizapp.lint import lint

    assert [str(f) for f in lint([BUNDLED])] == []


def test_no_text_points_at_an_option_by_letter_or_position():
    import re

    import yaml

    pattern = re.compile(
        r"\b(first|second|third|last) option\b|\b[Oo]ption [A-H]\b|\([A-H]\)|\b(all|none) of the above\b"
    )
    hits = [q.id for q in QUESTIONS if pattern.search(yaml.safe_dump(q.model_dump()))]
    assert hits == []
