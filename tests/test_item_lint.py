"""The item-writing lint: a bank written to carry every cue gets a located warning for each, a
stated reason silences one, and the bank summary reports what a learner scores without reading."""

from __future__ import annotations

import re

from quizapp.bank import Question
from quizapp.cli import main
from quizapp.item_lint import bank_summary, item_warnings, near_duplicates
from quizapp.lint import lint

CUED = """\
id: cued
title: A question full of cues
domain: sequence-models
scenario: A team must pick a layer for long sequences of sensor readings.
requirements:
  - {id: parallel, text: Every position is processed at once.}
  - {id: cheap, text: It costs little.}
prompt: Which layer is not a good fit?
options:
  - text: Self-attention, because every position attends to every other in one parallel step, so the path between any two readings is one layer long.
    why: Right.
    violates: [cheap]
  - text: An RNN.
    why: Unlike the first option it is sequential.
    violates: [parallel]
  - text: All of the above.
    why: No.
answer: A
explanation: The answer is (A), as option B shows.
"""

TWIN = """\
id: twin-{n}
title: Causal masking for a streaming tagger
domain: sequence-models
scenario: A streaming tagger labels each token as it arrives and must never read a later token; the team asks which mask stops attention from reading ahead.
prompt: Which mask keeps the streaming tagger from reading later tokens?
options:
  - {{text: A causal mask that hides every later token from each query., why: Right.}}
  - {{text: A padding mask that hides only the padded positions at the end., why: Wrong.}}
answer: A
explanation: Only the causal mask hides the future.
"""


def findings_by_rule(root) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for finding in lint([root]):
        out.setdefault(finding.problem.rule, []).append(str(finding))
    return out


def test_a_bank_built_to_carry_cues_gets_a_located_warning_for_each(make_bank) -> None:
    root = make_bank({"cued.yaml": CUED, "twin-1.yaml": TWIN.format(n=1), "twin-2.yaml": TWIN.format(n=2)})
    found = findings_by_rule(root)
    line_of = {n: line for n, line in enumerate(CUED.splitlines(), start=1)}

    def at(rule: str) -> list[int]:
        return [
            int(re.search(r"cued\.yaml:(\d+):\d+:", f).group(1))
            for f in found.get(rule, [])
            if "cued.yaml" in f
        ]

    assert at("key-longer") and "answer:" in line_of[at("key-longer")[0]]
    refs = at("option-reference")
    assert any("first option" in line_of[n] for n in refs) and any("(A)" in line_of[n] for n in refs)
    assert "All of the above" in line_of[at("all-none-above")[0]]
    assert "violates: [cheap]" in line_of[at("key-violates")[0]]
    assert at("negative-prompt") and "prompt:" in line_of[at("negative-prompt")[0]]
    assert len(found["near-duplicate"]) == 2 and all("twin-" in f for f in found["near-duplicate"])
    assert all(" warning: " in f for rule in found for f in found[rule] if rule != "claim-fails")


def test_every_cue_rule_says_how_to_fix_it() -> None:
    q = Question.model_validate(__import__("yaml").safe_load(CUED))
    rules = {rule: message for _, rule, message in item_warnings(q)}
    assert set(rules) >= {
        "key-longer",
        "option-reference",
        "all-none-above",
        "key-violates",
        "negative-prompt",
    }
    for message in rules.values():
        assert ":" in message and len(message.split(":", 1)[1].strip()) > 10  # the fix follows the colon


def test_a_stated_reason_silences_a_rule_for_that_question(make_bank) -> None:
    quiet = CUED.replace(
        "answer: A\n",
        "answer: A\nlint: {ignore: [key-longer, negative-prompt], why: A test of the mechanism.}\n",
    )
    found = findings_by_rule(make_bank({"cued.yaml": quiet}))
    assert "key-longer" not in found and "negative-prompt" not in found and "option-reference" in found
    unreasoned = CUED.replace("answer: A\n", "answer: A\nlint: {ignore: [key-longer]}\n")
    assert main(["validate", str(make_bank({"cued.yaml": unreasoned}))]) == 1


def test_a_requirement_no_option_breaks_is_reported(make_bank) -> None:
    dead = CUED.replace("    violates: [cheap]\n", "")
    found = findings_by_rule(make_bank({"cued.yaml": dead}))
    assert any("'cheap'" in f for f in found["requirement-unbroken"])


def test_emphasised_negatives_and_plain_math_pass() -> None:
    text = CUED.replace("Which layer is not a good fit?", "Which layer is **NOT** a good fit?").replace(
        "The answer is (A), as option B shows.", "With softmax(A) the rows sum to 1."
    )
    q = Question.model_validate(__import__("yaml").safe_load(text))
    rules = {rule for _, rule, _ in item_warnings(q)}
    assert "negative-prompt" not in rules
    assert not any(
        rule == "option-reference" and where == ("explanation",) for where, rule, _ in item_warnings(q)
    )


def test_the_summary_scores_the_blind_strategies(make_bank, capsys) -> None:
    import yaml

    qs = [
        Question.model_validate(yaml.safe_load(CUED)),
        Question.model_validate(yaml.safe_load(TWIN.format(n=1))),
    ]
    summary = bank_summary(qs)
    assert (summary.longest_strategy, summary.first_strategy, summary.longest_single, summary.single) == (
        1,
        2,
        1,
        2,
    )
    assert summary.key_positions == {"A": 2} and summary.length_ratio > 1.5
    assert near_duplicates(qs) == []
    root = make_bank({"cued.yaml": CUED})
    main(["lint", str(root)])
    out = capsys.readouterr().out
    assert "summary: picking the longest option(s) scores 1/1 (100%)" in out
    assert "keyed file positions: A 1" in out
