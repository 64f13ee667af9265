"""The loader: the bundled bank is clean, and each kind of broken file is reported where it breaks."""

from __future__ import annotations

import time

import pytest

from quizapp.bank import load_bank, validate_paths

from .conftest import BUNDLED, GOOD_QUESTION


def problems_of(make_bank, text, name="q.yaml"):
    root = make_bank({name: text})
    return [p for p in load_bank(root).problems]


def test_bundled_bank_is_clean():
    result = load_bank(BUNDLED)
    assert result.problems == []
    assert result.bank is not None
    ids = [q.id for q in result.bank.questions]
    assert "why-self-attention" in ids
    q = result.bank.question("why-self-attention")
    assert q.answers == {"C"}
    assert len(q.options) == 4 and all(o.why.strip() for o in q.options)
    assert all(o.sim is not None for o in q.options)


def test_good_question_loads_with_source(make_bank):
    result = load_bank(make_bank({"a/good.yaml": GOOD_QUESTION}))
    assert result.problems == []
    assert result.bank.question("good-one").option_ids == ["A", "B"]
    assert str(result.bank.sources["good-one"]).endswith("good.yaml:1:5")


def test_yaml_syntax_error_is_located_at_the_unclosed_bracket(make_bank):
    [p] = problems_of(make_bank, "id: x\ntitle: [unclosed\ndomain: y\n")
    assert (p.line, p.column, p.rule) == (2, 8, "yaml-syntax")
    assert str(p).startswith(f"{p.path}:2:8: ") and "line 3" in p.message


def test_unknown_key_suggests_the_right_one(make_bank):
    text = GOOD_QUESTION.replace("answer: B", "anwser: B")
    found = problems_of(make_bank, text)
    unknown = [p for p in found if p.rule == "unknown-key"]
    assert len(unknown) == 1 and "did you mean 'answer'" in unknown[0].message
    assert (unknown[0].line, unknown[0].column) == (16, 1)
    assert any(p.rule == "missing-field" and "'answer'" in p.message for p in found)


def test_missing_answer_is_reported(make_bank):
    found = problems_of(make_bank, GOOD_QUESTION.replace("answer: B\n", ""))
    assert [p.rule for p in found] == ["missing-field"]
    assert "answer" in found[0].message


def test_wrong_type_and_range(make_bank):
    found = problems_of(make_bank, GOOD_QUESTION + "difficulty: 7\ntags: rnn\n")
    assert {p.rule for p in found} == {"out-of-range", "wrong-type"}
    out = next(p for p in found if p.rule == "out-of-range")
    assert out.line == 18 and "at most 5" in out.message


def test_answer_naming_no_option(make_bank):
    [p] = problems_of(make_bank, GOOD_QUESTION.replace("answer: B", "answer: E"))
    assert p.rule == "unknown-answer" and p.line == 16 and "A, B" in p.message


def test_unknown_domain(make_bank):
    [p] = problems_of(make_bank, GOOD_QUESTION.replace("domain: sequence-models", "domain: nowhere"))
    assert p.rule == "unknown-domain" and p.line == 3


def test_unknown_simulation_suggests(make_bank):
    [p] = problems_of(make_bank, GOOD_QUESTION.replace("sim: rnn-gradient-decay", "sim: rnn-gradient-decy"))
    assert p.rule == "unknown-sim" and p.line == 13
    assert "did you mean 'rnn-gradient-decay'" in p.message


def test_simulation_params_are_checked(make_bank):
    text = GOOD_QUESTION.replace(
        "sim: rnn-gradient-decay", "sim: {id: rnn-gradient-decay, params: {sigmaa: 1}}"
    )
    [p] = problems_of(make_bank, text)
    assert p.rule == "bad-sim-params" and "sigmaa" in p.message


def test_violates_naming_no_requirement(make_bank):
    [p] = problems_of(make_bank, GOOD_QUESTION.replace("violates: [parallel]", "violates: [global]"))
    assert p.rule == "unknown-requirement" and p.line == 12


def test_duplicate_keys_are_refused(make_bank):
    [p] = problems_of(make_bank, GOOD_QUESTION + "explanation: again\n")
    assert p.rule == "duplicate-key" and p.line == 18 and "line 17" in p.message


def test_duplicate_question_ids_name_both_places(make_bank):
    root = make_bank({"a.yaml": GOOD_QUESTION, "b.yaml": GOOD_QUESTION})
    result = load_bank(root)
    [p] = result.problems
    assert p.rule == "duplicate-question" and p.path.endswith("b.yaml") and "a.yaml:1:5" in p.message
    assert [q.id for q in result.bank.questions] == ["good-one"]


def test_python_tags_are_refused(make_bank):
    found = problems_of(
        make_bank,
        GOOD_QUESTION.replace("title: A good question", "title: !!python/object/apply:os.system [ls]"),
    )
    assert [p.rule for p in found] == ["unsafe-tag"]


def test_alias_bomb_refused_fast(make_bank):
    lines = ['a0: &a0 ["x","x","x","x","x","x","x","x","x"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    root = make_bank({"bomb.yaml": "\n".join(lines) + "\n"})
    start = time.perf_counter()
    [p] = load_bank(root).problems
    assert time.perf_counter() - start < 0.5
    assert p.rule == "alias-bomb"


def test_tabs_and_encoding(make_bank):
    root = make_bank({"tab.yaml": "id: x\n\ttitle: y\n", "enc.yaml": b"id: x\ntitle: caf\xe9\n"})
    found = {p.path.rsplit("/", 1)[-1]: p for p in load_bank(root).problems}
    assert found["tab.yaml"].rule == "tab-indent" and found["tab.yaml"].line == 2
    assert found["enc.yaml"].rule == "encoding" and (found["enc.yaml"].line, found["enc.yaml"].column) == (
        2,
        11,
    )


def test_large_file_refused(make_bank):
    root = make_bank({"big.yaml": GOOD_QUESTION + "# " + "x" * (1024 * 1024) + "\n"})
    [p] = load_bank(root).problems
    assert p.rule == "file-too-large"


def test_bad_file_is_skipped_and_the_rest_loads(make_bank):
    root = make_bank({"good.yaml": GOOD_QUESTION, "bad.yaml": "id: [\n"})
    result = load_bank(root)
    assert [q.id for q in result.bank.questions] == ["good-one"]
    assert list(result.bank.skipped) == [str(root / "bad.yaml")]


def test_option_count_and_duplicate_option_ids(make_bank):
    one = GOOD_QUESTION.split("  - text: Second")[0].replace("answer: B", "") + "answer: A\nexplanation: e\n"
    found = problems_of(make_bank, one.replace("explanation: The analysis.\n", ""))
    assert any(p.rule == "option-count" for p in found)
    dup = GOOD_QUESTION.replace("  - text: First", "  - id: B\n    text: First")
    assert any(p.rule == "duplicate-option" for p in problems_of(make_bank, dup))


def test_manifest_problems_stop_the_bank(make_bank):
    root = make_bank({}, manifest="title: T\ndomains: []\nexam: {pass_percent: 120}\n")
    result = load_bank(root)
    assert result.bank is None
    assert {p.rule for p in result.problems} == {"out-of-range"}


@pytest.mark.parametrize("text", ["", "- 1\n- 2\n", "just text\n", "[]\n"])
def test_non_question_documents(make_bank, text):
    found = problems_of(make_bank, text)
    assert found and all(p.line >= 1 for p in found)


def test_validate_paths_accepts_single_files(make_bank):
    root = make_bank({"good.yaml": GOOD_QUESTION.replace("domain: sequence-models", "domain: elsewhere")})
    [p] = validate_paths([root / "good.yaml"])
    assert p.rule == "unknown-domain"
    assert validate_paths([root / "missing.yaml"])[0].rule == "no-such-path"


def test_thirty_kinds_of_broken_file_are_each_reported_and_located(make_bank):
    from .broken import BROKEN

    assert len(BROKEN) >= 30
    root = make_bank({"a-good.yaml": GOOD_QUESTION, **{f"broken/{k}": v[0] for k, v in BROKEN.items()}})
    result = load_bank(root)
    assert [q.id for q in result.bank.questions] == ["good-one"]
    by_file: dict[str, set[str]] = {}
    for p in result.problems:
        by_file.setdefault(p.path.rsplit("/", 1)[-1], set()).add(p.rule)
        assert p.line >= 1 and p.column >= 1 and str(p).startswith(f"{p.path}:{p.line}:{p.column}: ")
    for name, (_, rule) in BROKEN.items():
        assert rule in by_file.get(name, set()), f"{name}: expected {rule}, got {by_file.get(name)}"
    assert len(result.bank.skipped) == len(BROKEN)
