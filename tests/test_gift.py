"""Moodle GIFT export and import: round trips, hand-written GIFT, malformed input, written YAML files."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizapp.bank import Domain, Manifest, Question, load_bank, validate_paths
from quizapp.gift import export_gift, import_gift, write_questions

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = "title: Test bank\ndomains:\n  - id: sequence-models\n    title: Sequence models\n    weight: 1\n"
LOCATED = re.compile(r"^[^:]+\.gift:\d+: ")


def kept(q: Question) -> dict[str, Any]:
    """What a GIFT round trip promises to keep (everything but traps, in_practice, references, sims,
    and the shuffle and lint settings)."""
    data = q.model_dump(exclude={"traps", "in_practice", "references", "sims", "shuffle", "lint"})
    for option in data["options"]:
        option.pop("sim")
    return data


def roundtrip(questions: Sequence[Question], manifest: Manifest | None = None) -> tuple[str, list[Question]]:
    text = export_gift(questions, manifest)
    result = import_gift(text, "rt.gift")
    assert all(LOCATED.match(n) for n in result.notes)
    assert not [n for n in result.notes if "skipped" in n], result.notes
    return text, [Question.model_validate(d) for d in result.questions]


def q(**fields: Any) -> Question:
    base: dict[str, Any] = {
        "domain": "sequence-models",
        "scenario": "A scenario.",
        "prompt": "Which one?",
        "explanation": "Because.",
    }
    return Question.model_validate(base | fields)


TRICKY = [
    q(
        id="tricky-math",
        title="Sets {x : x = y}, #tags, ~approx and :: colons \\ backslash",
        tags=["math", "escapes"],
        difficulty=5,
        scenario=(
            "Let $S = \\{x \\in \\mathbb{R} : x^2 = 1\\}$ and $a \\neq b$, so ~half of #1 holds.\n\n"
            "$$\\frac{QK^\\top}{\\sqrt{d_k}} = \\text{softmax}\\left(z\\right)$$\n\n"
            "- a list item with {braces}\n  - a nested item: key = value\n"
            "- C:\\new\\table and a \\n literal\n\n"
            "```\n// not a GIFT comment\n    indented code = 1;\n```\n\n\n"
            "Trailing paragraph with ünïcödé, 日本語, emoji 🎲 and a line ending in two spaces  \n"
            "hard break.\n"
        ),
        requirements=[
            {"id": "exact", "text": "Keep = and { } and # exactly."},
            {"id": "multi", "text": "A requirement\nover two lines.\n"},
        ],
        prompt="Which TWO statements hold :: given a = b?",
        options=[
            {
                "text": "%50% of the time",
                "why": "Weights look like %50%; this is text.\n",
                "violates": ["exact"],
            },
            {"text": "[html] is just text here", "why": "[plain] starts with a format word too."},
            {"text": "$e^{i\\pi} = -1$", "why": "Euler: $e^{i\\pi} + 1 = 0$.\n\n#### not general feedback\n"},
            {
                "text": "Multi-line option\n- item one\n- item two = 2\n",
                "why": "Lists survive.\n",
                "violates": ["multi", "exact"],
            },
        ],
        answer=["C", "D"],
        explanation=(
            "Both hold.\n\n$$\\sum_{i=1}^{n} i = \\frac{n(n+1)}{2}$$\n\n// a line like a comment\n  indented\n"
        ),
    ),
    q(
        id="explicit-ids",
        title="Option ids, and texts that look like GIFT syntax",
        scenario="One line, no newline at the end",
        options=[
            {"id": "rnn", "text": "~tilde first", "why": "=equals first"},
            {"id": "attn", "text": "#hash first and a trailing backslash \\", "why": "}brace first\n\n\n"},
            {"id": "tf", "text": "TRUE", "why": "Looks like true/false."},
            {"id": "match", "text": "Canada -> Ottawa", "why": "Looks like matching."},
        ],
        answer="attn",
    ),
    q(
        id="choose-three",
        title="Choose three of five",
        answer=["A", "B", "E"],
        options=[{"text": t, "why": f"Why {t}."} for t in "VWXYZ"],
    ),
    q(
        id="choose-one-list",
        title="Choose one, written as a list",
        answer=["B"],
        options=[{"text": "First", "why": "No."}, {"text": "Second", "why": "Yes."}],
    ),
    q(
        id="minimal",
        title="Minimal",
        options=[{"text": "Yes", "why": "Y"}, {"text": "No", "why": "N"}],
        answer="A",
    ),
]


# ---------------------------------------------------------------- round trips


def test_bundled_bank_round_trip() -> None:
    bank = load_bank(ROOT / "question_bank").bank
    assert bank is not None and bank.questions
    text, back = roundtrip(bank.questions, bank.manifest)
    assert [kept(x) for x in back] == [kept(x) for x in bank.questions]
    for domain in bank.manifest.domains:
        if domain.id in {x.domain for x in bank.questions}:
            assert f"$CATEGORY: {domain.title}" in text


def test_tricky_round_trip_is_exact() -> None:
    _, back = roundtrip(TRICKY)
    for before, after in zip(TRICKY, back, strict=True):
        assert kept(after) == kept(before)


def test_export_survives_moodle_line_handling() -> None:
    """Moodle trims every line, ends a question at a blank line and drops lines starting with //."""
    text = export_gift(TRICKY)
    chunks = [c for c in text.split("\n\n") if c.strip()]
    assert len(chunks) == 1 + 1 + len(TRICKY)  # header, one $CATEGORY, one chunk per question
    known = re.compile(r"^// (id|domain|difficulty|option-id|violates): |^// \[id:")
    for chunk in chunks[2:]:
        for line in chunk.strip("\n").split("\n"):
            assert line == line.strip() and line
            assert not line.startswith("//") or known.match(line), line


def test_weights() -> None:
    blocks = {x.id: export_gift([x]).split("\n{\n")[1] for x in TRICKY}
    lines = {k: [ln for ln in v.split("\n") if ln and ln[0] in "~="] for k, v in blocks.items()}
    assert [ln[:7] for ln in lines["tricky-math"]] == ["~%-100%", "~%-100%", "~%50%\\(", "~%50%Mu"]
    assert sum(ln.startswith("~%33.33333%") for ln in lines["choose-three"]) == 3
    assert [ln[:6] for ln in lines["choose-one-list"]] == ["~%-100", "~%100%"]
    assert [ln[0] for ln in lines["explicit-ids"]] == ["~", "=", "~", "~"]
    assert not any(ln.startswith("=") for k in ("tricky-math", "choose-three") for ln in lines[k])


def test_comments_carry_id_domain_and_moodle_tags() -> None:
    text = export_gift([TRICKY[0]])
    assert (
        "// id: tricky-math\n// domain: sequence-models\n// difficulty: 5\n// [id:tricky-math] [tag:math]"
        in text
    )
    assert (
        "::Sets \\{x \\: x \\= y\\}, \\#tags, \\~approx and \\:\\: colons \\\\ backslash::[markdown]" in text
    )


def _field(min_size: int = 1) -> st.SearchStrategy[str]:
    alphabet = st.sampled_from(
        list("ab ~=#{}:\\/%[]-\n\t$n") + ["//", "####", "::", "é", "🎲", "[html]", "\n\n"]
    )
    raw = st.lists(alphabet, min_size=min_size, max_size=40).map("".join)
    # GIFT keeps a field from its first to its last visible character, ending as YAML `|` would
    return raw.map(str.strip).filter(lambda s: s.strip() != "").map(lambda s: s + "\n" if "\n" in s else s)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    scenario=_field(),
    why=_field(),
    text=_field(),
    explanation=_field(),
    line=_field().map(lambda s: s.replace("\n", " ").strip()[:200]).filter(bool),
    multiple=st.booleans(),
)
def test_round_trip_property(
    scenario: str, why: str, text: str, explanation: str, line: str, multiple: bool
) -> None:
    original = q(
        id="prop",
        title=line,
        scenario=scenario,
        prompt=line,
        explanation=explanation,
        requirements=[{"id": "r1", "text": why}, {"id": "r2", "text": text}],
        options=[
            {"text": text, "why": why, "violates": ["r2"]},
            {"text": why, "why": text},
            {"id": "c", "text": line, "why": scenario},
        ],
        answer=["A", "c"] if multiple else "B",
    )
    _, back = roundtrip([original])
    assert kept(back[0]) == kept(original)


# ---------------------------------------------------------------- hand-written GIFT

HANDWRITTEN = """\
// Examples in the style of Moodle's GIFT documentation.
$CATEGORY: $course$/top/History

// question: 1 name: Grant's tomb
::Grant's tomb::Who's buried in Grant's tomb?{~Grant ~Jefferson =no one}

::Entombed::What two people are entombed in Grant's tomb? {
   ~%-100%No one#Someone is.
   ~%50%Grant#Yes.
   ~%50%Grant's wife#Yes, Julia.
   ~%-100%Grant's father
}

// [id:warm-colours] [tag:art] [tag:Colour Theory]
::Colours::[markdown]Painters group colours by *temperature*.\\n
Which colour is **warm**?{
  =Red#Right\\: red is warm.
  ~Blue#No, blue is cool.
  ~Green
  ####Warm colours are red, orange and yellow.
}

Grant is buried in Grant's tomb.{F}

When was Ulysses S. Grant born?{#1822:5}

Match the countries with their capitals. {
    =Canada -> Ottawa
    =Italy  -> Rome
}

Write a short biography of Dag Hammarskjöld. {}

Who's buried in Grant's tomb?{=no one =nobody}

Moodle costs {~lots of money =nothing ~a small amount} to download from moodle.org.
"""


def line_of(text: str, needle: str) -> int:
    return text[: text.index(needle)].count("\n") + 1


def test_import_handwritten() -> None:
    result = import_gift(HANDWRITTEN, "h.gift")
    by_id = {x["id"]: x for x in result.questions}
    assert list(by_id) == [
        "grant-s-tomb",
        "entombed",
        "warm-colours",
        "moodle-costs-to-download-from-moodle-org",
    ]

    tomb = by_id["grant-s-tomb"]
    assert tomb["title"] == "Grant's tomb" and tomb["answer"] == "C"
    assert [o["text"] for o in tomb["options"]] == ["Grant", "Jefferson", "no one"]
    assert (
        tomb["scenario"] == "Who's buried in Grant's tomb?" and tomb["prompt"] == "Which option is correct?"
    )
    assert tomb["domain"] == tomb["explanation"] == "" and all(o["why"] == "" for o in tomb["options"])
    todo = result.question_notes["grant-s-tomb"]
    category = "(its GIFT category was '$course$/top/History')"
    assert f"domain: GIFT has no domain; set one declared in bank.yaml {category}" in todo
    assert "options[2].why: option C had no feedback; write why it is right or wrong" in todo
    assert any(t.startswith("explanation:") for t in todo)

    two = by_id["entombed"]
    assert two["answer"] == ["B", "C"]
    assert [o["why"] for o in two["options"]] == ["Someone is.", "Yes.", "Yes, Julia.", ""]

    warm = by_id["warm-colours"]
    assert warm["tags"] == ["art", "colour-theory"]
    assert (warm["scenario"], warm["prompt"]) == (
        "Painters group colours by *temperature*.",
        "Which colour is **warm**?",
    )
    assert warm["answer"] == "A" and warm["options"][0]["why"] == "Right: red is warm."
    assert warm["explanation"] == "Warm colours are red, orange and yellow."

    gap = by_id["moodle-costs-to-download-from-moodle-org"]
    assert gap["scenario"] == "Moodle costs _____ to download from moodle.org." and gap["answer"] == "B"

    for kind, needle in [
        ("a true/false", "{F}"),
        ("a numerical", "{#1822"),
        ("a matching", "Match the"),
        ("an essay", "Hammarskj"),
        ("a short-answer", "{=no one =nobody}"),
    ]:
        expected = f"h.gift:{line_of(HANDWRITTEN, needle)}: skipped: {kind} question"
        assert any(n.startswith(expected) for n in result.notes), (expected, result.notes)
    assert all(LOCATED.match(n) for n in result.notes)


def test_category_names_a_domain_when_given_the_manifest() -> None:
    manifest = Manifest(title="T", domains=[Domain(id="history", title="History")])
    result = import_gift(HANDWRITTEN, "h.gift", manifest=manifest)
    assert {x["domain"] for x in result.questions} == {"history"}
    assert "$CATEGORY: sequence-models" in export_gift(TRICKY[:1])


def test_repeated_titles_get_unique_ids() -> None:
    result = import_gift("::Same::Q?{=a ~b}\n\n::Same::Q?{=a ~b}\n", "d.gift")
    assert [x["id"] for x in result.questions] == ["same", "same-2"]
    assert any(n.startswith("d.gift:3: same-2: id: 'same' was already used") for n in result.notes)


@pytest.mark.parametrize(
    ("gift", "line", "message"),
    [
        ("Question one\nstill one {~a =b", 2, "'{' is never closed"),
        ("Q ~a =b}", 1, "'}' without an opening '{'"),
        ("Q{~a {~b =c}", 1, "a second unescaped '{'"),
        ("Q{~a =b} and {~c =d}", 1, "a second unescaped '{'"),
        ("Q{~only}", 1, "2 or more options"),
        ("Q{stray ~a =b}", 1, "2 or more options"),
        ("Q{~a =b\\", 1, "'{' is never closed"),
        ("\n\n::Unclosed title Q{~a =b}", 3, "'::' opens a title that is never closed"),
        ("Q{~a ~b}", 1, "answer: no option carries credit"),
        ("Just a description.", 1, "no answer block"),
        ("$CATEGORY: X\n::T::Q{~a =b}", 2, "text right after $CATEGORY:"),
        ("::T::{~a =b}", 1, "scenario: the GIFT question has no text"),
    ],
)
def test_malformed_gift_gives_located_notes(gift: str, line: int, message: str) -> None:
    result = import_gift(gift, "bad.gift")
    assert any(n.startswith(f"bad.gift:{line}: ") and message in n for n in result.notes), result.notes


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.sampled_from(list("{}~=#:\\/%->\n TF[]$x") + ["\n\n", "::", "####", "$CATEGORY:", "//"]),
        max_size=60,
    ).map("".join)
)
def test_import_never_raises(text: str) -> None:
    result = import_gift(text, "fuzz.gift")
    assert all(LOCATED.match(n) for n in result.notes)
    assert not [n for n in result.notes if "could not read" in n]


# ---------------------------------------------------------------- written YAML files

EMPTY_FIELD = re.compile(r"^\s*(- )?(domain|why|explanation): ''$")


def _empty_fields(question: dict[str, Any]) -> int:
    fields = [question["domain"], question["explanation"]] + [o["why"] for o in question["options"]]
    return fields.count("")


def test_written_files_fail_only_on_what_gift_cannot_carry(tmp_path: Path) -> None:
    root = tmp_path / "bank"
    root.mkdir()
    (root / "bank.yaml").write_text(MANIFEST)
    bundled = load_bank(ROOT / "question_bank").bank
    assert bundled is not None
    originals = list(bundled.questions) + TRICKY
    exported = re.sub(r"(?m)^// domain: .*\n", "", export_gift(originals))
    results = [import_gift(HANDWRITTEN, "h.gift"), import_gift(exported, "e.gift")]
    paths = [p for r in results for p in write_questions(r, root / "imported")]
    assert len(paths) == len({p.name for p in paths}) == 4 + len(originals)

    problems = validate_paths([root])
    # every empty field is reported (the domain maybe twice: not a slug, not declared), and nothing else
    assert (
        len({(p.path, p.line) for p in problems})
        == sum(_empty_fields(x) for r in results for x in r.questions)
        > 0
    )
    for p in problems:
        assert EMPTY_FIELD.match(Path(p.path).read_text().splitlines()[p.line - 1]), str(p)
    assert Path(paths[0]).read_text().startswith("# Imported from GIFT. To do before use:\n# - ")

    domains = {q.id: q.domain for q in originals}
    (root / "bank.yaml").write_text(
        MANIFEST
        + "".join(
            f"  - id: {d}\n    title: {d}\n    weight: 1\n"
            for d in sorted(set(domains.values()) - {"sequence-models"})
        )
    )
    for r in results:
        for x in r.questions:
            x["domain"] = x["domain"] or domains.get(x["id"], "sequence-models")
            x["explanation"] = x["explanation"] or "Filled in."
            for o in x["options"]:
                o["why"] = o["why"] or "Filled in."
        write_questions(r, root / "imported", overwrite=True)
    assert validate_paths([root]) == []
    bank = load_bank(root).bank
    assert bank is not None
    for original in originals:
        assert kept(bank.question(original.id)) == kept(original)


def test_written_yaml_style(tmp_path: Path) -> None:
    result = import_gift(export_gift(TRICKY[:1]), "e.gift")
    [path] = write_questions(result, tmp_path)
    text = path.read_text()
    assert path.name == "tricky-math.yaml"
    assert list(yaml.safe_load(text)) == [
        "id",
        "title",
        "domain",
        "tags",
        "difficulty",
        "scenario",
        "requirements",
        "prompt",
        "options",
        "answer",
        "explanation",
    ]
    assert "explanation: |\n" in text and "answer: [C, D]" in text and "    violates: [multi, exact]" in text
    with pytest.raises(FileExistsError):
        write_questions(result, tmp_path)


def test_export_to_a_missing_folder_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from quizapp.cli import main

    out = tmp_path / "no" / "bank.gift"
    assert main(["export", "gift", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.strip() == f"quizapp: error: cannot write {out}: No such file or directory", err
