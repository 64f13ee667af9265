"""Item-writing checks for multiple-choice questions, after Haladyna, Downing and Rodriguez (2002),
"A review of multiple-choice item-writing guidelines for classroom assessment" (Applied Measurement
in Education 15(3)): keep options homogeneous in length and content, avoid "all/none of the above",
word the stem positively (or emphasise the negative), do not cue the key, and test one idea once.

Per question: :func:`item_warnings` gives (where, rule, message) triples; each message says how to
fix it. Per bank: :func:`near_duplicates` and :func:`bank_summary`. Core module: no Textual.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from .bank.models import OPTION_LETTERS, Question

Where = tuple[str | int, ...]

KEY_LENGTH_RATIO = 1.2
"""A keyed option longer than the distractors' mean by more than this factor is a length cue."""
DUPLICATE_SIMILARITY = 0.28
"""TF-IDF cosine (title, scenario, prompt, keyed options) from which two questions count as making the
same point. On the first bank the five pairs an expert reviewer called near-duplicates scored
0.287-0.421 and every other pair at most 0.267."""
COMMON_TERMS = 0.05
"""In a large bank, words in more than this share of its questions carry no signal and are not indexed."""

_REFERENCE = re.compile(
    r"\b(?:first|second|third|fourth|fifth|sixth|last|previous|next|above|below|preceding|following)"
    r"\s+(?:option|answer|choice)s?\b"
    r"|\b(?:options?|answers?|choices?)\s+\(?[A-H]\)?(?:\s*(?:,|and|or)\s*\(?[A-H]\)?)*\b(?![-\w])"
    r"|(?<![\w$\\])\([A-H]\)",
)
_ALL_NONE = re.compile(
    r"\b(?:all|none|both|neither)\s+of\s+the\s+(?:above|options|answers|choices|others)\b", re.I
)
_NEGATIVE = re.compile(r"\b(not|except|least|false|incorrect|cannot|never|untrue|wrong)\b", re.I)
_EMPHASIS = re.compile(r"\*\*[^*]*\b(NOT|EXCEPT|LEAST|FALSE|INCORRECT|CANNOT|NEVER|UNTRUE|WRONG)\b[^*]*\*\*")
_WORD = re.compile(r"[a-z0-9]+")


def _texts(q: Question) -> list[tuple[Where, str]]:
    """Every text of a question with its place, for the checks that read them all."""
    out: list[tuple[Where, str]] = [
        (("title",), q.title),
        (("scenario",), q.scenario),
        (("prompt",), q.prompt),
        (("explanation",), q.explanation),
    ]
    out += [(("requirements", i, "text"), r.text) for i, r in enumerate(q.requirements)]
    for i, o in enumerate(q.options):
        out += [(("options", i, "text"), o.text), (("options", i, "why"), o.why)]
    for i, t in enumerate(q.traps):
        out += [(("traps", i, "title"), t.title), (("traps", i, "text"), t.text)]
    if q.in_practice:
        out.append((("in_practice",), q.in_practice))
    return out


def _lengths(q: Question) -> tuple[float, float]:
    """Mean length of the keyed options and of the distractors (characters of text)."""
    keyed = [len(o.text.strip()) for o, oid in zip(q.options, q.option_ids, strict=True) if oid in q.answers]
    other = [
        len(o.text.strip()) for o, oid in zip(q.options, q.option_ids, strict=True) if oid not in q.answers
    ]
    return sum(keyed) / len(keyed), (sum(other) / len(other) if other else 0.0)


def longest_are_key(q: Question) -> bool:
    """Whether picking the N longest options answers the question (the length cue at work)."""
    ranked = sorted(q.option_ids, key=lambda i: -len(q.option(i).text.strip()))
    return set(ranked[: len(q.answers)]) == q.answers


def item_warnings(q: Question) -> list[tuple[Where, str, str]]:
    """The item-writing warnings of one question, before its own `lint: ignore` is applied."""
    out: list[tuple[Where, str, str]] = []
    keyed, other = _lengths(q)
    if other and keyed > KEY_LENGTH_RATIO * other:
        out.append(
            (
                ("answer",),
                "key-longer",
                f"the keyed option{'s are' if q.multiple else ' is'} {keyed / other:.1f}x as long as the"
                f" distractors on average ({keyed:.0f} vs {other:.0f} characters): give the distractors the"
                " same specificity, or move the key's qualifications into its why",
            )
        )
    for where, text in _texts(q):
        found = _REFERENCE.search(text)
        if found:
            out.append(
                (
                    where,
                    "option-reference",
                    f"'{found.group(0)}' points at an option by letter or position, but options are shuffled"
                    " when shown: name what the option says instead",
                )
            )
        found = _ALL_NONE.search(text)
        if found and (where[0] == "options" or found.group(0).lower().endswith("above")):
            out.append(
                (
                    where,
                    "all-none-above",
                    f"'{found.group(0)}' lets a learner answer from two options without knowing the rest:"
                    " write a specific option instead",
                )
            )
    requirements = {r.id for r in q.requirements}
    broken: set[str] = set()
    for i, (option, oid) in enumerate(zip(q.options, q.option_ids, strict=True)):
        broken.update(option.violates)
        if oid in q.answers and option.violates:
            out.append(
                (
                    ("options", i, "violates"),
                    "key-violates",
                    f"a keyed option breaks {', '.join(option.violates)}: reword the requirement or the option"
                    " so the answer meets every requirement it is judged by",
                )
            )
    for i, r in enumerate(q.requirements):
        if r.id in requirements and r.id not in broken:
            out.append(
                (
                    ("requirements", i, "id"),
                    "requirement-unbroken",
                    f"no option breaks '{r.id}', so it adds reading without telling options apart: make a"
                    " distractor break it, or drop it",
                )
            )
    if _NEGATIVE.search(q.prompt) and not _EMPHASIS.search(q.prompt):
        word = _NEGATIVE.search(q.prompt).group(1)  # type: ignore[union-attr]
        out.append(
            (
                ("prompt",),
                "negative-prompt",
                f"the prompt asks a negative ('{word}') without emphasis: write it as **{word.upper()}**, or ask"
                " the question positively",
            )
        )
    return out


def silenced(q: Question) -> set[str]:
    """The rules a question silences with `lint: {ignore: [...], why: ...}`."""
    return set(q.lint.ignore) if q.lint else set()


def _terms(q: Question) -> Counter[str]:
    """The words a question's point is made of: title, scenario, prompt and keyed options."""
    keyed = " ".join(q.option(i).text for i in sorted(q.answers))
    return Counter(_WORD.findall(" ".join((q.title, q.scenario, q.prompt, keyed)).lower()))


def near_duplicates(questions: Sequence[Question]) -> list[tuple[int, int, float]]:
    """Pairs of questions (indexes) that make the same point: the TF-IDF cosine of their title,
    scenario, prompt and keyed options is at least DUPLICATE_SIMILARITY. Only terms rarer than
    COMMON_TERMS are indexed, so a large bank is compared through shared rare words, not all pairs."""
    docs = [_terms(q) for q in questions]
    df: Counter[str] = Counter(word for d in docs for word in d)
    n = len(docs)
    vectors = [{w: (1 + math.log(c)) * math.log(n / df[w]) for w, c in d.items() if df[w] < n} for d in docs]
    norms = [math.sqrt(sum(v * v for v in vec.values())) or 1.0 for vec in vectors]
    index: dict[str, list[int]] = defaultdict(list)
    for i, vec in enumerate(vectors):
        for word in vec:
            index[word].append(i)
    limit = max(50, int(COMMON_TERMS * n))
    dots: defaultdict[tuple[int, int], float] = defaultdict(float)
    for word, holders in index.items():
        if 1 < len(holders) <= limit:
            for pos, a in enumerate(holders):
                for b in holders[pos + 1 :]:
                    dots[(a, b)] += vectors[a][word] * vectors[b][word]
    pairs = [(a, b, dot / (norms[a] * norms[b])) for (a, b), dot in dots.items()]
    return sorted((a, b, sim) for a, b, sim in pairs if sim >= DUPLICATE_SIMILARITY)


@dataclass(frozen=True)
class BankSummary:
    """What a learner could score without reading, and how keys sit in the files."""

    questions: int
    key_positions: dict[str, int]
    """How often each file position (A, B, ...) is keyed, over every answer of every question."""
    longest_strategy: int
    """Questions answered right by picking the N longest options."""
    first_strategy: int
    """Questions answered right by picking the first N options in file order."""
    longest_single: int
    single: int
    """Single-answer questions, and how many of them key their longest option."""
    length_ratio: float
    """Mean keyed-option length over mean distractor length, across the bank."""

    def lines(self) -> list[str]:
        """The summary as `quizapp lint` prints it."""
        n = self.questions or 1
        positions = ", ".join(f"{k} {v}" for k, v in self.key_positions.items())
        return [
            f"summary: {self.questions} questions; keyed file positions: {positions}",
            f"summary: picking the longest option(s) scores {self.longest_strategy}/{self.questions}"
            f" ({100 * self.longest_strategy / n:.0f}%); the longest is the key in {self.longest_single}/{self.single}"
            " single-answer questions",
            f"summary: picking the first option(s) in file order scores {self.first_strategy}/{self.questions}"
            f" ({100 * self.first_strategy / n:.0f}%; shown shuffled, so by chance in the app)",
            f"summary: keyed options are {self.length_ratio:.2f}x as long as distractors on average",
        ]


def bank_summary(questions: Sequence[Question]) -> BankSummary:
    """The strategy scores, key positions and length ratio of a set of questions."""
    positions: Counter[str] = Counter()
    keyed_len: list[int] = []
    other_len: list[int] = []
    longest = first = longest_single = single = 0
    for q in questions:
        for i, (option, oid) in enumerate(zip(q.options, q.option_ids, strict=True)):
            (keyed_len if oid in q.answers else other_len).append(len(option.text.strip()))
            if oid in q.answers:
                positions[OPTION_LETTERS[i]] += 1
        hit = longest_are_key(q)
        longest += hit
        first += q.is_correct(set(q.option_ids[: len(q.answers)]))
        if not q.multiple:
            single += 1
            longest_single += hit
    ratio = (
        (sum(keyed_len) / len(keyed_len)) / (sum(other_len) / len(other_len))
        if keyed_len and other_len
        else 0.0
    )
    ordered = {letter: positions[letter] for letter in OPTION_LETTERS if positions[letter]}
    return BankSummary(len(questions), ordered, longest, first, longest_single, single, ratio)
