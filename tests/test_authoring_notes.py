"""`validate` and `lint` on a file outside any bank say, in one wording, which checks they could not
run."""

from __future__ import annotations

from pathlib import Path

from quizapp.cli import main

from .conftest import GOOD_QUESTION


def lone(tmp_path: Path, text: str = GOOD_QUESTION, name: str = "q.yaml") -> Path:
    """A question file in a folder with no bank.yaml above it."""
    folder = tmp_path / "elsewhere"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


def test_lint_and_validate_outside_a_bank_name_the_checks_they_skipped(tmp_path, capsys):
    path = lone(tmp_path)
    assert main(["validate", str(path)]) == 0
    validated = capsys.readouterr().out.splitlines()
    assert main(["lint", str(path)]) == 0
    linted = capsys.readouterr().out.splitlines()
    assert linted[-2] == "0 errors, 0 warnings"  # no longer the whole story
    [v_note] = [line for line in validated if line.startswith("note: ")]
    [l_note] = [line for line in linted if line.startswith("note: ")]
    shared = (
        f"note: {path} is in no bank (no bank.yaml above it), so its domain was not checked against a"
        " bank.yaml, and these checks were not run: duplicate question ids across the bank's files"
    )
    assert v_note.startswith(shared) and l_note.startswith(shared)
    for check in ("simulations", "item-writing warnings", "near-duplicates"):
        assert check in l_note and check not in v_note


def test_no_note_inside_a_bank(make_bank, capsys):
    root = make_bank({"q.yaml": GOOD_QUESTION})
    assert main(["lint", str(root / "q.yaml")]) == 0
    assert "note:" not in capsys.readouterr().out
