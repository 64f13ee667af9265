"""How the history of exams reads, for the command line and the TUI alike: one formatter, so both
say the same status, score and domains in the same words. Core module: no Textual."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .exam_store import ExamRecord
from .study.exam import points


def plural(count: int, noun: str, many: str | None = None) -> str:
    """'1 question', '2 questions' (``many`` for a noun that does not just add an s: 'is'/'are')."""
    return f"{count} {noun if count == 1 else many or noun + 's'}"


def clock_text(seconds: float) -> str:
    """'mm:ss', or 'h:mm:ss' from an hour up (seconds rounded up, so 0:00 means the time is up)."""
    whole = int(-(-max(0.0, seconds) // 1))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"


def status_text(record: ExamRecord) -> str:
    """'open', 'paused', 'submitted', 'timed out' or 'discarded'."""
    return record.status.replace("-", " ")


def result_text(record: ExamRecord) -> str:
    """'pass' or 'fail' for a scored exam; '' for the others."""
    if not record.scored:
        return ""
    return "pass" if record.passed else "fail"


def score_text(record: ExamRecord) -> str:
    """'14 / 20 (70%)' for a scored exam; '7 / 20 answered' for the others."""
    if not record.scored or record.correct is None:
        return f"{record.answered} / {len(record.question_ids)} answered"
    return f"{points(record.correct)} / {record.total} ({record.percent or 0:.0f}%)"


def date_text(record: ExamRecord, this_year: int | None = None) -> str:
    """'2026-11-30 14:22' (local time), or '30 Nov 14:22' when it is in ``this_year``."""
    started = time.localtime(record.started)
    if started.tm_year == this_year:
        return time.strftime("%d %b %H:%M", started)
    return time.strftime("%Y-%m-%d %H:%M", started)


def pause_text(pauses: int, seconds: float, compact: bool = False) -> str:
    """'paused 2× (3:10)' (compact: '2× 03:10'), or '' when never paused."""
    if not pauses:
        return ""
    return f"{pauses}× {clock_text(seconds)}" if compact else f"paused {pauses}× ({clock_text(seconds)})"


def domains_text(record: ExamRecord, titles: Mapping[str, str]) -> str:
    """'Attention mechanics 3/4, Inference and serving 1/1' in the bank's domain order."""
    order = list(titles)
    ranked = sorted(record.per_domain, key=lambda d: order.index(d) if d in order else len(order))
    return ", ".join(f"{titles.get(d, d)} {points(c)}/{t}" for d in ranked for c, t in [record.per_domain[d]])


@dataclass(frozen=True)
class HistoryRow:
    """One exam as a row of text cells."""

    id: str
    date: str
    status: str
    score: str
    result: str
    time: str
    paused: str
    domains: str


HEADERS = HistoryRow("exam", "date", "status", "score", "result", "time", "paused", "by domain")


def history_rows(
    records: Sequence[ExamRecord], titles: Mapping[str, str], now: float | None = None
) -> list[HistoryRow]:
    """Each exam's cells, newest first as given. Given ``now`` (the TUI's table, which must fit 80
    columns), the cells are compact: the date without this year, the time as '04:30/08:00' and the
    pauses as '2× 03:10'."""
    compact = now is not None
    this_year = time.localtime(now).tm_year if now is not None else None
    return [
        HistoryRow(
            str(r.id),
            date_text(r, this_year),
            status_text(r),
            score_text(r),
            result_text(r),
            f"{clock_text(r.seconds_used)}{'/' if compact else ' of '}{clock_text(r.minutes * 60)}",
            pause_text(r.pauses, r.paused_seconds, compact),
            domains_text(r, titles),
        )
        for r in records
    ]


def table_lines(rows: Sequence[HistoryRow]) -> list[str]:
    """The rows under a header, each column padded to its widest cell (numbers to the right)."""
    table = [HEADERS, *rows]
    cells = [list(vars(row).values()) for row in table]
    widths = [max(len(row[i]) for row in cells) for i in range(len(cells[0]))]
    right = {0}
    lines = []
    for row in cells:
        parts = [
            c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(parts).rstrip())
    return lines
