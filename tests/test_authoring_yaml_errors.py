"""A YAML syntax error is located at the construct left open (the quote or bracket), and names where
PyYAML gave up."""

from __future__ import annotations

from pathlib import Path

import pytest

from quizapp.bank import validate_paths


def lone(tmp_path: Path, text: str, name: str) -> Path:
    """A question file in a folder with no bank.yaml above it."""
    folder = tmp_path / "elsewhere"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    "text, at, words",
    [
        ('id: x\ntitle: "unclosed\ndomain: y\n', (2, 8), 'unclosed quote opened here: no closing "'),
        ("id: x\ntitle: 'unclosed\ndomain: y\n", (2, 8), "unclosed quote opened here: no closing '"),
        ("id: x\ntags: [a, b\ndomain: y\n", (2, 7), "unclosed '[' opened here: at line 3, column 7"),
        ("id: x\nsim: {id: a\ndomain: y\n", (2, 6), "unclosed '{' opened here: at line 3, column 7"),
        ("id: x\ntags: [a, b\n", (2, 7), "unclosed '[' opened here: no ']' before the end of the file"),
        ("id: x\noptions:\n  - text: a\n   why: b\n", (3, 3), "check the indentation at line 4, column 4"),
        ("id: x\ntitle: t\n  domain: y\n", (3, 9), "check this line's indentation"),
    ],
)
def test_yaml_errors_point_at_the_unclosed_construct(tmp_path, text, at, words):
    path = lone(tmp_path, text, "broken.yaml")
    [problem] = validate_paths([path])
    assert (problem.line, problem.column) == at and problem.rule == "yaml-syntax"
    assert words in problem.message, problem.message
