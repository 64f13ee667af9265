"""Thirty kinds of broken question file, each with the rule the validator must report for it."""

from __future__ import annotations

from .conftest import GOOD_QUESTION as G


def _swap(old: str, new: str, qid: str) -> str:
    assert old in G, old
    return G.replace(old, new).replace("id: good-one", f"id: {qid}")


BOMB = (
    "\n".join(
        ['a0: &a0 ["x","x","x","x","x","x","x","x","x"]']
        + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    )
    + "\n"
)

BROKEN: dict[str, tuple[str | bytes, str]] = {
    "syntax.yaml": ("id: x\ntitle: [unclosed\n", "yaml-syntax"),
    "tabs.yaml": ("id: x\n\ttitle: y\n", "tab-indent"),
    "latin1.yaml": (b"id: x\ntitle: caf\xe9\n", "encoding"),
    "dup-key.yaml": (
        _swap("explanation: The analysis.", "explanation: a\nexplanation: b", "dup-key"),
        "duplicate-key",
    ),
    "unknown-key.yaml": (_swap("answer: B", "answer: B\nanwser: B", "unknown-key"), "unknown-key"),
    "missing-answer.yaml": (_swap("answer: B\n", "", "missing-answer"), "missing-field"),
    "missing-title.yaml": (_swap("title: A good question\n", "", "missing-title"), "missing-field"),
    "difficulty.yaml": (_swap("answer: B", "answer: B\ndifficulty: 7", "difficulty"), "out-of-range"),
    "tags-type.yaml": (_swap("answer: B", "answer: B\ntags: rnn", "tags-type"), "wrong-type"),
    "bad-slug.yaml": (G.replace("id: good-one", "id: Bad Id"), "wrong-value"),
    "one-option.yaml": (
        _swap("  - text: Second\n    why: Because second.\n", "", "one-option").replace(
            "answer: B", "answer: A"
        ),
        "option-count",
    ),
    "nine-options.yaml": (
        _swap(
            "options:\n",
            "options:\n" + "".join(f"  - {{text: o{i}, why: w{i}}}\n" for i in range(7)),
            "nine-options",
        ).replace("answer: B", "answer: A"),
        "option-count",
    ),
    "dup-option.yaml": (
        _swap("  - text: First", "  - id: B\n    text: First", "dup-option"),
        "duplicate-option",
    ),
    "no-why.yaml": (_swap("    why: Because second.\n", "", "no-why"), "missing-why"),
    "empty-why.yaml": (_swap("why: Because second.", 'why: ""', "empty-why"), "wrong-value"),
    "bad-answer.yaml": (_swap("answer: B", "answer: E", "bad-answer"), "unknown-answer"),
    "dup-answer.yaml": (_swap("answer: B", "answer: [B, B]", "dup-answer"), "duplicate-answer"),
    "answer-type.yaml": (_swap("answer: B", "answer: {B: 1}", "answer-type"), "wrong-type"),
    "violates.yaml": (_swap("violates: [parallel]", "violates: [global]", "violates"), "unknown-requirement"),
    "domain.yaml": (_swap("domain: sequence-models", "domain: elsewhere", "domain"), "unknown-domain"),
    "dup-question.yaml": (G, "duplicate-question"),
    "unknown-sim.yaml": (
        _swap("sim: rnn-gradient-decay", "sim: rnn-gradient-decy", "unknown-sim"),
        "unknown-sim",
    ),
    "sim-param-key.yaml": (
        _swap(
            "sim: rnn-gradient-decay", "sim: {id: rnn-gradient-decay, params: {sigmaa: 1}}", "sim-param-key"
        ),
        "bad-sim-params",
    ),
    "sim-param-value.yaml": (
        _swap(
            "sim: rnn-gradient-decay", "sim: {id: rnn-gradient-decay, params: {sigma: -1}}", "sim-param-value"
        ),
        "bad-sim-params",
    ),
    "python-tag.yaml": (
        _swap("title: A good question", "title: !!python/object/apply:os.system [ls]", "python-tag"),
        "unsafe-tag",
    ),
    "bomb.yaml": (BOMB, "alias-bomb"),
    "huge.yaml": (G + "# " + "x" * (1024 * 1024) + "\n", "file-too-large"),
    "empty.yaml": ("", "not-a-question"),
    "scalar.yaml": ("just a sentence\n", "not-a-question"),
    "multiline-title.yaml": (
        _swap("title: A good question", 'title: "two\\nlines"', "multiline-title"),
        "wrong-value",
    ),
}
