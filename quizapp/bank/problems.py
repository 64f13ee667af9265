"""A located problem in a bank file: what the validator reports, one line each."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One problem at ``path:line:column`` (1-based), with a rule name for tools and a message for people."""

    path: str
    line: int
    column: int
    rule: str
    message: str

    def __str__(self) -> str:
        """'PATH:LINE:COL: message', control characters written as visible escapes (\\x1b), so a
        report about a hostile file never sends that file's escapes to the terminal."""
        return _visible(f"{self.path}:{self.line}:{self.column}: {self.message}")

    def as_json(self) -> dict[str, object]:
        """The object `quizapp validate --format json` prints for this problem."""
        return asdict(self)


def _visible(text: str) -> str:
    """Control characters (other than newline) as Python-style escapes."""
    return "".join(
        ch.encode("unicode_escape").decode("ascii")
        if (ord(ch) < 32 and ch != "\n") or 127 <= ord(ch) < 160
        else ch
        for ch in text
    )


def summary(problems: list[Problem]) -> str:
    """The count line that ends a report."""
    if not problems:
        return "no problems found"
    files = len({p.path for p in problems})
    noun = "problem" if len(problems) == 1 else "problems"
    return f"{len(problems)} {noun} in {files} file{'s' if files != 1 else ''}"
