"""Anki export: the bank as an Anki package (.apkg), one note per question (no Textual here).

Each question is one note of the note type :data:`MODEL_NAME`, whose fields hold HTML: the front
shows the title, scenario, requirements (with their ids), the prompt ("Choose N" added for a
multi-answer question whose prompt does not say so) and the options lettered A, B, C ... in file
order; the back adds the answer's letters and text, every option's ``why`` (correct or incorrect, and
the requirement ids it violates), the explanation, the traps, ``in_practice`` and the references.
The ``QuestionId`` and ``Domain`` fields hold the question's id and domain id.

Text. Markdown is parsed by :func:`quizapp.text.markdown_tokens`, so math is found exactly where the
terminal finds it, and rendered to HTML with raw HTML escaped (bank text is data). ``$inline$`` math
is written as MathJax's ``\\(...\\)`` and ``$$display$$`` as ``\\[...\\]``, which Anki desktop,
AnkiDroid and AnkiMobile typeset natively; every other ``$`` is written ``&#36;``, so no dollar is
left for any renderer to mistake for a delimiter.

Identity. :data:`MODEL_ID` is fixed, the deck is named after the bank's title and its id derived
from it (:func:`deck_id`), so the same bank always lands in the same deck. A note's GUID is
``genanki.guid_for(question id)``: importing a later export of the same bank updates the notes
already in the collection (Anki updates a note when the incoming one is newer, and each export is
stamped with the time it was written) and keeps their review history, instead of adding duplicates.

Tags: ``quizapp``, the domain id and the question's tags (spaces, which Anki tags cannot hold,
become ``_``).
"""

from __future__ import annotations

import hashlib
import html
import itertools
import re
import shutil
import sqlite3
import tempfile
import time
import zipfile
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

import genanki

from .bank.models import Manifest, Question
from .text import clean, markdown_tokens

MODEL_ID = 1_342_109_086
"""The note type's id, fixed forever: Anki recognises the note type by it on every import. It is the
first 32 bits of sha256("quizapp scenario question, fields v1") folded into [2**30, 2**31), the range
genanki suggests; a change to the list of fields needs a new id (and a new name)."""
MODEL_NAME = "quizapp scenario question"
FIELDS = (
    "Title",
    "Scenario",
    "Requirements",
    "Prompt",
    "Options",
    "Answer",
    "Why",
    "Explanation",
    "Traps",
    "InPractice",
    "References",
    "QuestionId",
    "Domain",
)
"""The note type's fields, in the order Anki's editor shows them (the title is the sort field)."""
OPTION_LETTERS = "ABCDEFGH"
TAG = "quizapp"

FRONT = """\
<div class="quizapp">
<div class="domain">{{Domain}}</div>
<h2 class="title">{{Title}}</h2>
<div class="scenario">{{Scenario}}</div>
{{#Requirements}}<div class="section"><h3>Requirements</h3>{{Requirements}}</div>{{/Requirements}}
<div class="prompt">{{Prompt}}</div>
<div class="options">{{Options}}</div>
</div>"""
BACK = """\
{{FrontSide}}
<hr id="answer">
<div class="quizapp">
<div class="section"><h3>Answer</h3>{{Answer}}</div>
<div class="section"><h3>Every option</h3>{{Why}}</div>
<div class="section"><h3>Analysis</h3>{{Explanation}}</div>
{{#Traps}}<div class="section"><h3>Traps</h3>{{Traps}}</div>{{/Traps}}
{{#InPractice}}<div class="section"><h3>In practice</h3>{{InPractice}}</div>{{/InPractice}}
{{#References}}<div class="section"><h3>References</h3>{{References}}</div>{{/References}}
<div class="domain">{{QuestionId}}</div>
</div>"""
CSS = """\
.card { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", sans-serif;
  font-size: 18px; line-height: 1.5; text-align: left; }
.quizapp { max-width: 46em; margin: 0 auto; }
.quizapp h2.title { font-size: 1.25em; margin: 0.2em 0 0.6em; }
.quizapp h3 { font-size: 0.8em; text-transform: uppercase; letter-spacing: 0.06em; opacity: 0.7;
  margin: 1.2em 0 0.4em; }
.quizapp .domain { font-size: 0.75em; opacity: 0.6; }
.quizapp .prompt { font-weight: 600; margin: 1em 0 0.6em; }
.quizapp .choose { display: inline-block; margin-left: 0.4em; padding: 0 0.5em; border-radius: 0.6em;
  font-size: 0.8em; font-weight: 600; border: 1px solid currentColor; opacity: 0.8; }
.quizapp .option, .quizapp .why, .quizapp .key, .quizapp .trap {
  display: flex; gap: 0.6em; margin: 0.4em 0; padding: 0.4em 0.6em; border-radius: 6px;
  border-left: 4px solid rgba(128, 128, 128, 0.45); background: rgba(128, 128, 128, 0.08); }
.quizapp .trap { display: block; }
.quizapp .letter { font-weight: 700; min-width: 1.2em; }
.quizapp .body > :first-child { margin-top: 0; }
.quizapp .body > :last-child { margin-bottom: 0; }
.quizapp .key, .quizapp .why.correct { border-left-color: #1a7f3c; }
.quizapp .why.incorrect { border-left-color: #b3261e; }
.quizapp .verdict.correct { color: #1a7f3c; font-weight: 700; }
.quizapp .verdict.incorrect { color: #b3261e; font-weight: 700; }
.quizapp .rid, .quizapp .violates { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 0.85em; }
.quizapp .violates { opacity: 0.8; }
.quizapp code, .quizapp pre { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 0.9em;
  background: rgba(128, 128, 128, 0.15); border-radius: 4px; padding: 0 0.25em; }
.quizapp pre { padding: 0.5em; overflow-x: auto; }
.quizapp pre code { background: none; padding: 0; }
.quizapp table { border-collapse: collapse; margin: 0.6em 0; }
.quizapp th, .quizapp td { border: 1px solid rgba(128, 128, 128, 0.45); padding: 0.2em 0.5em; }
.quizapp .math-display { overflow-x: auto; }
.quizapp a { color: #1f5fbf; }
.nightMode .quizapp .key, .night_mode .quizapp .key, .nightMode .quizapp .why.correct,
.night_mode .quizapp .why.correct { border-left-color: #6fd08c; }
.nightMode .quizapp .why.incorrect, .night_mode .quizapp .why.incorrect { border-left-color: #f28b82; }
.nightMode .quizapp .verdict.correct, .night_mode .quizapp .verdict.correct { color: #6fd08c; }
.nightMode .quizapp .verdict.incorrect, .night_mode .quizapp .verdict.incorrect { color: #f28b82; }
.nightMode .quizapp a, .night_mode .quizapp a { color: #8ab4f8; }
"""
"""Colours only for accents, with text and background left to Anki's theme; Anki puts ``nightMode``
(desktop, AnkiMobile) or ``night_mode`` (AnkiDroid, older desktop) on the card in night mode."""

_CHOOSE = re.compile(r"\b(?:choose|select|pick)\s+(?:two|three|four|five|six|seven|eight|\d)\b", re.I)


# --- Markdown to HTML --------------------------------------------------------------------------------


def _math(opening: str, closing: str) -> Any:
    def rule(self: Any, tokens: Sequence[Any], idx: int, options: Any, env: Any) -> str:
        return opening + html.escape(tokens[idx].content.strip(), quote=False) + closing

    return rule


def _escaped(self: Any, tokens: Sequence[Any], idx: int, options: Any, env: Any) -> str:
    return html.escape(tokens[idx].content, quote=False)


@cache
def _html_writer() -> Any:
    """A markdown-it renderer for the tokens of :func:`quizapp.text.markdown_tokens`: math as
    MathJax, raw HTML in the text shown as text."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False})
    md.add_render_rule("math_inline", _math("\\(", "\\)"))
    md.add_render_rule("math_inline_double", _math("\\[", "\\]"))
    block = _math('<div class="math-display">\\[', "\\]</div>\n")
    md.add_render_rule("math_block", block)
    md.add_render_rule("math_block_label", block)
    md.add_render_rule("html_block", _escaped)
    md.add_render_rule("html_inline", _escaped)
    return md


def _no_dollars(text: str) -> str:
    """Every ``$`` left after the math is rendered is text: written as an entity, so neither Anki nor
    an add-on can take it for a delimiter."""
    return text.replace("$", "&#36;")


def to_html(markdown: str) -> str:
    """Question markdown as HTML blocks, math as MathJax ``\\(...\\)`` / ``\\[...\\]``."""
    md = _html_writer()
    return _no_dollars(md.renderer.render(markdown_tokens(clean(markdown)), md.options, {})).strip()


def to_inline_html(markdown: str) -> str:
    """Like :func:`to_html`, without the ``<p>`` around text that is a single paragraph."""
    md = _html_writer()
    tokens = markdown_tokens(clean(markdown))
    if [t.type for t in tokens] == ["paragraph_open", "inline", "paragraph_close"]:
        return _no_dollars(md.renderer.render(tokens[1].children, md.options, {})).strip()
    return _no_dollars(md.renderer.render(tokens, md.options, {})).strip()


# --- one question, one note ------------------------------------------------------------------------


def _letters(q: Question) -> dict[str, str]:
    """Option id -> the letter it is shown with: A, B, C ... in file order."""
    return {oid: OPTION_LETTERS[i] for i, oid in enumerate(q.option_ids)}


def _lettered(letter: str, body: str, css: str) -> str:
    return f'<div class="{css}"><span class="letter">{letter}</span><div class="body">{body}</div></div>'


def _prompt(q: Question) -> str:
    prompt = to_inline_html(q.prompt)
    if q.multiple and not _CHOOSE.search(q.prompt):
        prompt += f' <span class="choose">Choose {len(q.answers)}</span>'
    return prompt


def _why(q: Question, letter: str, oid: str) -> str:
    option = q.option(oid)
    right = oid in q.answers
    verdict = "correct" if right else "incorrect"
    head = f'<span class="verdict {verdict}">{verdict.capitalize()}</span>'
    if option.violates:
        head += f' · <span class="violates">violates {html.escape(", ".join(option.violates))}</span>'
    return _lettered(letter, f"<div>{head}</div>{to_html(option.why)}", f"why {verdict}")


def note_fields(q: Question) -> list[str]:
    """The note's fields, in the order of :data:`FIELDS`, as HTML."""
    letters = _letters(q)
    requirements = "".join(
        f'<li><span class="rid">{html.escape(r.id)}</span> {to_inline_html(r.text)}</li>'
        for r in q.requirements
    )
    traps = "".join(
        f'<div class="trap"><b>{to_inline_html(t.title)}</b>{to_html(t.text)}</div>' for t in q.traps
    )
    references = "".join(f"<li>{to_inline_html(r)}</li>" for r in q.references)
    return [
        to_inline_html(q.title),
        to_html(q.scenario),
        f'<ul class="requirements">{requirements}</ul>' if requirements else "",
        _prompt(q),
        "".join(
            _lettered(letters[oid], to_inline_html(q.option(oid).text), "option") for oid in q.option_ids
        ),
        "".join(
            _lettered(letters[oid], to_inline_html(q.option(oid).text), "key")
            for oid in q.option_ids
            if oid in q.answers
        ),
        "".join(_why(q, letters[oid], oid) for oid in q.option_ids),
        to_html(q.explanation),
        traps,
        to_html(q.in_practice) if q.in_practice else "",
        f'<ul class="references">{references}</ul>' if references else "",
        html.escape(q.id),
        html.escape(q.domain),
    ]


def note_tags(q: Question) -> list[str]:
    """``quizapp``, the domain id and the question's tags, without spaces (Anki splits tags on them)."""
    tags = [TAG, q.domain, *q.tags]
    return list(dict.fromkeys(re.sub(r"\s+", "_", t.strip()) for t in tags if t.strip()))


@cache
def note_model() -> Any:
    """The note type every question is a note of: fixed id, one card (front: the question; back:
    the question, then the answer and its analysis)."""
    return genanki.Model(
        MODEL_ID,
        MODEL_NAME,
        fields=[{"name": name} for name in FIELDS],
        templates=[{"name": "Question", "qfmt": FRONT, "afmt": BACK}],
        css=CSS,
        sort_field_index=0,
    )


def deck_id(manifest: Manifest | None) -> int:
    """The deck's id, never random: the first 32 bits of sha256("quizapp deck: TITLE") folded into
    [2**30, 2**31), TITLE being the bank's. Every export of one bank carries the same deck; Anki's
    importer (23.10 and later) finds the deck in the collection by its name, the bank's title."""
    title = manifest.title if manifest else "quizapp"
    digest = hashlib.sha256(f"quizapp deck: {title}".encode()).digest()
    return (1 << 30) + int.from_bytes(digest[:4], "big") % (1 << 30)


def build_deck(questions: Iterable[Question], manifest: Manifest | None = None) -> Any:
    """A genanki deck named after the bank, with one note per question (GUID from the question id)."""
    deck = genanki.Deck(
        deck_id(manifest),
        manifest.title if manifest else "quizapp",
        description=to_html(manifest.description) if manifest and manifest.description else "",
    )
    for q in questions:
        deck.add_note(
            genanki.Note(
                model=note_model(), fields=note_fields(q), tags=note_tags(q), guid=genanki.guid_for(q.id)
            )
        )
    return deck


def write_apkg(deck: Any, out: Path, timestamp: float | None = None) -> None:
    """Write the deck as an .apkg (a zip of an Anki collection, no media) to ``out``.

    genanki's own ``write_to_file`` leaves its temporary database behind in the temp folder; this
    builds it in a temporary folder that is removed, and writes ``out`` only once the package is
    whole. ``timestamp`` (default: now) stamps the notes; Anki updates a note on import when the
    incoming one is newer. OSError when ``out`` cannot be written."""
    stamp = time.time() if timestamp is None else timestamp
    with tempfile.TemporaryDirectory(prefix="quizapp-anki-") as tmp:
        database = Path(tmp) / "collection.anki2"
        connection = sqlite3.connect(database)
        try:
            genanki.Package(deck).write_to_db(connection.cursor(), stamp, itertools.count(int(stamp * 1000)))
            connection.commit()
        finally:
            connection.close()
        package = Path(tmp) / "deck.apkg"
        with zipfile.ZipFile(package, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.write(database, "collection.anki2")
            archive.writestr("media", "{}")
        shutil.copyfile(package, out)


def export_anki(
    questions: Iterable[Question], manifest: Manifest | None, out: Path, timestamp: float | None = None
) -> int:
    """Write the questions to ``out`` as an Anki package; the number of notes written."""
    deck = build_deck(questions, manifest)
    write_apkg(deck, out, timestamp)
    return len(deck.notes)
