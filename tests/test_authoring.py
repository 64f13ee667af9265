"""Authoring tools: the editor schema, the skeleton, and the linter that runs the proofs."""

from __future__ import annotations

import json
import re

from quizapp.bank import validate_paths
from quizapp.bank.schema import question_file_schema
from quizapp.cli import main
from quizapp.lint import lint

from .conftest import BUNDLED, GOOD_QUESTION


def test_schema_describes_every_field_and_lists_simulations(capsys):
    assert main(["schema"]) == 0
    schema = json.loads(capsys.readouterr().out)
    question = schema["$defs"]["Question"]
    assert set(question["required"]) == {
        "id",
        "title",
        "domain",
        "scenario",
        "prompt",
        "options",
        "answer",
        "explanation",
    }
    for model in schema["$defs"].values():
        for name, prop in model["properties"].items():
            assert prop.get("description"), f"{model['title']}.{name} has no description"
    assert "rnn-gradient-decay" in schema["$defs"]["SimLink"]["properties"]["id"]["enum"]
    assert main(["schema", "--manifest"]) == 0
    assert "domains" in json.loads(capsys.readouterr().out)["properties"]


def test_schema_accepts_the_bundled_question_shape():
    schema = question_file_schema()
    assert {"$ref": "#/$defs/Question"} in schema["oneOf"]
    assert schema["$defs"]["Question"]["additionalProperties"] is False


def test_new_writes_a_skeleton_that_fails_only_where_text_is_missing(make_bank, capsys):
    root = make_bank()
    path = root / "drafts" / "kv-sizing.yaml"
    assert main(["new", str(path), "--domain", "sequence-models"]) == 0
    problems = validate_paths([path])
    assert problems and all("is empty" in p.message for p in problems), problems
    filled = re.sub(r'""', "Filled in.", path.read_text())
    path.write_text(filled)
    assert validate_paths([path]) == []
    assert "id: kv-sizing" in filled
    assert main(["new", str(path)]) == 2  # never overwrites
    assert main(["new", str(root / "x.yaml"), "--domain", "nowhere"]) == 2


def test_lint_is_clean_on_the_bundled_bank():
    assert [f for f in lint([BUNDLED]) if f.level == "error"] == []


def test_lint_reports_a_claim_that_fails_at_the_linked_settings(make_bank, capsys):
    text = GOOD_QUESTION.replace(
        "sim: rnn-gradient-decay", "sim: {id: cnn-receptive-field, params: {stride: 2}}"
    )
    root = make_bank({"q.yaml": text})
    findings = lint([root])
    [error] = [f for f in findings if f.level == "error"]
    assert error.problem.rule == "claim-fails" and error.problem.line == 13
    assert main(["lint", str(root)]) == 1
    assert "does not hold" in capsys.readouterr().out


def test_lint_warnings(make_bank):
    text = (
        GOOD_QUESTION.replace("    sim: rnn-gradient-decay\n", "")
        .replace("why: Because second.", "why: Second")
        .replace("prompt: Which one?", "prompt: Choose two of these.")
    )
    findings = lint([make_bank({"q.yaml": text})])
    assert {f.problem.rule for f in findings} == {"no-simulation", "why-repeats-text", "choose-n"}
    assert all(f.level == "warning" for f in findings)
    assert main(["lint", str(make_bank({"q.yaml": text}))]) == 0
