"""Reading Moodle GIFT into question files (the scheme is described in :mod:`quizapp.gift`)."""

from __future__ import annotations

import itertools
import math
import re
import string
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..bank.models import Manifest
from ..bank.writer import write_files
from .syntax import (
    _HIDE,
    _SHOW,
    BRACE,
    FORMAT_WORD,
    MATH_DELIMITERS,
    META,
    NOT_CARRIED,
    OPTION_ID,
    OPTION_MARK,
    PROMPT_MARK,
    REQUIREMENTS_MARK,
    SLUG,
)


@dataclass
class ImportResult:
    """Questions read from GIFT as plain dicts, and what the author must add or check."""

    questions: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """Every note, located as ``source:LINE: ...``, in file order (skipped questions included)."""
    question_notes: dict[str, list[str]] = field(default_factory=dict)
    """By question id: the fields to fill in or check, e.g. ``domain: GIFT has no domain ...``."""


def _hide(text: str) -> str:
    """Escapes replaced by their stand-ins (``\\\\`` first, as Moodle reads it)."""
    return re.sub(r"\\([\\~=#{}:n])", lambda m: _HIDE[m.group(1)], text)


def _show(hidden: str) -> str:
    """Text with its escapes hidden, as quizapp writes it: MathJax's ``\\(...\\)`` and ``\\[...\\]``
    back to ``$...$`` and ``$$...$$``, then the escaped characters shown."""
    return MATH_DELIMITERS.sub(
        lambda m: f"$${m.group(1)}$$" if m.group(1) is not None else f"${m.group(2)}$", hidden
    ).translate(_SHOW)


def _settle(text: str) -> str:
    """The YAML ``|`` convention: a multi-line value ends with a newline, a one-line value doesn't."""
    return text + "\n" if "\n" in text and not text.endswith("\n") else text


def _unformat(hidden: str) -> tuple[str | None, str]:
    """A leading format word (as Moodle reads one) and the stripped text after it."""
    hidden = hidden.strip()
    m = FORMAT_WORD.match(hidden)
    return (m.group(1), hidden[m.end() :].strip()) if m else (None, hidden)


def _value(hidden: str) -> str:
    return _settle(_show(_unformat(hidden)[1]))


def _slug(text: str) -> str:
    ascii_ = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_.lower()).strip("-")
    return (slug[:60].rsplit("-", 1)[0] if len(slug) > 60 else slug) or "question"


def _kind(answers: str) -> str:
    """The question type, decided in Moodle's order."""
    if not answers:
        return "an essay"
    if answers.startswith("#"):
        return "a numerical"
    if "~" in answers:
        return "a multiple-choice"
    if "=" in answers and "->" in answers:
        return "a matching"
    tf = answers.split("#")[0].strip() in ("T", "TRUE", "F", "FALSE")
    return "a true/false" if tf else "a short-answer"


def _split_text(text: str, generic: str) -> tuple[str, list[dict[str, str]], str, list[str]]:
    """Scenario, requirements, prompt and notes from one GIFT question text."""
    at = text.rfind(PROMPT_MARK)
    if at >= 0:
        head, prompt = text[:at], text[at + len(PROMPT_MARK) :].strip()
        m = REQUIREMENTS_MARK.search(head)
        if not m:
            return _settle(head), [], prompt, []
        ids, block = m.group(1).split(), head[m.end() :]
        items = block[2:].split("\n- ") if block.startswith("- ") else []
        if len(items) != len(ids):
            return (
                _settle(head),
                [],
                prompt,
                ["requirements: the list does not match its marker; kept as text"],
            )
        reqs = [{"id": r, "text": _settle(t.replace("\n  ", "\n"))} for r, t in zip(ids, items, strict=False)]
        return _settle(head[: m.start()]), reqs, prompt, []
    paras = text.split("\n\n")
    last = paras[-1].strip()
    if len(paras) > 1 and "\n" not in last and len(last) <= 200:
        note = "prompt: the last paragraph of the GIFT text became the prompt, the rest the scenario; check"
        return _settle("\n\n".join(paras[:-1])), [], last, [note]
    note = "prompt: GIFT has one question text; it became the scenario, and this prompt is generic; edit it"
    return _settle(text), [], generic, [note]


def _answer(ids: list[str], weights: list[float], single: bool, todo: list[str]) -> str | list[str]:
    """The answer from GIFT weights: ``=`` (or 100 %) when there is an ``=``, else every positive weight."""
    if single:
        right = [i for i, w in zip(ids, weights, strict=False) if w >= 100]
        partial = [i for i, w in zip(ids, weights, strict=False) if 0 < w < 100]
        if len(right) > 1:
            todo.append(f"answer: GIFT gives full credit to any one of {', '.join(right)}; now 'choose all'")
        if partial:
            todo.append(f"answer: partial credit for {', '.join(partial)} was dropped (all-or-nothing here)")
        return right[0] if len(right) == 1 else right
    right = [i for i, w in zip(ids, weights, strict=False) if w > 0]
    credit = [w for w in weights if w > 0]
    if not right:
        todo.append("answer: no option carries credit; name the right one(s)")
        return ""
    if not math.isclose(sum(credit), 100, abs_tol=0.01) or len(set(credit)) > 1:
        todo.append("answer: the weights were uneven or did not sum to 100; quizapp scores all-or-nothing")
    return right


def _block_problem(s: str, open_: int, close: int) -> tuple[int, str] | None:
    """Why a question (escapes hidden) cannot be imported, as (position, message); None if it can."""
    if open_ < 0 and close < 0:
        return 0, "no answer block {...} (a description, not a question)"
    if close < 0:
        return open_, "'{' is never closed with '}' (write \\{ for a literal brace)"
    if open_ < 0 or close < open_:
        return close, "'}' without an opening '{' (write \\} for a literal brace)"
    stray = BRACE.search(s, open_ + 1, close) or BRACE.search(s, close + 1)
    if stray:
        return stray.start(), f"a second unescaped '{stray.group()}' (one answer block per question)"
    gf = s.rfind("####", open_, close)
    a, b = open_ + 1, gf if gf >= 0 else close
    kind = _kind(s[a:b].strip())
    if kind != "a multiple-choice":
        return open_, f"{kind} question (quizapp imports multiple-choice questions only)"
    marks = [m.start() for m in OPTION_MARK.finditer(s, a, b)]
    if len(marks) < 2 or s[a : marks[0]].strip():
        return open_, "a multiple-choice block is 2 or more options, each starting with ~ or ="
    return None


class _Reader:
    """Reads GIFT chunk by chunk (the lines between blank lines) into an :class:`ImportResult`."""

    def __init__(self, source: str, manifest: Manifest | None) -> None:
        self.source, self.manifest = source, manifest
        self.result = ImportResult()
        self.category: str | None = None

    def note(self, line: int, message: str, qid: str | None = None) -> None:
        self.result.notes.append(f"{self.source}:{line}: {qid + ': ' if qid else ''}{message}")
        if qid:
            self.result.question_notes.setdefault(qid, []).append(message)

    def chunk(self, chunk: list[tuple[int, str]]) -> None:
        comments = [(n, s[2:].strip()) for n, s in chunk if s.startswith("//")]
        body = [(n, s) for n, s in chunk if not s.startswith("//")]
        if not body:
            return
        if body[0][1].startswith("$CATEGORY:"):
            self.category = body[0][1][10:].strip()
            if len(body) > 1:
                self.note(
                    body[1][0], "skipped: text right after $CATEGORY: (Moodle needs a blank line first)"
                )
            return
        lines = [(n, _hide(s)) for n, s in body]
        s = "\n".join(h for _, h in lines)
        line_at = [n for n, h in lines for _ in range(len(h) + 1)]  # + 1: the newline after each line
        start, title, at = body[0][0], None, 0
        if s.startswith("::"):
            end = s.find("::", 2)
            if end < 0:
                self.note(start, "'::' opens a title that is never closed; read without a title")
            else:
                title = re.sub(r"\s*\n\s*", " ", _show(s[2:end]).strip())
            at = end + 2 if end >= 0 else 2
        open_, close = s.find("{", at), s.find("}", at)
        problem = _block_problem(s, open_, close)
        if problem:
            return self.note(line_at[problem[0]], "skipped: " + problem[1])
        gf = s.rfind("####", open_, close)
        a, b = open_ + 1, gf if gf >= 0 else close
        marks = [m.start() for m in OPTION_MARK.finditer(s, a, b)]
        gap = bool(s[close + 1 :].strip())
        fmt, qtext = _unformat(s[at:open_] + ("_____" + s[close + 1 :] if gap else ""))
        todo = ["prompt: a missing-word question; the gap is written as _____"] if gap else []
        if fmt == "html":
            todo.append("scenario: the GIFT text was HTML; quizapp reads markdown, so check the formatting")
        metas = [(n, m.group(1), m.group(2).strip()) for n, c in comments if (m := META.match(c))]
        meta = {k: v for _, k, v in reversed(metas)}
        segments = [(s[m], s[m + 1 : e], line_at[m]) for m, e in zip(marks, marks[1:] + [b], strict=False)]
        options, weights = _options(segments, metas, line_at[open_])
        ids = [o.get("id") or string.ascii_uppercase[i % 26] for i, o in enumerate(options)]
        if len(options) > 8:
            todo.append(f"options: {len(options)} options; quizapp allows 2 to 8")
        answer = _answer(ids, weights, "=" in (s[m] for m in marks), todo)
        many = isinstance(answer, list)
        generic = f"Which {len(answer)} options are correct?" if many else "Which option is correct?"
        scenario, requirements, prompt, split_notes = _split_text(_show(qtext), generic)
        todo += split_notes
        if not title:
            title = " ".join((prompt if prompt != generic else scenario).split())
            todo.append("title: GIFT gave no ::title::; this one was made from the question text")
        moodle = " ".join(c for _, c in comments)
        qid = self._id(meta.get("id") or next(iter(_moodle(moodle, "id")), ""), title, todo)
        q: dict[str, Any] = {"id": qid, "title": title[:200], "domain": self._domain(meta, todo)}
        if tags := _moodle(moodle, "tag"):
            q["tags"] = list(dict.fromkeys(_slug(t) for t in tags))
        if meta.get("difficulty", "") in ("1", "2", "3", "4", "5"):
            q["difficulty"] = int(meta["difficulty"])
        q["scenario"] = scenario
        if requirements:
            q["requirements"] = requirements
        general = _value(s[gf + 4 : close] if gf >= 0 else "")
        q.update(prompt=prompt, options=options, answer=answer, explanation=general)
        if not scenario.strip():
            todo.append("scenario: the GIFT question has no text; write the scenario")
        for i, option in enumerate(options):
            if not option["why"]:
                todo.append(
                    f"options[{i}].why: option {ids[i]} had no feedback; write why it is right or wrong"
                )
        if not q["explanation"]:
            todo.append("explanation: no general feedback (####) was given; write the expert's analysis")
        if "id" in meta:
            todo.append(NOT_CARRIED)
        self.result.questions.append(q)
        self.result.question_notes[qid] = []
        for message in todo:
            self.note(start, message, qid)

    def _id(self, wanted: str, title: str, todo: list[str]) -> str:
        """The question's id: the one its comments give (made a slug) or a slug of its title, made unique."""
        base = wanted if SLUG.match(wanted) else _slug(wanted or title)
        if wanted and wanted != base:
            todo.append(f"id: '{wanted}' is not a slug; it became '{base}'")
        qid, k = base, 1
        while qid in self.result.question_notes:
            k, qid = k + 1, f"{base}-{k + 1}"
        if qid != base:
            todo.append(f"id: '{base}' was already used; this question became '{qid}'")
        return qid

    def _domain(self, meta: dict[str, str], todo: list[str]) -> str:
        """The ``// domain:`` comment, else the domain the current ``$CATEGORY:`` names, else ''."""
        domain = meta.get("domain", "") if SLUG.match(meta.get("domain", "")) else ""
        if not domain and self.category and self.manifest:
            name = self.category.replace("//", "\0").split("/")[-1].replace("\0", "/").strip().lower()
            domain = next((d.id for d in self.manifest.domains if name in (d.id, d.title.lower())), "")
        if not domain:
            was = f" (its GIFT category was '{self.category}')" if self.category else ""
            todo.append(f"domain: GIFT has no domain; set one declared in bank.yaml{was}")
        return domain


def _moodle(comments: str, key: str) -> list[str]:
    """Moodle's ``[id:...]`` / ``[tag:...]`` values in a question's comments."""
    return [v.replace("\\]", "]").strip() for v in re.findall(rf"\[{key}:((?:\\\]|[^\]])+)\]", comments)]


def _options(
    segments: list[tuple[str, str, int]], metas: list[tuple[int, str, str]], lower: int
) -> tuple[list[dict[str, Any]], list[float]]:
    """Option dicts and GIFT weights from the answer segments (mark, text, line) and comment lines."""
    options: list[dict[str, Any]] = []
    weights: list[float] = []
    for mark, seg, line in segments:
        m = re.match(r"\s*%(-?\d+(?:\.\d+)?)%", seg) if mark == "~" else None
        weights.append(100.0 if mark == "=" else float(m.group(1)) if m else 0.0)
        text, _, why = seg[m.end() if m else 0 :].partition("#")
        option: dict[str, Any] = {"text": _value(text), "why": _value(why)}
        own = {k: v for n, k, v in reversed(metas) if lower < n < line}
        if OPTION_ID.match(own.get("option-id", "")):
            option = {"id": own["option-id"], **option}
        if own.get("violates"):
            option["violates"] = [v.strip() for v in own["violates"].split(",") if v.strip()]
        options.append(option)
        lower = line
    return options, weights


def _chunks(text: str) -> Iterator[list[tuple[int, str]]]:
    """Runs of non-blank lines (stripped, as Moodle reads them), with 1-based line numbers."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for filled, run in itertools.groupby(enumerate(map(str.strip, lines), 1), key=lambda nl: bool(nl[1])):
        if filled:
            yield list(run)


def import_gift(text: str, source: str = "<gift>", manifest: Manifest | None = None) -> ImportResult:
    """Multiple-choice questions from GIFT text; other types and malformed input become located notes.

    With a ``manifest``, a ``$CATEGORY:`` whose last part names a domain (its id or title) sets the
    domain of the questions after it that carry no ``// domain:`` comment. Never raises.
    """
    reader = _Reader(source, manifest)
    text = re.sub("[\ud800-\udfff]", "\ufffd", text.removeprefix("\ufeff"))  # the stand-ins stay ours
    for chunk in _chunks(text):
        try:
            reader.chunk(chunk)
        except Exception as exc:
            reader.note(chunk[0][0], f"skipped: could not read this question ({type(exc).__name__}: {exc})")
    return reader.result


def write_questions(result: ImportResult, outdir: Path, *, overwrite: bool = False) -> list[Path]:
    """Write one ``<id>.yaml`` per imported question, with the author's to-do list as a comment on top.

    Refuses (FileExistsError, nothing written) to replace existing files unless ``overwrite``.
    """
    headers = {}
    for q in result.questions:
        todo = "".join(f"# - {n}\n" for n in result.question_notes.get(q["id"], []))
        headers[q["id"]] = f"# Imported from GIFT. To do before use:\n{todo}" if todo else ""
    return write_files(result.questions, Path(outdir), headers, overwrite=overwrite)
