"""Writing questions as Moodle GIFT (the scheme is described in :mod:`quizapp.gift`)."""

from __future__ import annotations

from collections.abc import Iterable

from ..bank.models import Manifest, Question, Scoring
from .syntax import FORMAT_WORD, MATH, PROMPT_MARK, SPECIAL, WRONG_WEIGHT


def _escape(line: str) -> str:
    return "".join("\\" + c if c in SPECIAL else c for c in line)


def _escape_text(text: str) -> str:
    """Specials escaped, and quizapp's ``$inline$`` / ``$$display$$`` math written as MathJax's
    ``\\(...\\)`` / ``\\[...\\]``: the only backslashes left unescaped, so the importer finds them."""
    out: list[str] = []
    at = 0
    for m in MATH.finditer(text):
        out.append(_escape(text[at : m.start()]))
        if m.group(1) is not None:
            out.append("\\[" + _escape(m.group(1)) + "\\]")
        else:
            out.append("\\(" + _escape(m.group(2)) + "\\)")
        at = m.end()
    out.append(_escape(text[at:]))
    return "".join(out)


def _encode(text: str) -> str:
    """Text as GIFT: specials escaped, math delimited for MathJax; real line breaks only where
    Moodle's line trimming is harmless."""
    lines = _escape_text(text).split("\n")
    out = lines[0]
    for e in lines[1:]:
        out += ("\n" if out[-1:].strip() and e[:1].strip() and not e.startswith("//") else "\\n") + e
    return out


def _tail_kept(text: str) -> str:
    """Trailing whitespace dropped, except newlines that the import convention would not restore."""
    body = text.rstrip()
    tail = text[len(body) :].count("\n")
    return body + ("\n" * tail if tail != ("\n" in body) else "")


def _field(text: str) -> str:
    """An option, feedback or general feedback field; a leading ``[html]``-like word is protected."""
    kept = _tail_kept(text)
    return ("[markdown]" if FORMAT_WORD.match(kept) else "") + _encode(kept)


def _question_text(q: Question) -> str:
    text = _tail_kept(q.scenario)
    if q.requirements:
        items = "\n".join("- " + _tail_kept(r.text).replace("\n", "\n  ") for r in q.requirements)
        text += f"\n\n<!-- requirements {' '.join(r.id for r in q.requirements)} -->\n\n{items}"
    return text + PROMPT_MARK + q.prompt.strip()


def _wrong_weight(q: Question, scoring: Scoring) -> float:
    """A wrong option's GIFT weight on a 'choose N' question, by the bank's scoring rule."""
    return -100 / len(q.answers) if scoring == "partial" else WRONG_WEIGHT


def _export_question(q: Question, scoring: Scoring = "all-or-nothing") -> str:
    lines = [f"// id: {q.id}", f"// domain: {q.domain}"]
    if q.difficulty != 3:
        lines.append(f"// difficulty: {q.difficulty}")
    lines.append("// " + " ".join([f"[id:{q.id}]"] + [f"[tag:{t}]" for t in q.tags]))
    lines += [f"::{_escape_text(q.title)}::[markdown]{_encode(_question_text(q))}", "{"]
    for option, oid in zip(q.options, q.option_ids, strict=False):
        if option.id is not None:
            lines.append(f"// option-id: {option.id}")
        if option.violates:
            lines.append(f"// violates: {', '.join(option.violates)}")
        text = _field(option.text)
        if q.multiple:
            weight = 100 / len(q.answers) if oid in q.answers else _wrong_weight(q, scoring)
            mark = "~" + f"%{weight:.5f}".rstrip("0").rstrip(".") + "%"
        else:
            mark = "=" if oid in q.answers else "~%0%" if text.startswith("%") else "~"
        lines.append(mark + text + ("#" + _field(option.why) if option.why.strip() else ""))
    return "\n".join(lines + ["####" + _field(q.explanation), "}"])


def scoring_note(questions: Iterable[Question], manifest: Manifest | None = None) -> str | None:
    """One line on how Moodle will score the exported "choose N" questions under the bank's
    ``exam.scoring``; None when there are none."""
    count = sum(q.multiple for q in questions)
    if not count:
        return None
    scoring: Scoring = manifest.exam.scoring if manifest else "all-or-nothing"
    which = f"{count} choose-N question{'s' if count != 1 else ''}"
    if scoring == "partial":
        return (
            f"{which}: Moodle will score them with partial weights, as this bank's exam.scoring (partial)"
            " does: +100/N % per right tick, -100/N % per wrong tick, never below 0"
        )
    return (
        f"{which}: Moodle cannot score all-or-nothing (this bank's exam.scoring); each right option weighs"
        f" +100/N % and each wrong one {WRONG_WEIGHT} %, so any wrong tick scores 0, but a correct subset"
        " still earns 100/N % per tick"
    )


def export_gift(questions: Iterable[Question], manifest: Manifest | None = None) -> str:
    """The questions as Moodle GIFT text (see the module docstring for the exact scheme)."""
    source = f' from "{manifest.title}"' if manifest else ""
    scoring: Scoring = manifest.exam.scoring if manifest else "all-or-nothing"
    rule = (
        "each wrong option -100/N % (quizapp's partial scoring)."
        if scoring == "partial"
        else f"each wrong option {WRONG_WEIGHT} %. quizapp scores these all-or-nothing; GIFT cannot,"
        " so Moodle gives 100/N % per right tick to a correct subset."
    )
    header = [
        f"// Exported by quizapp{source} as Moodle GIFT.",
        f"// Choose-N questions: each right option weighs 100/N %, {rule}",
        "// Not carried by GIFT: traps, in_practice, references, simulation links, shuffle and lint settings.",
    ]
    chunks = ["\n".join(header)]
    domain = None
    for q in questions:
        if q.domain != domain:
            domain = q.domain
            found = manifest.domain(domain) if manifest else None
            chunks.append(f"$CATEGORY: {(found.title if found else domain).replace('/', '//')}")
        chunks.append(_export_question(q, scoring))
    return "\n\n".join(chunks) + "\n"
