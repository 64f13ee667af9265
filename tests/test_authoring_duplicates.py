"""A duplicate question id is reported in the same run as the file's other problems, naming both
places."""

from __future__ import annotations

from pathlib import Path

from quizapp.bank import load_bank, validate_paths

from .conftest import GOOD_QUESTION


def test_a_duplicate_id_is_reported_with_the_files_other_errors(make_bank):
    broken_copy = GOOD_QUESTION.replace("answer: B", "anwser: B")
    root = make_bank({"a.yaml": GOOD_QUESTION, "b.yaml": broken_copy})
    rules = {p.rule for p in load_bank(root).problems if p.path.endswith("b.yaml")}
    assert rules == {"unknown-key", "missing-field", "duplicate-question"}


def test_a_broken_copy_never_knocks_out_the_finished_question(make_bank):
    broken_copy = GOOD_QUESTION.replace("answer: B", "anwser: B")
    root = make_bank({"a-copy.yaml": broken_copy, "b-original.yaml": GOOD_QUESTION})
    result = load_bank(root)
    assert [q.id for q in result.bank.questions] == ["good-one"]
    [dup] = [p for p in result.problems if p.rule == "duplicate-question"]
    assert dup.path.endswith("a-copy.yaml") and "b-original.yaml:1:5" in dup.message


def test_validating_one_file_checks_its_id_against_the_rest_of_the_bank(make_bank, monkeypatch):
    root = make_bank({"a/first.yaml": GOOD_QUESTION, "b/second.yaml": GOOD_QUESTION})
    monkeypatch.chdir(root)
    [p] = validate_paths([Path("b/second.yaml")])
    assert p.rule == "duplicate-question" and p.path == "b/second.yaml"
    assert "a/first.yaml:1:5" in p.message  # both places named
    assert validate_paths([Path("b")])[0].rule == "duplicate-question"


def test_two_questions_with_one_id_in_one_list_file(make_bank):
    listed = "- " + GOOD_QUESTION.replace("\n", "\n  ").rstrip() + "\n"
    root = make_bank({"two.yaml": listed + listed})
    [p] = load_bank(root).problems
    assert p.rule == "duplicate-question" and "two.yaml:1:7" in p.message
