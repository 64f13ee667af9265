"""`quizapp export anki`: the deck as Anki itself imports it (Anki's own Python package), re-imports
that update notes in place, the HTML and math of the fields, the fixed ids, and the usage errors."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import genanki
import pytest

from quizapp.anki import FIELDS, MODEL_ID, MODEL_NAME, deck_id, export_anki, note_fields, note_tags
from quizapp.bank import load_bank
from quizapp.cli import main

from .conftest import BUNDLED, ROOT

FIXTURE = """\
- id: cache-math
  title: Sizing the $K$/$V$ cache
  domain: sequence-models
  tags: [kv-cache, serving]
  scenario: |
    A GPU costs $5 an hour. Each token stores $2 \\cdot L \\cdot d$ numbers, and
    <script>alert(1)</script> is text, not a tag.

    $$M = 2 L d n$$
  requirements:
    - id: fits
      text: The cache for $n = 4096$ fits in memory.
  prompt: Which statements hold?
  options:
    - id: grows
      text: The cache grows as $O(n)$.
      why: One entry per token.
    - id: quad
      text: The cache grows as $O(n^2)$.
      why: The scores are $n \\times n$; the cache is not.
      violates: [fits]
    - id: halves
      text: Halving the K/V heads halves it.
      why: The cache holds one entry per K/V head.
  answer: [grows, halves]
  explanation: Both hold; a code span such as `$x$` stays as written.
  traps:
    - title: Scores are not cached
      text: The $n \\times n$ scores are recomputed at every step.
  in_practice: Serving systems page the cache.
  references:
    - Shazeer 2019, Fast Transformer Decoding
- id: plain-one
  title: A plain question
  domain: sequence-models
  scenario: The original scenario.
  prompt: Which one?
  options:
    - text: First
      why: Because first.
    - text: Second
      why: Because second.
  answer: B
  explanation: The analysis.
"""


def _anki() -> Any:
    """Anki's own library, or a clean skip; QUIZAPP_REQUIRE_ANKI=1 (CI) turns the skip into a failure."""
    try:
        import anki.collection
    except ImportError as exc:
        if os.environ.get("QUIZAPP_REQUIRE_ANKI") == "1":
            raise
        pytest.skip(f"Anki's Python package `anki` cannot be imported ({exc}); pip install -e '.[test]'")
    return anki.collection


@pytest.fixture
def collection(tmp_path: Path) -> Iterator[Any]:
    """A fresh, empty Anki collection."""
    anki = _anki()
    folder = tmp_path / "anki"
    folder.mkdir()
    col = anki.Collection(str(folder / "collection.anki2"))
    yield col
    col.close()


def import_package(col: Any, path: Path) -> Any:
    """Import an .apkg with the options Anki's import dialog starts with (update notes if newer)."""
    anki = _anki()
    request = anki.ImportAnkiPackageRequest(package_path=str(path), options=anki.ImportAnkiPackageOptions())
    return col.import_anki_package(request)


def notes(col: Any) -> dict[str, Any]:
    """Every note in the collection, by its QuestionId field."""
    found = [col.get_note(nid) for nid in col.find_notes("")]
    return {note["QuestionId"]: note for note in found}


@pytest.fixture
def fixture_bank(make_bank) -> Path:
    return make_bank({"questions.yaml": FIXTURE})


def test_the_bundled_bank_imports_as_one_note_per_question(collection, tmp_path, capsys) -> None:
    out = tmp_path / "bank.apkg"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # genanki warns about any field that is not well-formed HTML
        assert main(["--bank", str(BUNDLED), "export", "anki", str(out)]) == 0
    bank = load_bank(BUNDLED).bank
    count = len(bank.questions)
    assert capsys.readouterr().err.strip() == f"wrote {count} notes to {out}"
    import_package(collection, out)
    assert collection.note_count() == count and collection.card_count() == count
    by_id = notes(collection)
    assert set(by_id) == {q.id for q in bank.questions}

    note = by_id["why-self-attention"]
    assert note.note_type()["name"] == MODEL_NAME and note.note_type()["id"] == MODEL_ID
    assert "It is 2017. Your team translates technical manuals" in note["Scenario"]
    assert '<span class="rid">global</span> Any token can influence any other token' in note["Requirements"]
    options = note["Options"]
    for letter, start in zip(
        "ABCD",
        [
            "A recurrent layer,",
            "A stack of 1-D convolutions",
            "Self-attention, where every",
            "A fully connected",
        ],
        strict=True,
    ):
        assert f'<span class="letter">{letter}</span><div class="body">{start}' in options
    assert "\\(h_t = \\tanh(W h_{t-1} + U x_t)\\)" in options
    assert '<span class="letter">C</span><div class="body">Self-attention, where every' in note["Answer"]
    assert note["Answer"].count('class="letter"') == 1
    assert (
        '<span class="verdict incorrect">Incorrect</span> · <span class="violates">violates parallel, global'
        in note["Why"]
    )
    assert '<span class="verdict correct">Correct</span>' in note["Why"]
    assert "\\[\\text{Attention}(Q, K, V)" in note["Explanation"]
    assert "Vaswani et al. 2017" in note["References"] and note["Domain"] == "sequence-models"
    assert {"quizapp", "sequence-models", "rnn", "self-attention"} <= set(note.tags)

    for question_id, each in by_id.items():
        assert not [name for name in FIELDS if "$" in each[name]], question_id
        assert each["Title"] and each["Scenario"] and each["Options"] and each["Answer"], question_id
        assert {"quizapp", each["Domain"]} <= set(each.tags)
    deck = collection.decks.id_for_name(bank.manifest.title)  # Anki finds the deck by its name
    assert deck and {collection.get_card(c).did for c in collection.find_cards("")} == {deck}

    card = note.cards()[0]  # rendered by Anki's own template engine
    question, answer = card.question(), card.answer()
    assert "Parallel, global and content-dependent" in question and "Which layer design" in question
    assert "<h3>Answer</h3>" not in question and "<h3>In practice</h3>" not in question
    assert "<h3>Answer</h3>" in answer and "<h3>Traps</h3>" in answer and "<h3>In practice</h3>" in answer


def test_a_reimport_updates_the_notes_in_place(collection, fixture_bank, tmp_path) -> None:
    first, second = tmp_path / "first.apkg", tmp_path / "second.apkg"
    bank = load_bank(fixture_bank).bank
    assert export_anki(bank.questions, bank.manifest, first, timestamp=1_800_000_000) == 2
    import_package(collection, first)
    before = {qid: (note.id, note.card_ids()) for qid, note in notes(collection).items()}
    assert len(before) == 2 and notes(collection)["plain-one"]["Scenario"] == "<p>The original scenario.</p>"

    path = fixture_bank / "questions.yaml"
    path.write_text(path.read_text().replace("The original scenario.", "The revised scenario, $x^2$."))
    bank = load_bank(fixture_bank).bank
    export_anki(bank.questions, bank.manifest, second, timestamp=1_800_000_060)  # exported a minute later
    done = import_package(collection, second)
    assert len(done.log.new) == 0 and len(done.log.updated) == 2
    after = notes(collection)
    assert (
        collection.note_count() == 2
        and {qid: (note.id, note.card_ids()) for qid, note in after.items()} == before
    )
    assert after["plain-one"]["Scenario"] == "<p>The revised scenario, \\(x^2\\).</p>"


def test_the_fixture_bank_reads_as_html_with_mathjax(collection, fixture_bank, tmp_path) -> None:
    out = tmp_path / "fixture.apkg"
    assert main(["--bank", str(fixture_bank), "export", "anki", str(out)]) == 0
    import_package(collection, out)
    note = notes(collection)["cache-math"]
    assert note["Title"] == "Sizing the \\(K\\)/\\(V\\) cache"
    scenario = note["Scenario"]
    assert "costs &#36;5 an hour" in scenario and "stores \\(2 \\cdot L \\cdot d\\) numbers" in scenario
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in scenario and "<script" not in scenario
    assert '<div class="math-display">\\[M = 2 L d n\\]</div>' in scenario
    assert (
        "Which statements hold?" in note["Prompt"]
        and '<span class="choose">Choose 2</span>' in note["Prompt"]
    )
    answer = note["Answer"]
    assert re.findall(r'class="letter">(\w)<', answer) == ["A", "C"]
    assert "The cache grows as \\(O(n)\\)." in answer and "Halving the K/V heads halves it." in answer
    why = note["Why"]
    assert re.findall(r'class="why (\w+)"><span class="letter">(\w)<', why) == [
        ("correct", "A"),
        ("incorrect", "B"),
        ("correct", "C"),
    ]
    assert "violates fits" in why and "\\(n \\times n\\)" in why
    assert "<code>&#36;x&#36;</code>" in note["Explanation"]
    assert "Scores are not cached" in note["Traps"] and "page the cache" in note["InPractice"]
    assert "Shazeer 2019" in note["References"]
    assert set(note.tags) == {"quizapp", "sequence-models", "kv-cache", "serving"}
    plain = notes(collection)["plain-one"]
    assert plain["Requirements"] == plain["Traps"] == plain["InPractice"] == plain["References"] == ""
    assert "Choose" not in plain["Prompt"]
    answer = plain.cards()[0].answer()  # empty sections leave no heading behind
    assert (
        "<h3>Analysis</h3>" in answer
        and "<h3>Traps</h3>" not in answer
        and "<h3>References</h3>" not in answer
    )


def test_choose_n_is_not_said_twice() -> None:
    bank = load_bank(BUNDLED).bank
    q = next(q for q in bank.questions if q.id == "path-length-fine-print")
    assert q.multiple and "Choose two." in q.prompt
    assert "Choose" not in note_fields(q)[FIELDS.index("Prompt")].replace("Choose two.", "")


def test_ids_are_fixed_and_the_guid_follows_the_question_id(fixture_bank, tmp_path) -> None:
    import hashlib

    digest = hashlib.sha256(b"quizapp scenario question, fields v1").digest()
    derived = (1 << 30) + int.from_bytes(digest[:4], "big") % (1 << 30)
    assert derived == MODEL_ID
    # Anki keeps a note type by its id: other fields under the same id would not import cleanly, so a
    # change here needs a new MODEL_ID (hash "fields v2") and MODEL_NAME
    fields_v1 = (
        "Title Scenario Requirements Prompt Options Answer Why Explanation Traps InPractice References"
    )
    assert list(FIELDS) == [*fields_v1.split(), "QuestionId", "Domain"]
    manifest = load_bank(fixture_bank).bank.manifest
    assert deck_id(manifest) == deck_id(manifest.model_copy()) and (1 << 30) <= deck_id(manifest) < (1 << 31)
    assert deck_id(manifest) != deck_id(manifest.model_copy(update={"title": "Another bank"}))

    bank = load_bank(fixture_bank).bank
    q = bank.questions[1]
    edited = q.model_copy(update={"title": "Another title", "scenario": "Another scenario."})
    from quizapp.anki import build_deck

    guids = [note.guid for note in build_deck([q, edited], bank.manifest).notes]
    assert guids == [genanki.guid_for("plain-one")] * 2
    assert note_tags(q.model_copy(update={"tags": ["two words", " spaced\tout "]})) == [
        "quizapp",
        "sequence-models",
        "two_words",
        "spaced_out",
    ]


def test_the_package_is_a_plain_zip_and_leaves_no_temporary_files(
    fixture_bank, tmp_path, monkeypatch
) -> None:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    out = tmp_path / "deck.apkg"
    bank = load_bank(fixture_bank).bank
    export_anki(bank.questions, bank.manifest, out)
    assert list(scratch.iterdir()) == []
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == ["collection.anki2", "media"]


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("deck.zip", "deck.zip: an Anki package must end in .apkg"),
        ("deck", "deck: an Anki package must end in .apkg"),
        ("missing/deck.apkg", "there is no folder"),
        ("folder.apkg", "Is a directory"),
        ("file.txt/deck.apkg", "there is no folder"),
    ],
)
def test_an_unwritable_or_misnamed_out_is_one_line_and_exit_2(tmp_path, capsys, name, says) -> None:
    (tmp_path / "folder.apkg").mkdir()
    (tmp_path / "file.txt").write_text("")
    code = main(["--bank", str(BUNDLED), "export", "anki", str(tmp_path / name)])
    err = capsys.readouterr().err
    assert code == 2 and says in err and len(err.strip().splitlines()) == 1
    assert err.startswith("quizapp: error: ") and not (tmp_path / "missing").exists()


def test_errors_reach_the_terminal_without_a_traceback(tmp_path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "quizapp", "export", "anki", str(tmp_path / "no" / "deck.apkg")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert (
        done.stderr.strip()
        == f"quizapp: error: cannot write {tmp_path / 'no' / 'deck.apkg'}: there is no folder {tmp_path / 'no'}"
    )


def test_a_bank_that_cannot_load_is_exit_1(make_bank, tmp_path, capsys) -> None:
    root = make_bank({"q.yaml": FIXTURE}, manifest="title: [broken\n")
    assert main(["--bank", str(root), "export", "anki", str(tmp_path / "deck.apkg")]) == 1
    assert "bank.yaml" in capsys.readouterr().err and not (tmp_path / "deck.apkg").exists()
